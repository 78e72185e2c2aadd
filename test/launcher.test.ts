/**
 * The launcher's behaviour, proven by running the real stubs (under Wine on Linux, natively on
 * Windows) with the probe as their interpreter: the same suites for the x64 stubs and the x86
 * ones (32-bit probe and children; 4-byte handles in the fd block). arm64 cannot run here: its
 * stubs are checked statically (stubs.test.ts). Each important test also runs against a broken
 * launcher (a negative control) or a reference launcher (distlib's) to show that it can fail.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import type { LauncherSpec } from '../src/build.js';
import { joinArgs, quoteArg, splitMsvc } from '../src/cmdline.js';
import type { PointerSize } from '../src/fdblock.js';
import { parsePe, readResources } from '../src/pe.js';
import {
  harnessExec,
  harnessExecArgs,
  harnessFdBlock,
  harnessKill,
  RAWCHILD_EXIT,
  readExecReport,
  readProbeReport,
  runWindows,
  tmuxAvailable,
  tmuxRun,
  toWindowsPath,
  winProgs,
  winProgsFor,
  wineCommand,
  type ProgArch,
} from './support/wine.js';
import {
  controlStubDir,
  CRASH_CODES,
  describeFdResult,
  describeHostileResult,
  distlibDir,
  distlibLauncher,
  fdBlockCases,
  NASTY_ARGS,
  probeAt,
  probeEnv,
  probeScriptLauncher,
  REPO,
  tempDir,
  WELL_FORMED,
  windowsSkip,
  windowsSkip32,
  writeSpec,
} from './support/launchers.js';

const work = tempDir('bounce-launcher-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** An architecture whose stubs run here, with what differs between them. */
interface Target {
  arch: ProgArch;
  /** Why its programs cannot run here, or null. */
  skip: string | null;
  /** Handle size in the CRT fd block a parent of this bitness writes. */
  pointerSize: PointerSize;
  /** distlib's console base launcher of the same bitness. */
  distlibBase: string;
}

const TARGETS: Target[] = [
  { arch: 'x64', skip: windowsSkip(), pointerSize: 8, distlibBase: 't64.exe' },
  { arch: 'x86', skip: windowsSkip32(), pointerSize: 4, distlibBase: 't32.exe' },
];

/** A path as the launcher writes it into the child's command line (quoted only when needed). */
function q(linuxPath: string): string {
  return quoteArg(toWindowsPath(linuxPath));
}

function launcherCommandLine(launcher: string, tail: string): string {
  return `"${toWindowsPath(launcher)}"${tail}`;
}

for (const target of TARGETS) {
  const { arch } = target;
  const skip = target.skip ?? false;
  const root = path.join(work, arch);
  /** A copy of this architecture's probe at dir/name. */
  const probe = (dir: string, name = 'probe.exe'): string => probeAt(dir, name, arch);
  /** A script launcher from this architecture's stub whose "python" is `program`. */
  const launcher = (file: string, program: string, extra: Partial<LauncherSpec> = {}): string =>
    probeScriptLauncher(file, program, { arch, ...extra });
  const spec = (file: string, s: LauncherSpec): string => writeSpec(file, { arch, ...s });

  describe(`${arch}: argument round trip`, { skip }, () => {
    const dir = path.join(root, 'args');
    const p = probe(dir);
    const l = launcher(path.join(dir, 'tool.exe'), p);

    test(`${NASTY_ARGS.length} arguments arrive byte for byte and split back into the same argv`, async () => {
      assert.ok(NASTY_ARGS.length >= 60);
      const { report, env } = probeEnv(work);
      const tail = ` ${joinArgs(NASTY_ARGS)}`;
      const r = await harnessExec(toWindowsPath(l), launcherCommandLine(l, tail), { env });
      assert.equal(r.exitCode, 0);
      const got = readProbeReport(report);
      assert.equal(got.commandLine, `${q(p)} ${q(l)}${tail}`);
      assert.deepEqual(splitMsvc(got.commandLine).slice(2), NASTY_ARGS);
      assert.deepEqual(got.argv.slice(2), NASTY_ARGS, "the child's own C runtime reads the same argv");
    });

    test('a raw tail with odd spacing is passed unchanged, not re-quoted', async () => {
      const { report, env } = probeEnv(work);
      const tail = '\t  a  "b  c"\t\t"unterminated \\" quote   ';
      await harnessExec(toWindowsPath(l), launcherCommandLine(l, tail), { env });
      assert.equal(readProbeReport(report).commandLine, `${q(p)} ${q(l)}${tail}`);
    });

    test('argv[0] partly quoted or unquoted: the tail starts where the MSVC rule ends argv[0]', async () => {
      for (const argv0 of [toWindowsPath(l), `"${toWindowsPath(dir)}"\\tool.exe`, 'tool']) {
        const { report, env } = probeEnv(work);
        await harnessExec(toWindowsPath(l), `${argv0} x "y z"`, { env });
        assert.equal(readProbeReport(report).commandLine, `${q(p)} ${q(l)} x "y z"`);
      }
    });

    test('no arguments at all: nothing is appended', async () => {
      const { report, env } = probeEnv(work);
      await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}"`, { env });
      assert.equal(readProbeReport(report).commandLine, `${q(p)} ${q(l)}`);
    });

    test('proxy and exec kinds: fixed arguments and the script path sit before the tail', async () => {
      const kdir = path.join(root, 'kinds');
      const kp = probe(kdir);
      const proxy = spec(path.join(kdir, 'python.exe'), { kind: 'proxy', program: 'probe.exe', args: ['-E', 'two words'] });
      const exec = spec(path.join(kdir, 'node-tool.exe'), { kind: 'exec', program: 'probe.exe', args: ['--flag'], script: 'lib\\cli.js' });
      const bare = spec(path.join(kdir, 'bare.exe'), { kind: 'exec', program: 'probe.exe' });
      const cases: [string, string][] = [
        [proxy, `${q(kp)} -E "two words" a "b c"`],
        [exec, `${q(kp)} --flag ${quoteArg(`${toWindowsPath(kdir)}\\lib\\cli.js`)} a "b c"`],
        [bare, `${q(kp)} a "b c"`],
      ];
      for (const [file, expected] of cases) {
        const { report, env } = probeEnv(work);
        await harnessExec(toWindowsPath(file), `"${toWindowsPath(file)}" a "b c"`, { env });
        assert.equal(readProbeReport(report).commandLine, expected);
      }
    });
  });

  describe(`${arch}: exit codes`, { skip }, () => {
    const dir = path.join(root, 'exit');
    const l = launcher(path.join(dir, 'tool.exe'), probe(dir));
    for (const code of [0, 1, 2, 255, 256, 0xc000013a, 0xffffffff]) {
      test(`child exit code 0x${code.toString(16)} comes back exactly`, async () => {
        const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}"`, { env: { PROBE_EXIT: String(code) } });
        assert.equal(r.exitCode, code);
      });
    }
  });

  describe(`${arch}: CRT fd block (lpReserved2), ${target.pointerSize}-byte handles: the seed`, { skip }, () => {
    const dir = path.join(root, 'fd');
    const blocks = fdBlockCases(target.pointerSize);
    const wellFormed = blocks[WELL_FORMED]!;
    const p = probe(dir);
    const bounce = launcher(path.join(dir, 'bounce.exe'), p);
    const controlStubs = controlStubDir('BOUNCE_CONTROL_KEEP_FD_COPIES', `${arch}-console`);
    const control = launcher(path.join(dir, 'control.exe'), p, { stubDir: controlStubs });
    const distlib = distlibDir();
    const distlibBase = 'dir' in distlib ? path.join(distlib.dir, target.distlibBase) : null;
    const noDistlib = 'reason' in distlib ? distlib.reason : fs.existsSync(distlibBase!) ? false : `no ${target.distlibBase} in this machine's pip`;
    const reference = noDistlib === false ? distlibLauncher(path.join(dir, 'distlib.exe'), path.dirname(distlibBase!), p, target.distlibBase) : null;
    // For hostile blocks the interpreter is rawchild, which has no C runtime: Wine's msvcrt
    // itself crashes on some of them (the matrix's last column), and a launcher would
    // faithfully return that.
    const { rawchild } = winProgsFor(arch);
    const rawLaunchers: Record<string, string> = {
      bounce: launcher(path.join(dir, 'raw-bounce.exe'), rawchild),
      'bounce GUI': launcher(path.join(dir, 'raw-gui.exe'), rawchild, { gui: true }),
      'control (no cleanup)': launcher(path.join(dir, 'raw-control.exe'), rawchild, { stubDir: controlStubs }),
      ...(noDistlib === false ? { [`distlib ${target.distlibBase}`]: distlibLauncher(path.join(dir, 'raw-distlib.exe'), path.dirname(distlibBase!), rawchild, target.distlibBase) } : {}),
    };
    // Also a well-formed block laid out for the other handle size: its size check may pass
    // while every slot is misread. The values must still do no harm.
    const other = target.pointerSize === 8 ? 4 : 8;
    const hostile: Record<string, Uint8Array> = { ...blocks, [`laid out for ${other}-byte handles`]: fdBlockCases(other)[WELL_FORMED]! };
    const env = { PROBE_FD3_WRITE: 'hello', PROBE_SLEEP_MS: '3000', PROBE_EXIT: '7' };
    const run = (l: string, block: Uint8Array, extra: Record<string, string> = {}) =>
      harnessFdBlock(block, toWindowsPath(l), `"${toWindowsPath(l)}" arg`, { env: { ...env, ...extra }, timeoutMs: 60_000 });

    test('well-formed block: the child sees fd 3, and EOF arrives while the launcher is alive', async () => {
      const { report, env: reportEnv } = probeEnv(work);
      const r = await run(bounce, wellFormed, reportEnv);
      assert.equal(r.data, 'hello', 'the child wrote to its inherited fd 3');
      assert.equal(r.exitCode, 7);
      assert.equal(readProbeReport(report).fd3Handle, r.pipeHandle, 'the child got the block unchanged');
      assert.equal(r.aliveAtEof, true, `the launcher closed its own copy of the pipe (${describeFdResult(r)})`);
      assert.ok(r.eofMs !== null && r.eofMs < 2500, `EOF after ${r.eofMs} ms, before the child's 3 s sleep ended`);
    });

    test('negative control: a launcher that keeps its copies holds the pipe open until it exits', async () => {
      const r = await run(control, wellFormed);
      assert.equal(r.data, 'hello');
      assert.equal(r.aliveAtEof, false, `EOF only when the control launcher exits (${describeFdResult(r)})`);
    });

    test(`reference: distlib ${target.distlibBase} closes its copy too (so the harness measures what it claims)`, { skip: noDistlib }, async () => {
      const r = await run(reference!, wellFormed);
      assert.equal(r.data, 'hello');
      assert.equal(r.aliveAtEof, true, describeFdResult(r));
    });

    test('hostile blocks never crash the launcher (console or GUI), and the child still runs', async () => {
      const matrix: Record<string, Record<string, string>> = {};
      for (const [name, block] of Object.entries(hostile)) {
        const row: Record<string, string> = {};
        for (const [who, l] of Object.entries(rawLaunchers)) {
          const r = await harnessFdBlock(block, toWindowsPath(l), `"${toWindowsPath(l)}"`, { timeoutMs: 60_000 });
          row[who] = describeHostileResult(r);
          if (who.startsWith('bounce')) {
            assert.equal(r.timedOut, false, `${who}, ${name}: hung`);
            assert.equal(r.exitCode, RAWCHILD_EXIT, `${who}, ${name}: ${row[who]}`);
          }
        }
        const direct = await harnessFdBlock(block, toWindowsPath(p), `"${toWindowsPath(p)}"`, { env, timeoutMs: 60_000 });
        row['msvcrt probe, no launcher'] = CRASH_CODES.has(direct.exitCode) ? `CRASH 0x${direct.exitCode.toString(16)}` : 'ok';
        matrix[name] = row;
      }
      const eof: Record<string, string> = {};
      const pipeRuns: [string, string][] = [['bounce', bounce], ['control (no cleanup)', control]];
      if (reference) pipeRuns.push([`distlib ${target.distlibBase}`, reference]);
      for (const [who, l] of pipeRuns) eof[who] = describeFdResult(await run(l, wellFormed));
      matrix['well-formed: pipe EOF (child closes fd 3, sleeps 3 s)'] = eof;
      const out = path.join(REPO, 'build', `fd-matrix-${arch}.json`);
      fs.writeFileSync(out, `${JSON.stringify(matrix, null, 2)}\n`);
      console.log(`${arch} fd-block matrix, interpreter ${toWindowsPath(rawchild)} (also in ${out}):`);
      console.table(matrix);
    });
  });

  describe(`${arch}: process lifetime (job object)`, { skip }, () => {
    const dir = path.join(root, 'kill');
    const p = probe(dir);
    const killEnv = (pidFile: string) => ({ PROBE_GRANDCHILD: '1', PROBE_PIDFILE: toWindowsPath(pidFile), PROBE_SLEEP_MS: '60000' });

    test('terminating the launcher kills the child and the grandchild within a second', async () => {
      const l = launcher(path.join(dir, 'tool.exe'), p);
      const pidFile = path.join(dir, 'pids-tree.txt');
      const r = await harnessKill(toWindowsPath(pidFile), toWindowsPath(l), `"${toWindowsPath(l)}"`, { env: killEnv(pidFile) });
      assert.equal(r.childGone, true, 'child killed with the launcher');
      assert.equal(r.grandchildGone, true, 'grandchild killed with the launcher');
    });

    test('negative control: a launcher without the job leaves child and grandchild running', async () => {
      const l = launcher(path.join(dir, 'no-job.exe'), p, { stubDir: controlStubDir('BOUNCE_CONTROL_NO_JOB', `${arch}-console`) });
      const pidFile = path.join(dir, 'pids-no-job.txt');
      const r = await harnessKill(toWindowsPath(pidFile), toWindowsPath(l), `"${toWindowsPath(l)}"`, { env: killEnv(pidFile) });
      assert.equal(r.childGone, false, 'the child outlived the control launcher');
      assert.equal(r.grandchildGone, false);
    });

    test("inside its caller's job (as CI runners start programs): runs, returns the code, still kills the tree", async () => {
      // The launcher's own job nests in the caller's (Windows 8+, and Wine). Were nesting refused,
      // the launcher would carry on without a job; Wine always allows it, so that path is not run.
      const l = launcher(path.join(dir, 'in-job.exe'), p);
      const { report, env } = probeEnv(work, { PROBE_EXIT: '9', HARNESS_JOB: '1' });
      const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" a`, { env });
      assert.equal(r.exitCode, 9);
      assert.equal(readProbeReport(report).commandLine, `${q(p)} ${q(l)} a`);
      const pidFile = path.join(dir, 'pids-in-job.txt');
      const k = await harnessKill(toWindowsPath(pidFile), toWindowsPath(l), `"${toWindowsPath(l)}"`, { env: { ...killEnv(pidFile), HARNESS_JOB: '1' } });
      assert.equal(k.childGone, true, 'child killed with the launcher');
      assert.equal(k.grandchildGone, true, 'grandchild killed with the launcher');
    });

    test('with the allow-breakaway flag the grandchild leaves the job and survives (the child does not)', async () => {
      const l = launcher(path.join(dir, 'breakaway.exe'), p, { allowBreakaway: true });
      const pidFile = path.join(dir, 'pids-breakaway.txt');
      const r = await harnessKill(toWindowsPath(pidFile), toWindowsPath(l), `"${toWindowsPath(l)}"`, { env: killEnv(pidFile) });
      assert.equal(r.childGone, true);
      assert.equal(r.grandchildGone, false);
    });
  });

  describe(`${arch}: Ctrl-C in a real console (tmux)`, { skip: target.skip ?? (tmuxAvailable().ok ? false : 'tmux is not installed') }, () => {
    /** Runs launcher `l` under the harness in tmux, presses Ctrl-C once the probe is READY. */
    const pressCtrlC = async (dir: string, l: string) => {
      // The child lives on 1.5 s after Ctrl-C: a launcher that Ctrl-C ends is gone by then.
      const { report, env } = probeEnv(dir, { PROBE_WAIT_CTRLC: '1', PROBE_SLEEP_MS: '1500', PROBE_EXIT: '42' });
      const execReport = path.join(dir, `exec-${path.basename(l)}.json`);
      const r = await tmuxRun(wineCommand(winProgs().harness, harnessExecArgs(toWindowsPath(execReport), toWindowsPath(l), `"${toWindowsPath(l)}"`)), {
        readyText: 'READY',
        sendKeys: 'C-c',
        env,
        timeoutMs: 90_000,
      });
      assert.equal(r.readySeen, true, `the probe never printed READY:\n${r.screen}`);
      return { childReport: report, launcherExit: readExecReport(execReport).exitCode };
    };

    test('the child gets CTRL_C_EVENT, the launcher outlives it and returns its exit code', async () => {
      const dir = path.join(root, 'ctrlc');
      const { childReport, launcherExit } = await pressCtrlC(dir, launcher(path.join(dir, 'tool.exe'), probe(dir)));
      assert.equal(readProbeReport(childReport).ctrlC, true, 'the child received CTRL_C_EVENT');
      assert.equal(launcherExit, 42, 'the launcher survived Ctrl-C and returned the child code');
    });

    test('negative control: without its handler the launcher dies of Ctrl-C and loses the code', async () => {
      const dir = path.join(root, 'ctrlc-control');
      const stubDir = controlStubDir('BOUNCE_CONTROL_NO_CTRL_HANDLER', `${arch}-console`);
      const { launcherExit } = await pressCtrlC(dir, launcher(path.join(dir, 'tool.exe'), probe(dir), { stubDir }));
      // Windows' default handler exits with STATUS_CONTROL_C_EXIT, Wine's with 0; either way the
      // child's 42 is lost (and the job ends the child before it can write its report).
      assert.notEqual(launcherExit, 42, `the control launcher returned ${launcherExit}, as if it had outlived Ctrl-C`);
    });
  });

  describe(`${arch}: errors of the launcher itself`, { skip }, () => {
    const dir = path.join(root, 'errors');

    test('missing interpreter: one line naming it, exit code 124', async () => {
      const l = spec(path.join(dir, 'missing.exe'), { kind: 'proxy', program: 'C:\\no\\such\\python.exe' });
      const r = await runWindows(l, ['a']);
      assert.equal(r.code, 124);
      assert.match(r.stderr.trim(), /^bounce: error: cannot start "C:\\no\\such\\python\.exe": .+/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });

    test('bare stub without payload: exit code 121', async () => {
      const l = path.join(dir, 'bare.exe');
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(path.join(REPO, 'stub', 'bin', `${arch}-console.exe`), l);
      const r = await runWindows(l, []);
      assert.equal(r.code, 121);
      assert.match(r.stderr, /^bounce: error: no BOUNCE payload .*bare\.exe"/);
    });

    for (const [what, offset, value] of [
      ['signature', 0, 0x58],
      ['version', 4, 9],
      ['kind', 6, 7],
      ['flags', 7, 0x80],
      ['program length', 8, 0xff],
    ] as const) {
      test(`corrupt payload (${what}): exit code 122, no crash`, async () => {
        const l = launcher(path.join(dir, `corrupt-${offset}.exe`), probe(dir));
        const bytes = fs.readFileSync(l);
        const at = readResources(bytes, parsePe(bytes)).find((r) => r.name === 'BOUNCE')!.fileOffset;
        bytes[at + offset] = value;
        fs.writeFileSync(l, bytes);
        const r = await runWindows(l, []);
        assert.equal(r.code, 122);
        assert.match(r.stderr, /^bounce: error: .*payload.*corrupt-\d+\.exe"/);
      });
    }

    test('the longest command line Windows allows passes whole; one character more is refused with 123', async () => {
      const p = probe(dir);
      const l = launcher(path.join(dir, 'long.exe'), p);
      const prefix = `${q(p)} ${q(l)} `;
      // The child's command line may hold 32,766 characters (32,767 with the NUL).
      const fits = 'y'.repeat(32_766 - prefix.length);
      const { report, env } = probeEnv(work);
      const ok = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" ${fits}`, { env });
      assert.equal(ok.exitCode, 0);
      assert.equal(readProbeReport(report).commandLine, `${prefix}${fits}`);
      const over = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" ${fits}y`, { env });
      assert.equal(over.exitCode, 123, 'not truncated, not passed on: refused');
    });
  });

  describe(`${arch}: paths`, { skip }, () => {
    for (const name of ['with space', 'amp & ersand', 'per%cent%', 'caf\u00e9 \u65e5\u672c']) {
      test(`launcher and interpreter in a folder named "${name}"`, async () => {
        const dir = path.join(root, 'paths', name);
        const p = probe(path.join(dir, 'bin'), 'py thon.exe');
        const l = launcher(path.join(dir, 'Scripts', 'my tool.exe'), p);
        const { report, env } = probeEnv(work);
        const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" arg`, { env });
        assert.equal(r.exitCode, 0);
        assert.equal(readProbeReport(report).commandLine, `${q(p)} ${q(l)} arg`);
      });
    }

    /** A folder for `Scripts\tool.exe` whose Windows path is 513 to 520 characters: past MAX_PATH
     * and past the stub's first GetModuleFileNameW buffer (512), so the buffer has to grow. Not
     * longer: Wine 8 itself crashes starting any program whose path is 528 characters or more. */
    const deepDir = (name: string): string => {
      const length = (d: string) => toWindowsPath(path.join(d, 'Scripts', 'tool.exe')).length;
      let dir = path.join(root, name);
      while (length(path.join(dir, 'd'.repeat(50))) <= 520) dir = path.join(dir, 'd'.repeat(50));
      return path.join(dir, 'e'.repeat(Math.max(1, 513 - length(dir) - 1)));
    };

    test('a launcher whose own path is over 512 characters reports that path to the child', async () => {
      const p = probe(path.join(root, 'long-own', 'bin'));
      const l = launcher(path.join(deepDir('long-own'), 'Scripts', 'tool.exe'), p);
      assert.ok(toWindowsPath(l).length > 512);
      const { report, env } = probeEnv(work);
      // Started by the loader (wine <path>, or directly on Windows): CreateProcessW itself cannot
      // start a program at such a path under Wine (see the next test).
      const r = await runWindows(l, ['x'], { env });
      assert.equal(r.code, 0, r.stderr);
      const got = readProbeReport(report);
      assert.deepEqual(got.argv.slice(1), [toWindowsPath(l), 'x']);
      assert.ok(got.commandLine.startsWith(`${q(p)} ${q(l)}`), got.commandLine);
    });

    test('an interpreter whose path is over 260 characters', async (t) => {
      const p = probe(path.join(deepDir('long-interp'), 'bin'));
      assert.ok(toWindowsPath(p).length > 260);
      // Can this Windows start a program at such a path at all? Wine 8's CreateProcessW cannot
      // (error 2, with or without \\?\): then no launcher can, and the test says so.
      const direct = await harnessExec(toWindowsPath(p), `"${toWindowsPath(p)}"`).catch((e: unknown) => e);
      if (direct instanceof Error) {
        t.skip(`this Windows cannot CreateProcessW a program whose path is over 260 characters (${direct.message}); Wine 8 cannot`);
        return;
      }
      const l = launcher(path.join(root, 'long-interp', 'tool.exe'), p);
      const { report, env } = probeEnv(work);
      const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" x`, { env });
      assert.equal(r.exitCode, 0);
      assert.equal(readProbeReport(report).commandLine, `${q(p)} ${q(l)} x`);
    });

    test('relative interpreter path, resolved against the launcher folder, not the current directory', async () => {
      const dir = path.join(root, 'relative');
      const p = probe(path.join(dir, 'venv', 'bin'), 'python.exe');
      const l = launcher(path.join(dir, 'venv', 'Scripts', 'tool.exe'), p, { program: '..\\bin\\python.exe' });
      // A decoy python.exe in the caller's current directory must not be used.
      const cwd = path.join(dir, 'elsewhere');
      probe(cwd, 'python.exe');
      const { report, env } = probeEnv(work);
      await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}"`, { env, cwd: toWindowsPath(cwd) });
      const got = readProbeReport(report);
      assert.equal(got.exe.toLowerCase(), toWindowsPath(p).toLowerCase());
      assert.equal(got.commandLine, `${quoteArg(`${toWindowsPath(path.join(dir, 'venv', 'Scripts'))}\\..\\bin\\python.exe`)} ${q(l)}`);
      assert.equal(got.cwd.replace(/\\$/, '').toLowerCase(), toWindowsPath(cwd).toLowerCase(), "the child runs in the caller's directory");
    });

    test('started through PATH by its bare name', async () => {
      const dir = path.join(root, 'onpath');
      const l = launcher(path.join(dir, `pathtool-${arch}.exe`), probe(dir));
      const { report, env } = probeEnv(work);
      const r = await harnessExec(null, `pathtool-${arch} a`, { env, prependPath: [dir] });
      assert.equal(r.exitCode, 0);
      assert.equal(readProbeReport(report).commandLine.toLowerCase(), `${q(path.join(dir, 'probe.exe'))} ${q(l)} a`.toLowerCase());
    });
  });

  describe(`${arch}: GUI variant`, { skip }, () => {
    test('runs the child and returns its exit code', async () => {
      const dir = path.join(root, 'gui');
      const p = probe(dir);
      const l = launcher(path.join(dir, 'gui.exe'), p, { gui: true });
      assert.equal(parsePe(new Uint8Array(fs.readFileSync(l))).subsystem, 2, 'a Windows GUI subsystem image');
      const { report, env } = probeEnv(work, { PROBE_EXIT: '0x1234abcd' });
      const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" a "b c"`, { env });
      assert.equal(r.exitCode, 0x1234abcd);
      assert.equal(readProbeReport(report).commandLine, `${q(p)} ${q(l)} a "b c"`);
    });
  });
}
