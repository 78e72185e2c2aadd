/**
 * Launch cost and launcher memory (issue 4, items 1 and 3): builds the Windows side of the bench
 * (bench/driver.c, bench/noop.c, bench/floor.c, with mingw-w64, cached in build/bench/ by source
 * hash), lays out the candidates in a temporary folder, runs driver.exe once (under Wine on
 * Linux, in the tests' prefix .wine-test/prefix; natively on Windows) and turns its samples into
 * LaunchResult / MemoryResult figures.
 *
 * The "interpreter" is noop.exe copied as python.exe: it exits at once (or sleeps BENCH_SLEEP_MS),
 * so a launch costs process starts, not interpreter work. Every candidate gets the same tail
 * ` hello world`. Candidates: the interpreter directly; Bounce script, proxy and exec launchers
 * (x64 console); distlib's t64.exe from this machine's pip; setuptools' cli-64.exe with its
 * -script.py; a `.cmd` shim written by npm's cmd-shim, through `cmd.exe /d /s /c`; floor.exe
 * (spawn and wait, nothing else). A candidate whose tool is missing is skipped with a reason.
 *
 * Under Wine the whole Windows side (a fresh wineserver, the driver and every process it starts)
 * runs pinned to one CPU with taskset, unless BENCH_PIN=0. Why: on this 2-core VM an unpinned
 * run is bimodal, each process start taking ~12 ms or ~30 ms depending on whether a wake-up
 * crossed CPUs, so the probe's median jumps between modes and no ratio settles (unpinned:
 * probe 23.4 ms, floor 2.43; pinned: probe 12.0 ms, floor 1.97, the same programs). Pinned, a
 * launch costs what its process starts cost, which is what the bench compares.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLauncher } from '../src/build.js';
import { setuptoolsSkip, writeCmdShim, writeSetuptools } from '../test/support/fixtures.js';
import { distlibDir, distlibLauncher } from '../test/support/launchers.js';
import { toWindowsPath, wineCommand, winEnv, windowsRuntime } from '../test/support/wine.js';
import type { LaunchResult, MemoryResult } from './types.js';

export interface LaunchBenchOptions {
  /** Interleaved rounds (default 9). */
  rounds?: number;
  /** Launches of each candidate per round (default 20). */
  perRound?: number;
  log?: (s: string) => void;
}

export interface LaunchBenchResult {
  launch: LaunchResult[];
  memory: MemoryResult[];
  skipped: { candidate: string; reason: string }[];
  /** The CPU the Windows side ran on, or null when it was not pinned. */
  pinnedCpu: number | null;
}

/** One line of the driver's candidates file. */
interface Candidate {
  name: string;
  /** Windows path of the program started (lpApplicationName). */
  app: string;
  commandLine: string;
  /** A launcher: its own memory is measured. */
  memory: boolean;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = path.join(REPO, 'bench');
const OUT = path.join(REPO, 'build', 'bench');
const DIRECT = 'probe directly';
const TAIL = ' hello world';
/** How long the interpreter sleeps while the driver measures the launcher's memory (it asks at 300 ms). */
const MEMORY_SLEEP_MS = 1000;

const CRT_FLAGS = ['-municode', '-O2', '-s', '-static', '-static-libgcc', '-Wall', '-Wextra'];
/** noop and floor have no C runtime; the loop option keeps gcc from calling a memset that is not there.
 * A 1 MiB stack reserve, as the Bounce stub, distlib's and setuptools' launchers have (mingw's
 * default is 2 MiB): Wine commits a thread's whole stack, so it shows in private bytes. */
const RAW_FLAGS = (entry: string): string[] => [
  '-nostdlib', '-nostartfiles', '-e', entry, '-fno-tree-loop-distribute-patterns', '-Wl,--stack,0x100000', '-Wl,--fatal-warnings',
  '-O2', '-s', '-Wall', '-Wextra',
];
const PROGRAMS: Record<'driver' | 'noop' | 'floor', { flags: string[]; libs: string[] }> = {
  driver: { flags: CRT_FLAGS, libs: ['-lpsapi'] },
  noop: { flags: RAW_FLAGS('noop_entry'), libs: ['-lkernel32'] },
  floor: { flags: RAW_FLAGS('floor_entry'), libs: ['-lkernel32'] },
};

function compiler(): string {
  for (const cc of ['x86_64-w64-mingw32-gcc', ...(process.platform === 'win32' ? ['gcc'] : [])]) {
    const r = spawnSync(cc, ['--version'], { timeout: 30_000 });
    if (!r.error && r.status === 0) return cc;
  }
  throw new Error('no x64 mingw-w64 compiler (x86_64-w64-mingw32-gcc); on Debian: apt-get install gcc-mingw-w64-x86-64');
}

/** build/bench/<name>.exe, rebuilt when the source, compiler or flags change. */
function buildProgram(cc: string, name: keyof typeof PROGRAMS): string {
  const { flags, libs } = PROGRAMS[name];
  const src = path.join(SRC, `${name}.c`);
  const out = path.join(OUT, `${name}.exe`);
  const stamp = `${out}.sha256`;
  const hash = createHash('sha256').update(JSON.stringify({ cc, flags, libs })).update(fs.readFileSync(src)).digest('hex');
  if (fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash) return out;
  fs.mkdirSync(OUT, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}.exe`;
  const r = spawnSync(cc, [...flags, '-o', tmp, src, ...libs], { encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`${cc} ${name}.c failed: ${r.error?.message ?? r.stderr.trim()}`);
  }
  fs.renameSync(tmp, out);
  fs.writeFileSync(stamp, `${hash}\n`);
  return out;
}

const quoted = (winPath: string): string => `"${winPath}"`;

/** A candidate that starts `exe` (Linux path) with the common tail. */
function direct(name: string, exe: string, memory = true): Candidate {
  const app = toWindowsPath(exe);
  return { name, app, commandLine: quoted(app) + TAIL, memory };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Lays out every candidate under `dir`; the ones that cannot be made go to `skipped`. */
async function makeCandidates(dir: string, progs: { noop: string; floor: string }, skipped: LaunchBenchResult['skipped']): Promise<Candidate[]> {
  const pyDir = path.join(dir, 'py');
  const binDir = path.join(dir, 'bin');
  fs.mkdirSync(pyDir, { recursive: true });
  fs.mkdirSync(binDir, { recursive: true });
  const python = path.join(pyDir, 'python.exe');
  fs.copyFileSync(progs.noop, python);
  const pythonWin = toWindowsPath(python);
  // Measured for memory too: an empty process, the baseline every launcher's figure includes.
  const out: Candidate[] = [direct(DIRECT, python)];

  const bounce = (kind: 'script' | 'proxy' | 'exec'): string => {
    const file = path.join(binDir, `bounce-${kind}.exe`);
    const files = [{ name: '__main__.py', data: new TextEncoder().encode('print("hello")\n') }];
    fs.writeFileSync(
      file,
      buildLauncher(kind === 'script' ? { kind, program: pythonWin, files } : kind === 'exec' ? { kind, program: pythonWin, script: 'tool.py' } : { kind, program: pythonWin }),
    );
    return file;
  };
  fs.writeFileSync(path.join(binDir, 'tool.py'), 'print("hello")\n');
  for (const kind of ['script', 'proxy', 'exec'] as const) out.push(direct(`bounce ${kind}`, bounce(kind)));

  const distlib = distlibDir();
  if ('reason' in distlib) skipped.push({ candidate: 'distlib t64', reason: distlib.reason });
  else out.push(direct('distlib t64', distlibLauncher(path.join(binDir, 'distlib.exe'), distlib.dir, python)));

  const noSetuptools = setuptoolsSkip();
  if (noSetuptools !== false) skipped.push({ candidate: 'setuptools cli-64', reason: noSetuptools });
  else {
    try {
      const stDir = path.join(dir, 'setuptools');
      writeSetuptools(stDir, 'x64', [pythonWin]);
      out.push(direct('setuptools cli-64', path.join(stDir, 'spam.exe')));
    } catch (e) {
      skipped.push({ candidate: 'setuptools cli-64', reason: `setuptools' writer failed: ${errorText(e)}` });
    }
  }

  try {
    const shim = path.join(binDir, 'noop-shim');
    await writeCmdShim('npm', python, shim);
    const cmd = process.platform === 'win32' ? path.join(process.env['SystemRoot'] ?? 'C:\\Windows', 'System32', 'cmd.exe') : 'C:\\windows\\system32\\cmd.exe';
    out.push({ name: 'cmd shim', app: cmd, commandLine: `cmd.exe /d /s /c "${quoted(toWindowsPath(`${shim}.cmd`))}${TAIL}"`, memory: true });
  } catch (e) {
    skipped.push({ candidate: 'cmd shim', reason: `npm's cmd-shim failed: ${errorText(e)}` });
  }

  const floor = path.join(pyDir, 'floor.exe'); // floor.exe starts python.exe from its own folder
  fs.copyFileSync(progs.floor, floor);
  out.push(direct('floor', floor));
  return out;
}

interface DriverCandidate {
  name: string;
  failures: number;
  lastExitCode: number;
  lastError: number;
  samples: number[];
}

interface DriverMemory {
  name: string;
  ok: boolean;
  peakWorkingSetBytes: number;
  privateBytes: number;
  committedPrivateBytes: number;
  exitCode: number;
  lastError: number;
}

interface DriverReport {
  candidates: DriverCandidate[];
  memory: DriverMemory[];
}

function readReport(file: string): DriverReport {
  const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof v !== 'object' || v === null || !Array.isArray((v as Record<string, unknown>)['candidates']) || !Array.isArray((v as Record<string, unknown>)['memory'])) {
    throw new Error(`${file}: not a driver report`);
  }
  return v as DriverReport; // written by driver.c in exactly this shape
}

/**
 * Linux: the CPU to pin the Windows side to (the last one), or null on Windows, with BENCH_PIN=0,
 * or without taskset. The prefix's wineserver is restarted under the same pin, since every
 * process start is a conversation with it.
 */
function pinnedCpu(log: (s: string) => void): number | null {
  if (process.platform === 'win32' || process.env['BENCH_PIN'] === '0') return null;
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    log('launch: taskset is not usable (Debian package util-linux), the Windows side runs unpinned');
    return null;
  }
  return os.cpus().length - 1;
}

/** Stops the prefix's wineserver (and so every Wine process of the prefix). */
function stopWineserver(): void {
  spawnSync('wineserver', ['-k'], { env: winEnv(), stdio: 'ignore', timeout: 60_000 });
}

/** A wineserver pinned to `cpu`, kept 30 s after its last client so the driver finds it. */
function startPinnedWineserver(cpu: number): void {
  stopWineserver();
  const r = spawnSync('taskset', ['-c', String(cpu), 'wineserver', '-p30'], { env: winEnv(), stdio: 'ignore', timeout: 60_000 });
  if (r.error !== undefined || r.status !== 0) throw new Error(`launch bench: could not start a pinned wineserver (${r.error?.message ?? `exit ${r.status}`})`);
}

/** Runs driver.exe, streaming its per-round lines to log; bounded by timeoutMs (the process group is killed). */
function runDriver(driver: string, args: string[], cpu: number | null, timeoutMs: number, log: (s: string) => void): Promise<number | null> {
  const wine = wineCommand(driver, args);
  const [cmd, ...argv] = (cpu === null ? wine : ['taskset', '-c', String(cpu), ...wine]) as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env: winEnv(), detached: process.platform !== 'win32', stdio: ['ignore', 'ignore', 'pipe'] });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(process.platform === 'win32' ? child.pid : -child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      log(`driver: timed out after ${timeoutMs / 1000} s, killed`);
      kill();
    }, timeoutMs);
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      pending += d;
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') log(line.trim());
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      kill(); // Wine's leftovers in the group, if any
      resolve(code);
    });
  });
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Median, min and max per candidate; ratio to the direct start's median. */
function launchResults(report: DriverReport, skipped: LaunchBenchResult['skipped'], log: (s: string) => void): LaunchResult[] {
  const rows: Omit<LaunchResult, 'ratio'>[] = [];
  for (const c of report.candidates) {
    const why = `last non-zero exit code ${c.lastExitCode}, last CreateProcessW error ${c.lastError}`;
    if (c.samples.length === 0) {
      skipped.push({ candidate: c.name, reason: `every launch failed (${why})` });
      continue;
    }
    if (c.failures > 0) log(`warning: ${c.name}: ${c.failures} of ${c.failures + c.samples.length} launches failed (${why}), not sampled`);
    const s = [...c.samples].sort((a, b) => a - b);
    rows.push({ candidate: c.name, samples: s.length, medianMs: round3(median(s)), minMs: round3(s[0]!), maxMs: round3(s[s.length - 1]!) });
  }
  const base = rows.find((r) => r.candidate === DIRECT);
  if (base === undefined) throw new Error('launch bench: starting the interpreter directly failed, no ratios');
  return rows.map((r) => ({ ...r, ratio: round3(r.medianMs / base.medianMs) }));
}

/** Private bytes: PrivateUsage, or under Wine (which reports 0 for another process) the committed private regions. */
function memoryResults(report: DriverReport, log: (s: string) => void): MemoryResult[] {
  const out: MemoryResult[] = [];
  for (const m of report.memory) {
    if (!m.ok) {
      log(`warning: ${m.name}: GetProcessMemoryInfo failed (Windows error ${m.lastError})`);
      continue;
    }
    if (m.exitCode !== 0) log(`warning: ${m.name}: exited ${m.exitCode} in the memory run`);
    const privateBytes = m.privateBytes > 0 ? m.privateBytes : m.committedPrivateBytes;
    out.push({ candidate: m.name, peakWorkingSetBytes: m.peakWorkingSetBytes, privateBytes });
  }
  if (report.memory.some((m) => m.ok && m.privateBytes === 0)) log('memory: PrivateUsage was 0 (Wine), private bytes are the committed MEM_PRIVATE regions (VirtualQueryEx)');
  return out;
}

/** Builds the programs and candidates, runs the driver once, and returns the figures. Throws when Windows programs cannot run here. */
export async function runLaunchBench(opts: LaunchBenchOptions = {}): Promise<LaunchBenchResult> {
  const rounds = opts.rounds ?? 9;
  const perRound = opts.perRound ?? 20;
  const log = opts.log ?? (() => {});
  const rt = windowsRuntime();
  if (!rt.ok) throw new Error(`launch bench: ${rt.reason}`);
  const cc = compiler();
  const progs = { driver: buildProgram(cc, 'driver'), noop: buildProgram(cc, 'noop'), floor: buildProgram(cc, 'floor') };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bounce-bench-'));
  try {
    const skipped: LaunchBenchResult['skipped'] = [];
    const candidates = await makeCandidates(dir, progs, skipped);
    for (const s of skipped) log(`skipped ${s.candidate}: ${s.reason}`);
    const list = path.join(dir, 'candidates.txt');
    fs.writeFileSync(list, candidates.map((c) => [c.name, c.app, c.commandLine, c.memory ? '1' : '0'].join('\t')).join('\n') + '\n');
    const reportFile = path.join(dir, 'report.json');
    const launches = candidates.length * (rounds * perRound + 1);
    log(`launch: ${candidates.length} candidates (${candidates.map((c) => c.name).join(', ')}), ${rounds} rounds x ${perRound}, ${launches} launches`);
    const cpu = pinnedCpu(log);
    if (cpu !== null) {
      startPinnedWineserver(cpu);
      log(`launch: the Windows side is pinned to CPU ${cpu} (taskset; BENCH_PIN=0 to run it unpinned)`);
    }
    const t0 = Date.now();
    const args = [toWindowsPath(list), String(rounds), String(perRound), toWindowsPath(reportFile), String(MEMORY_SLEEP_MS)];
    let code: number | null;
    try {
      code = await runDriver(progs.driver, args, cpu, Math.max(300_000, launches * 500), log);
    } finally {
      // The tests that run after the bench must not inherit a wineserver pinned to one CPU.
      if (cpu !== null) stopWineserver();
    }
    if (code !== 0 || !fs.existsSync(reportFile)) throw new Error(`launch bench: driver.exe exited ${code} without a report`);
    log(`launch: driver done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const report = readReport(reportFile);
    return { launch: launchResults(report, skipped, log), memory: memoryResults(report, log), skipped, pinnedCpu: cpu };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
