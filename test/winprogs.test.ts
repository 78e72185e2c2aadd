/**
 * Proves the Windows-side test tools themselves (test/winprogs/*.c via test/support/wine.ts),
 * running probe.exe directly, without any launcher: exit codes, exact command lines, the CRT
 * fd block and pipe EOF, process-tree kills, and a real Ctrl-C through tmux. Then the 32-bit
 * probe and rawchild the x86 launcher tests use: their machine type, and a 4-byte fd block.
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeFdBlock, FdFlag } from '../src/fdblock.js';
import { parsePe } from '../src/pe.js';
import {
  PIPE_SENTINEL,
  PIPE_SENTINEL_32,
  RAWCHILD_EXIT,
  harnessExec,
  harnessExecArgs,
  harnessFdBlock,
  harnessKill,
  readExecReport,
  readProbeReport,
  runWindows,
  tmuxAvailable,
  tmuxRun,
  toWindowsPath,
  wineCommand,
  winProgs,
  winProgs32,
  windowsRuntime,
  windowsRuntime32,
} from './support/wine.js';

const runtime = windowsRuntime();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bounce-winprogs-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

let fileCounter = 0;
/** A fresh file path in the test's temp folder: [Linux path, Windows path]. */
function tempFile(name: string): [string, string] {
  const p = path.join(tmp, `${++fileCounter}-${name}`);
  return [p, toWindowsPath(p)];
}

function ready(t: TestContext): boolean {
  if (!runtime.ok) t.skip(runtime.reason);
  return runtime.ok;
}

function probePaths(): { probe: string; winProbe: string } {
  const probe = winProgs().probe;
  return { probe, winProbe: toWindowsPath(probe) };
}

test('harness exec reports full 32-bit exit codes', async (t) => {
  if (!ready(t)) return;
  const { probe, winProbe } = probePaths();
  const cases: [string, number][] = [
    ['0', 0],
    ['1', 1],
    ['255', 255],
    ['256', 256],
    ['0xC000013A', 0xc000013a],
    ['0xffffffff', 0xffffffff],
    ['-1', 0xffffffff],
  ];
  const results = await Promise.all(cases.map(([env]) => harnessExec(probe, `"${winProbe}"`, { env: { PROBE_EXIT: env } })));
  results.forEach((r, i) => assert.equal(r.exitCode, cases[i]![1], `PROBE_EXIT=${cases[i]![0]}`));
});

test("wine's own exit status keeps only 8 bits (why the harness exists)", async (t) => {
  if (!ready(t)) return;
  const r = await runWindows(winProgs().probe, [], { env: { PROBE_EXIT: '0x1234' } });
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 0x34);
});

test('probe reports its command line and argv exactly', async (t) => {
  if (!ready(t)) return;
  const { probe, winProbe } = probePaths();
  const [report, winReport] = tempFile('report.json');
  // pieces every MSVC-style parser agrees on; \uD800 is a lone surrogate (UTF-16 only)
  const args: [string, string][] = [
    ['plain', 'plain'],
    ['"with space"', 'with space'],
    ['a\\"b', 'a"b'],
    ['back\\slash\\', 'back\\slash\\'],
    ['"trail\\\\"', 'trail\\'],
    ['x\\\\\\"y', 'x\\"y'],
    ['"tab\tin"', 'tab\tin'],
    ['""', ''],
    ['ü日本', 'ü日本'],
    ['😀', '😀'],
    ['lone\uD800', 'lone\uD800'],
  ];
  const commandLine = `"${winProbe}"  ${args.map(([raw]) => raw).join(' ')}`;
  const exec = await harnessExec(probe, commandLine, { env: { PROBE_REPORT: winReport } });
  assert.equal(exec.exitCode, 0);
  const r = readProbeReport(report);
  assert.equal(r.commandLine, commandLine);
  assert.equal(r.commandLineHex, Buffer.from(commandLine, 'utf16le').toString('hex'));
  assert.deepEqual(r.argv, [winProbe, ...args.map(([, parsed]) => parsed)]);
  assert.equal(r.pid, exec.pid);
  assert.equal(r.exe.toLowerCase(), winProbe.toLowerCase());
  assert.equal(r.role, 'child');
  assert.equal(r.fd3, false);
  assert.equal(r.ctrlC, false);
});

test('harness exec passes the current directory and can let Windows search PATH', async (t) => {
  if (!ready(t)) return;
  const { probe } = probePaths();
  const [report, winReport] = tempFile('report.json');
  const dir = path.dirname(probe);
  const r = await harnessExec(null, 'probe.exe arg', {
    env: { PROBE_REPORT: winReport, PROBE_EXIT: '3' },
    prependPath: [dir],
    cwd: tmp,
  });
  assert.equal(r.exitCode, 3);
  const p = readProbeReport(report);
  assert.equal(p.cwd.toLowerCase(), toWindowsPath(tmp).toLowerCase());
  assert.equal(p.exe.toLowerCase(), toWindowsPath(probe).toLowerCase());
  assert.deepEqual(p.argv, ['probe.exe', 'arg']);
});

test('fdblock: fd 3 reaches the probe and EOF arrives when it closes fd 3', async (t) => {
  if (!ready(t)) return;
  const { probe, winProbe } = probePaths();
  const [report, winReport] = tempFile('report.json');
  const empty = { flags: 0, handle: -1n };
  const block = encodeFdBlock([empty, empty, empty, { flags: FdFlag.open | FdFlag.pipe, handle: PIPE_SENTINEL }], 8);
  assert.equal(block.length, 4 + 4 + 4 * 8);
  const r = await harnessFdBlock(block, probe, `"${winProbe}"`, {
    env: { PROBE_FD3_WRITE: 'hello', PROBE_SLEEP_MS: '3000', PROBE_REPORT: winReport },
  });
  assert.equal(r.sentinelsPatched, 1);
  assert.equal(r.data, 'hello');
  assert.equal(r.timedOut, false);
  assert.equal(r.exitCode, 0);
  assert.equal(r.aliveAtEof, true, `EOF at ${r.eofMs} ms, exit at ${r.exitMs} ms`);
  assert.ok(r.eofMs !== null && r.exitMs !== null && r.eofMs + 1000 < r.exitMs, `EOF at ${r.eofMs} ms, exit at ${r.exitMs} ms`);
  const p = readProbeReport(report);
  assert.equal(p.fd3, true);
  assert.equal(p.fd3Handle, r.pipeHandle);
  assert.equal(p.fd3Written, 5);
});

test('fdblock without a block: the inherited write handle keeps the pipe open until exit', async (t) => {
  if (!ready(t)) return;
  const { probe, winProbe } = probePaths();
  const [report, winReport] = tempFile('report.json');
  const r = await harnessFdBlock(new Uint8Array(0), probe, `"${winProbe}"`, {
    env: { PROBE_FD3_WRITE: 'hello', PROBE_SLEEP_MS: '1000', PROBE_REPORT: winReport },
  });
  assert.equal(r.blockLength, 0);
  assert.equal(r.data, '');
  assert.equal(r.aliveAtEof, false);
  assert.ok(r.eofMs !== null && r.eofMs >= 1000, `EOF at ${r.eofMs} ms`);
  const p = readProbeReport(report);
  assert.equal(p.fd3, false);
  assert.equal(p.fd3Written, -1);
});

test('kill: terminating the probe leaves its grandchild running (no job object)', async (t) => {
  if (!ready(t)) return;
  const { probe, winProbe } = probePaths();
  const [, winPids] = tempFile('pids.txt');
  const [report, winReport] = tempFile('report.json');
  const r = await harnessKill(winPids, probe, `"${winProbe}"`, {
    env: { PROBE_GRANDCHILD: '1', PROBE_PIDFILE: winPids, PROBE_REPORT: winReport, PROBE_SLEEP_MS: '20000' },
  });
  assert.equal(r.childPid, r.startedPid);
  assert.equal(r.childGone, true);
  assert.equal(r.grandchildGone, false);
  assert.equal(r.grandchildMs, null);
  const g = readProbeReport(`${report}.grandchild`);
  assert.equal(g.role, 'grandchild');
  assert.equal(g.pid, r.grandchildPid);
});

test('tmux: a real Ctrl-C reaches the probe; the harness survives and returns its exit code', async (t) => {
  if (!ready(t)) return;
  const tmux = tmuxAvailable();
  if (!tmux.ok) {
    t.skip(tmux.reason);
    return;
  }
  const { probe, winProbe } = probePaths();
  const [out] = tempFile('exec.json');
  const [report, winReport] = tempFile('report.json');
  const cmd = wineCommand(winProgs().harness, harnessExecArgs(out, probe, `"${winProbe}" ctrl`));
  const r = await tmuxRun(cmd, {
    readyText: 'READY',
    sendKeys: 'C-c',
    timeoutMs: 60_000,
    env: { PROBE_WAIT_CTRLC: '1', PROBE_EXIT: '0x1234ABCD', PROBE_REPORT: winReport },
  });
  assert.equal(r.readySeen, true, `screen:\n${r.screen}`);
  assert.equal(r.exitStatus, 0, `screen:\n${r.screen}`);
  const p = readProbeReport(report);
  assert.equal(p.ctrlC, true);
  assert.equal(readExecReport(out).exitCode, 0x1234abcd);
});

// ---- the 32-bit programs (x86 launcher tests) --------------------------------------------

function ready32(t: TestContext): boolean {
  const rt = windowsRuntime32();
  if (!rt.ok) t.skip(rt.reason);
  return rt.ok;
}

function machineOf(file: string): string {
  const pe = parsePe(new Uint8Array(fs.readFileSync(file)), file);
  return `${pe.machine}${pe.is64 ? ' (PE32+)' : ' (PE32)'}`;
}

test('the 32-bit probe and rawchild are x86 images; the harness is x64', (t) => {
  if (!ready32(t)) return;
  assert.equal(machineOf(winProgs32().probe), 'x86 (PE32)');
  assert.equal(machineOf(winProgs32().rawchild), 'x86 (PE32)');
  assert.equal(machineOf(winProgs().harness), 'x64 (PE32+)');
});

test(`the rawchilds run without a C runtime and exit ${RAWCHILD_EXIT}`, async (t) => {
  if (!ready(t) || !ready32(t)) return;
  for (const raw of [winProgs().rawchild, winProgs32().rawchild]) {
    const r = await harnessExec(toWindowsPath(raw), `"${toWindowsPath(raw)}"`);
    assert.equal(r.exitCode, RAWCHILD_EXIT, raw);
  }
});

test('fdblock: a 4-byte block reaches the 32-bit probe, and EOF arrives when it closes fd 3', async (t) => {
  if (!ready32(t)) return;
  const probe = winProgs32().probe;
  const [report, winReport] = tempFile('probe32-fd.json');
  const empty = { flags: 0, handle: -1n };
  const block = encodeFdBlock([empty, empty, empty, { flags: FdFlag.open | FdFlag.pipe, handle: PIPE_SENTINEL_32 }], 4);
  const r = await harnessFdBlock(block, toWindowsPath(probe), `"${toWindowsPath(probe)}"`, {
    env: { PROBE_REPORT: winReport, PROBE_FD3_WRITE: 'hello', PROBE_SLEEP_MS: '3000' },
  });
  assert.equal(r.sentinelsPatched32, 1);
  assert.equal(r.data, 'hello');
  assert.equal(r.exitCode, 0);
  assert.equal(r.aliveAtEof, true, `EOF at ${r.eofMs} ms, exit at ${r.exitMs} ms`);
  const p = readProbeReport(report);
  assert.equal(p.fd3, true, 'the 32-bit msvcrt read fd 3 from the 4-byte block');
  assert.equal(p.fd3Handle, r.pipeHandle, 'the same handle value in the 32-bit child');
});
