/**
 * The launcher's behaviour, proven by running the real stub (under Wine on Linux, natively on
 * Windows) with the probe as its interpreter. Each important test also runs against a broken
 * launcher (a negative control) or a reference launcher to show that it can fail.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { joinArgs, quoteArg, splitMsvc } from '../src/cmdline.js';
import { parsePe, readResources } from '../src/pe.js';
import { encodeRawFdBlock, FdFlag, type FdEntry } from '../src/fdblock.js';
import {
  harnessExec,
  harnessFdBlock,
  harnessKill,
  PIPE_SENTINEL,
  readProbeReport,
  runWindows,
  tmuxAvailable,
  tmuxRun,
  toWindowsPath,
  winProgs,
  wineCommand,
  type FdBlockReport,
} from './support/wine.js';
import {
  controlStubDir,
  distlibDir,
  distlibLauncher,
  probeAt,
  probeEnv,
  probeScriptLauncher,
  tempDir,
  windowsSkip,
  writeSpec,
} from './support/launchers.js';

const skip = windowsSkip();
const work = tempDir('bounce-launcher-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The arguments of the round trip: every character class a shell or a parser gets wrong. */
const NASTY_ARGS: string[] = [
  '', 'plain', 'two words', '  leading', 'trailing  ', '\ttab', 'in\tside', '"', '""', '"quoted"',
  'a"b', 'a""b', '\\', '\\\\', 'trailing\\', 'trailing\\\\', 'C:\\Program Files\\', '\\"', '\\\\"',
  'a\\"b', 'a\\\\"b', 'a\\\\\\"b', '\\\\server\\share', 'x\\ y', '&', 'a&b', '^', 'a^b', '^^',
  '%', '%PATH%', '%%', '!', '!PATH!', '<', '>', '|', 'a|b', '<in >out', '(', ')', '()', ';', ',',
  '=', 'a=b', "'", "'single quoted'", '`', '$HOME', '*', '?', '[x]', '{y}', '~', '#', 'é',
  'naïve café', '日本語', 'Ωmega', '😀', 'a😀b "😀"', '\u00a0nbsp', '--flag=value with space',
  '-', '--', 'x'.repeat(5000),
];

/** A path as the launcher writes it into the child's command line (quoted only when needed). */
function q(linuxPath: string): string {
  return quoteArg(toWindowsPath(linuxPath));
}

function launcherCommandLine(launcher: string, tail: string): string {
  return `"${toWindowsPath(launcher)}"${tail}`;
}

describe('argument round trip', { skip: skip ?? false }, () => {
  const probe = probeAt(path.join(work, 'args'));
  const launcher = probeScriptLauncher(path.join(work, 'args', 'tool.exe'), probe);

  test(`${NASTY_ARGS.length} arguments arrive byte for byte and split back into the same argv`, async () => {
    assert.ok(NASTY_ARGS.length >= 60);
    const { report, env } = probeEnv(work);
    const tail = ` ${joinArgs(NASTY_ARGS)}`;
    const r = await harnessExec(toWindowsPath(launcher), launcherCommandLine(launcher, tail), { env });
    assert.equal(r.exitCode, 0);
    const p = readProbeReport(report);
    assert.equal(p.commandLine, `${q(probe)} ${q(launcher)}${tail}`);
    assert.deepEqual(splitMsvc(p.commandLine).slice(2), NASTY_ARGS);
    assert.deepEqual(p.argv.slice(2), NASTY_ARGS, "the child's own C runtime reads the same argv");
  });

  test('a raw tail with odd spacing is passed unchanged, not re-quoted', async () => {
    const { report, env } = probeEnv(work);
    const tail = '\t  a  "b  c"\t\t"unterminated \\" quote   ';
    await harnessExec(toWindowsPath(launcher), launcherCommandLine(launcher, tail), { env });
    assert.equal(readProbeReport(report).commandLine, `${q(probe)} ${q(launcher)}${tail}`);
  });

  test('argv[0] partly quoted or unquoted: the tail starts where the MSVC rule ends argv[0]', async () => {
    const dir = path.join(work, 'args');
    for (const argv0 of [toWindowsPath(launcher), `"${toWindowsPath(dir)}"\\tool.exe`, 'tool']) {
      const { report, env } = probeEnv(work);
      await harnessExec(toWindowsPath(launcher), `${argv0} x "y z"`, { env });
      assert.equal(readProbeReport(report).commandLine, `${q(probe)} ${q(launcher)} x "y z"`);
    }
  });

  test('no arguments at all: nothing is appended', async () => {
    const { report, env } = probeEnv(work);
    await harnessExec(toWindowsPath(launcher), `"${toWindowsPath(launcher)}"`, { env });
    assert.equal(readProbeReport(report).commandLine, `${q(probe)} ${q(launcher)}`);
  });

  test('proxy and exec kinds: fixed arguments and the script path sit before the tail', async () => {
    const dir = path.join(work, 'kinds');
    const p = probeAt(dir);
    const proxy = writeSpec(path.join(dir, 'python.exe'), { kind: 'proxy', program: 'probe.exe', args: ['-E', 'two words'] });
    const exec = writeSpec(path.join(dir, 'node-tool.exe'), { kind: 'exec', program: 'probe.exe', args: ['--flag'], script: 'lib\\cli.js' });
    const execNoScript = writeSpec(path.join(dir, 'bare.exe'), { kind: 'exec', program: 'probe.exe' });
    const cases: [string, string][] = [
      [proxy, `${q(p)} -E "two words" a "b c"`],
      [exec, `${q(p)} --flag ${quoteArg(`${toWindowsPath(dir)}\\lib\\cli.js`)} a "b c"`],
      [execNoScript, `${q(p)} a "b c"`],
    ];
    for (const [l, expected] of cases) {
      const { report, env } = probeEnv(work);
      await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" a "b c"`, { env });
      assert.equal(readProbeReport(report).commandLine, expected);
    }
  });
});

describe('exit codes', { skip: skip ?? false }, () => {
  const probe = probeAt(path.join(work, 'exit'));
  const launcher = probeScriptLauncher(path.join(work, 'exit', 'tool.exe'), probe);
  for (const code of [0, 1, 2, 255, 256, 0xc000013a, 0xffffffff]) {
    test(`child exit code 0x${code.toString(16)} comes back exactly`, async () => {
      const r = await harnessExec(toWindowsPath(launcher), `"${toWindowsPath(launcher)}"`, { env: { PROBE_EXIT: String(code) } });
      assert.equal(r.exitCode, code);
    });
  }
});

/** The fd-block matrix (the seed, uv PR 6955): well-formed and hostile blocks. */
const pipeAt3: FdEntry[] = [
  { flags: 0, handle: -1n },
  { flags: 0, handle: -1n },
  { flags: 0, handle: -1n },
  { flags: FdFlag.open | FdFlag.pipe, handle: PIPE_SENTINEL },
];
const BLOCKS: Record<string, Uint8Array> = {
  'well-formed, pipe at fd 3': encodeRawFdBlock({ count: 4, entries: pipeAt3, pointerSize: 8 }),
  'N too large for cbReserved2': encodeRawFdBlock({ count: 200, entries: pipeAt3, pointerSize: 8 }),
  'N = 0x7fffffff': encodeRawFdBlock({ count: 0x7fffffff, entries: pipeAt3, pointerSize: 8 }),
  'N = -5': encodeRawFdBlock({ count: -5, entries: pipeAt3, pointerSize: 8 }),
  'cbReserved2 = 2': encodeRawFdBlock({ count: 4, entries: pipeAt3, pointerSize: 8, totalSize: 2 }),
  'NULL, -1, -2 and junk handles': encodeRawFdBlock({
    count: 8,
    entries: [
      ...pipeAt3,
      { flags: FdFlag.open, handle: 0n },
      { flags: FdFlag.open, handle: -1n },
      { flags: FdFlag.open, handle: -2n },
      { flags: FdFlag.open, handle: 0x12345678n },
    ],
    pointerSize: 8,
  }),
  'Cygwin-style block (first int 0)': (() => {
    const b = new Uint8Array(64).fill(0xa5);
    b.set([0, 0, 0, 0], 0);
    return b;
  })(),
};

const CRASH_CODES = new Set([0xc0000005, 0xc0000409, 0xc0000374, 0xc00000fd]);

function describeResult(r: FdBlockReport): string {
  if (CRASH_CODES.has(r.exitCode)) return `crash 0x${r.exitCode.toString(16)}`;
  if (r.timedOut) return 'hung';
  const eof = r.aliveAtEof ? `EOF while alive (${r.eofMs} ms)` : `EOF at exit (${r.eofMs} ms)`;
  return `exit ${r.exitCode}, ${eof}`;
}

describe('CRT fd block (lpReserved2): the seed', { skip: skip ?? false }, () => {
  const dir = path.join(work, 'fd');
  const probe = probeAt(dir);
  const bounce = probeScriptLauncher(path.join(dir, 'bounce.exe'), probe);
  const controlStubs = controlStubDir('BOUNCE_CONTROL_KEEP_FD_COPIES');
  const control = probeScriptLauncher(path.join(dir, 'control.exe'), probe, { stubDir: controlStubs });
  const distlib = distlibDir();
  const reference = 'dir' in distlib ? distlibLauncher(path.join(dir, 'distlib.exe'), distlib.dir, probe) : null;
  // For hostile blocks the interpreter is rawchild, which has no C runtime: Wine's msvcrt
  // itself crashes on N = 0x7fffffff or N < 0, and the launcher would faithfully return that.
  const raw = toWindowsPath(winProgs().rawchild);
  const rawLaunchers: Record<string, string> = {
    bounce: probeScriptLauncher(path.join(dir, 'raw-bounce.exe'), winProgs().rawchild),
    'control (no cleanup)': probeScriptLauncher(path.join(dir, 'raw-control.exe'), winProgs().rawchild, { stubDir: controlStubs }),
    ...('dir' in distlib ? { 'distlib t64.exe': distlibLauncher(path.join(dir, 'raw-distlib.exe'), distlib.dir, winProgs().rawchild) } : {}),
  };
  const env = { PROBE_FD3_WRITE: 'hello', PROBE_SLEEP_MS: '3000', PROBE_EXIT: '7' };
  const run = (launcher: string, block: Uint8Array) =>
    harnessFdBlock(block, toWindowsPath(launcher), `"${toWindowsPath(launcher)}" arg`, { env, timeoutMs: 60_000 });

  test('well-formed block: the child sees fd 3, and EOF arrives while the launcher is alive', async () => {
    const r = await run(bounce, BLOCKS['well-formed, pipe at fd 3']!);
    assert.equal(r.data, 'hello', 'the child wrote to its inherited fd 3');
    assert.equal(r.exitCode, 7);
    assert.equal(r.aliveAtEof, true, 'the launcher closed its own copy of the pipe');
    assert.ok(r.eofMs !== null && r.eofMs < 2500, `EOF after ${r.eofMs} ms, before the child's 3 s sleep ended`);
  });

  test('negative control: a launcher that keeps its copies holds the pipe open until it exits', async () => {
    const r = await run(control, BLOCKS['well-formed, pipe at fd 3']!);
    assert.equal(r.data, 'hello');
    assert.equal(r.aliveAtEof, false, 'EOF only when the control launcher exits');
  });

  test('reference: distlib t64.exe closes its copy too (so the harness measures what it claims)', { skip: 'reason' in distlib ? distlib.reason : false }, async () => {
    const r = await run(reference!, BLOCKS['well-formed, pipe at fd 3']!);
    assert.equal(r.data, 'hello');
    assert.equal(r.aliveAtEof, true);
  });

  test('hostile blocks never crash the launcher, and the child still runs', async () => {
    const matrix: Record<string, Record<string, string>> = {};
    for (const [name, block] of Object.entries(BLOCKS)) {
      const row: Record<string, string> = {};
      for (const [who, launcher] of Object.entries(rawLaunchers)) {
        const r = await harnessFdBlock(block, toWindowsPath(launcher), `"${toWindowsPath(launcher)}"`, { timeoutMs: 60_000 });
        row[who] = CRASH_CODES.has(r.exitCode) ? `CRASH 0x${r.exitCode.toString(16)}` : r.timedOut ? 'hung' : `ok (child exit ${r.exitCode})`;
        if (who === 'bounce') {
          assert.equal(r.timedOut, false, `${name}: hung`);
          assert.equal(r.exitCode, 7, `${name}: ${row[who]}`);
        }
      }
      const direct = await harnessFdBlock(block, toWindowsPath(probe), `"${toWindowsPath(probe)}"`, { env, timeoutMs: 60_000 });
      row['msvcrt probe, no launcher'] = CRASH_CODES.has(direct.exitCode) ? `CRASH 0x${direct.exitCode.toString(16)}` : 'ok';
      matrix[name] = row;
    }
    const eof: Record<string, string> = {};
    for (const [who, l] of [['bounce', bounce], ['control (no cleanup)', control], ...(reference ? [['distlib t64.exe', reference]] : [])] as [string, string][]) {
      eof[who] = describeResult(await run(l, BLOCKS['well-formed, pipe at fd 3']!));
    }
    matrix['well-formed: pipe EOF (child closes fd 3, sleeps 3 s)'] = eof;
    const out = path.join(path.dirname(path.dirname(winProgs().probe)), 'fd-matrix.json');
    fs.writeFileSync(out, `${JSON.stringify(matrix, null, 2)}\n`);
    console.log(`fd-block matrix, interpreter ${raw} (also in ${out}):`);
    console.table(matrix);
  });
});

describe('process lifetime: job object', { skip: skip ?? false }, () => {
  const dir = path.join(work, 'kill');
  const probe = probeAt(dir);

  test('terminating the launcher kills the child and the grandchild within a second', async () => {
    const launcher = probeScriptLauncher(path.join(dir, 'tool.exe'), probe);
    const pidFile = path.join(dir, 'pids-tree.txt');
    const r = await harnessKill(toWindowsPath(pidFile), toWindowsPath(launcher), `"${toWindowsPath(launcher)}"`, {
      env: { PROBE_GRANDCHILD: '1', PROBE_PIDFILE: toWindowsPath(pidFile), PROBE_SLEEP_MS: '60000' },
    });
    assert.equal(r.childGone, true, 'child killed with the launcher');
    assert.equal(r.grandchildGone, true, 'grandchild killed with the launcher');
  });

  test('with the allow-breakaway flag the grandchild leaves the job and survives (the child does not)', async () => {
    const launcher = probeScriptLauncher(path.join(dir, 'breakaway.exe'), probe, { allowBreakaway: true });
    const pidFile = path.join(dir, 'pids-breakaway.txt');
    const r = await harnessKill(toWindowsPath(pidFile), toWindowsPath(launcher), `"${toWindowsPath(launcher)}"`, {
      env: { PROBE_GRANDCHILD: '1', PROBE_PIDFILE: toWindowsPath(pidFile), PROBE_SLEEP_MS: '60000' },
    });
    assert.equal(r.childGone, true);
    assert.equal(r.grandchildGone, false);
  });
});

describe('Ctrl-C in a real console (tmux)', { skip: skip ?? (tmuxAvailable().ok ? false : 'tmux is not installed') }, () => {
  test('the child gets CTRL_C_EVENT, the launcher outlives it and returns its exit code', async () => {
    const dir = path.join(work, 'ctrlc');
    const probe = probeAt(dir);
    const launcher = probeScriptLauncher(path.join(dir, 'tool.exe'), probe);
    const { report, env } = probeEnv(dir, { PROBE_WAIT_CTRLC: '1', PROBE_EXIT: '42' });
    const execReport = path.join(dir, 'exec.json');
    const { harness } = winProgs();
    const { harnessExecArgs } = await import('./support/wine.js');
    const r = await tmuxRun(wineCommand(harness, harnessExecArgs(toWindowsPath(execReport), toWindowsPath(launcher), `"${toWindowsPath(launcher)}"`)), {
      readyText: 'READY',
      sendKeys: 'C-c',
      env,
      timeoutMs: 90_000,
    });
    assert.equal(r.readySeen, true, `the probe never printed READY:\n${r.screen}`);
    assert.equal(readProbeReport(report).ctrlC, true, 'the child received CTRL_C_EVENT');
    const exec = JSON.parse(fs.readFileSync(execReport, 'utf8')) as { exitCode: number };
    assert.equal(exec.exitCode, 42, 'the launcher survived Ctrl-C and returned the child code');
  });
});

describe('errors of the launcher itself', { skip: skip ?? false }, () => {
  const dir = path.join(work, 'errors');

  test('missing interpreter: one line naming it, exit code 124', async () => {
    const l = writeSpec(path.join(dir, 'missing.exe'), { kind: 'proxy', program: 'C:\\no\\such\\python.exe' });
    const r = await runWindows(l, ['a']);
    assert.equal(r.code, 124);
    assert.match(r.stderr.trim(), /^bounce: error: cannot start "C:\\no\\such\\python\.exe": .+/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  test('bare stub without payload: exit code 121', async () => {
    const l = path.join(dir, 'bare.exe');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(path.dirname(winProgs().probe), '..', '..', 'stub', 'bin', 'x64-console.exe'), l);
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
      const l = probeScriptLauncher(path.join(dir, `corrupt-${offset}.exe`), probeAt(dir));
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
    const probe = probeAt(dir);
    const l = probeScriptLauncher(path.join(dir, 'long.exe'), probe);
    const prefix = `${q(probe)} ${q(l)} `;
    // The child's command line may hold 32,766 characters (32,767 with the NUL).
    const fits = `${'y'.repeat(32_766 - prefix.length)}`;
    const { report, env } = probeEnv(work);
    const ok = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" ${fits}`, { env });
    assert.equal(ok.exitCode, 0);
    assert.equal(readProbeReport(report).commandLine, `${prefix}${fits}`);
    assert.equal(readProbeReport(report).commandLine.length, 32_766);

    const over = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" ${fits}y`, { env });
    assert.equal(over.exitCode, 123, 'not truncated, not passed on: refused');
  });
});

describe('paths', { skip: skip ?? false }, () => {
  const odd = ['with space', 'amp & ersand', 'per%cent%', 'caf\u00e9 \u65e5\u672c'];
  for (const name of odd) {
    test(`launcher and interpreter in a folder named "${name}"`, async () => {
      const dir = path.join(work, 'paths', name);
      const probe = probeAt(path.join(dir, 'bin'), 'py thon.exe');
      const l = probeScriptLauncher(path.join(dir, 'Scripts', 'my tool.exe'), probe);
      const { report, env } = probeEnv(work);
      const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" arg`, { env });
      assert.equal(r.exitCode, 0);
      assert.equal(readProbeReport(report).commandLine, `${q(probe)} ${q(l)} arg`);
    });
  }

  /** A folder for `Scripts\tool.exe` whose Windows path is 513 to 520 characters: past MAX_PATH
   * and past the stub's first GetModuleFileNameW buffer (512), so the buffer has to grow. Not
   * longer: Wine 8 itself crashes starting any program whose path is 528 characters or more. */
  const deepDir = (name: string): string => {
    const base = path.join(work, name);
    const length = (dir: string) => toWindowsPath(path.join(dir, 'Scripts', 'tool.exe')).length;
    let dir = base;
    while (length(path.join(dir, 'd'.repeat(50))) <= 520) dir = path.join(dir, 'd'.repeat(50));
    return path.join(dir, 'e'.repeat(Math.max(1, 513 - length(dir) - 1)));
  };

  test('a launcher whose own path is over 512 characters reports that path to the child', async () => {
    const probe = probeAt(path.join(work, 'long-own', 'bin'));
    const l = probeScriptLauncher(path.join(deepDir('long-own'), 'Scripts', 'tool.exe'), probe);
    assert.ok(toWindowsPath(l).length > 512);
    const { report, env } = probeEnv(work);
    // Started by the loader (wine <path>, or directly on Windows): CreateProcessW itself cannot
    // start a program at such a path under Wine (see the next test).
    const r = await runWindows(l, ['x'], { env });
    assert.equal(r.code, 0, r.stderr);
    const p = readProbeReport(report);
    assert.deepEqual(p.argv.slice(1), [toWindowsPath(l), 'x']);
    assert.ok(p.commandLine.startsWith(`${q(probe)} ${q(l)}`), p.commandLine);
  });

  test('an interpreter whose path is over 260 characters', async (t) => {
    const probe = probeAt(path.join(deepDir('long-interp'), 'bin'));
    assert.ok(toWindowsPath(probe).length > 260);
    // Can this Windows start a program at such a path at all? Wine 8's CreateProcessW cannot
    // (error 2, with or without \\?\): then no launcher can, and the test says so.
    const direct = await harnessExec(toWindowsPath(probe), `"${toWindowsPath(probe)}"`).catch((e: unknown) => e);
    if (direct instanceof Error) {
      t.skip(`this Windows cannot CreateProcessW a program whose path is over 260 characters (${direct.message}); Wine 8 cannot`);
      return;
    }
    const l = probeScriptLauncher(path.join(work, 'long-interp', 'tool.exe'), probe);
    const { report, env } = probeEnv(work);
    const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" x`, { env });
    assert.equal(r.exitCode, 0);
    assert.equal(readProbeReport(report).commandLine, `${q(probe)} ${q(l)} x`);
  });

  test('relative interpreter path, resolved against the launcher folder, not the current directory', async () => {
    const dir = path.join(work, 'relative');
    const probe = probeAt(path.join(dir, 'venv', 'bin'), 'python.exe');
    const l = probeScriptLauncher(path.join(dir, 'venv', 'Scripts', 'tool.exe'), probe, { program: '..\\bin\\python.exe' });
    // A decoy python.exe in the caller's current directory must not be used.
    const cwd = path.join(dir, 'elsewhere');
    probeAt(cwd, 'python.exe');
    const { report, env } = probeEnv(work);
    await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}"`, { env, cwd: toWindowsPath(cwd) });
    const p = readProbeReport(report);
    assert.equal(p.exe.toLowerCase(), toWindowsPath(probe).toLowerCase());
    assert.equal(p.commandLine, `${quoteArg(`${toWindowsPath(path.join(dir, 'venv', 'Scripts'))}\\..\\bin\\python.exe`)} ${q(l)}`);
    assert.equal(p.cwd.replace(/\\$/, '').toLowerCase(), toWindowsPath(cwd).toLowerCase(), "the child runs in the caller's directory");
  });

  test('started through PATH by its bare name', async () => {
    const dir = path.join(work, 'onpath');
    const probe = probeAt(dir);
    const l = probeScriptLauncher(path.join(dir, 'pathtool.exe'), probe);
    const { report, env } = probeEnv(work);
    const r = await harnessExec(null, 'pathtool a', { env, prependPath: [dir] });
    assert.equal(r.exitCode, 0);
    assert.equal(readProbeReport(report).commandLine.toLowerCase(), `${q(probe)} ${q(l)} a`.toLowerCase());
  });
});

describe('GUI variant', { skip: skip ?? false }, () => {
  test('runs the child and returns its exit code', async () => {
    const dir = path.join(work, 'gui');
    const probe = probeAt(dir);
    const l = probeScriptLauncher(path.join(dir, 'gui.exe'), probe, { gui: true });
    const { report, env } = probeEnv(work, { PROBE_EXIT: '0x1234abcd' });
    const r = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" a "b c"`, { env });
    assert.equal(r.exitCode, 0x1234abcd);
    assert.equal(readProbeReport(report).commandLine, `${q(probe)} ${q(l)} a "b c"`);
  });
});
