/**
 * Build throughput (issue 4, part 4): writing the launchers for N entry points. Every candidate
 * runs BENCH_TP_ROUNDS times (default 5), interleaved, each sample into a fresh temp folder after
 * a `sync`, and its figure is the median: this VM's disk swings several-fold from one second to
 * the next, and a candidate must not pay for the writeback of the one before it.
 * - "bounce library": buildPythonLauncher per entry, then writeFilesAtomic (temp files written
 *   concurrently, renamed once all are written), with its default fsync of every file and the
 *   folder, and again "no fsync" (durable: false): distlib and cmd-shim do not sync, so that row
 *   is the like-for-like one;
 * - "bounce entry-points": `node build/src/cli.js entry-points` on a synthetic .dist-info with N
 *   console_scripts, whole process (Node start-up included), with and without --no-fsync;
 * - "distlib ScriptMaker": pip's vendored distlib with python3, Windows mode forced
 *   (`maker._is_nt = True`, os.name 'nt' during make, distlib's own x64 `_get_launcher`), timed
 *   inside python around the make calls (the whole-process time is logged beside it);
 * - "cmd-shim": npm's cmd-shim writing its sh/.cmd/.ps1 per bin, 64 bins in flight at once (npm's
 *   bin-links starts them all with Promise.all; the same bound as Bounce's writer, so neither
 *   side gains by concurrency alone), targets created beforehand outside the timing;
 * - "floor: the bytes only": a launcher's bytes written N times with writeFileSync, nothing else.
 * A candidate whose tool is missing is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPythonLauncher, writeFilesAtomic } from '../src/index.js';
import type { ThroughputResult } from './types.js';

export interface ThroughputRun {
  throughput: ThroughputResult[];
  skipped: { candidate: string; reason: string }[];
  /** Extra figures worth printing (e.g. distlib's whole-process time). */
  notes: string[];
}

const PYTHON = 'C:\\Python312\\python.exe';
/** The repository root (build/bench/throughput.js → ../..). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const result = (candidate: string, launchers: number, seconds: number): ThroughputResult => ({
  candidate,
  launchers,
  seconds,
  perSecond: seconds > 0 ? launchers / seconds : Infinity,
});

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** In-flight bound for the concurrent writers (Bounce's default, used for cmd-shim too). */
const CONCURRENCY = 64;

async function bounceLibrary(n: number, dir: string, durable: boolean): Promise<ThroughputResult> {
  const t0 = now();
  const files = [];
  for (let i = 0; i < n; i++) {
    files.push({ path: path.join(dir, `tool${i}.exe`), data: buildPythonLauncher({ python: PYTHON, entry: `pkg${i}.cli:main` }), mode: 0o755 });
  }
  await writeFilesAtomic(files, { durable, concurrency: CONCURRENCY });
  return result(durable ? 'bounce library' : 'bounce library, no fsync', n, now() - t0);
}

function bounceCli(n: number, dir: string, durable: boolean): ThroughputResult | string {
  const cli = path.join(ROOT, 'build', 'src', 'cli.js');
  if (!fs.existsSync(cli)) return `${cli} is missing (run npm run build)`;
  const distInfo = path.join(dir, 'pkg-1.0.dist-info');
  const scripts = path.join(dir, 'Scripts');
  fs.mkdirSync(distInfo, { recursive: true });
  fs.mkdirSync(scripts);
  const lines = ['[console_scripts]', ...Array.from({ length: n }, (_, i) => `tool${i} = pkg${i}.cli:main`)];
  fs.writeFileSync(path.join(distInfo, 'entry_points.txt'), `${lines.join('\n')}\n`);
  const args = [cli, 'entry-points', distInfo, '--python', PYTHON, '--scripts', scripts, ...(durable ? [] : ['--no-fsync'])];
  const t0 = now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = now() - t0;
  if (r.status !== 0) return `bounce entry-points exited ${r.status ?? r.signal}: ${r.stderr.trim()}`;
  const written = fs.readdirSync(scripts).filter((f) => f.endsWith('.exe')).length;
  return result(durable ? 'bounce entry-points' : 'bounce entry-points --no-fsync', written, seconds);
}

const PY_SCRIPTMAKER = String.raw`
import json, os, sys, time
from pip._vendor.distlib import scripts
from pip._vendor.distlib.resources import finder
from pip._vendor.distlib.scripts import ScriptMaker
n, out, python = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def get_launcher(kind):
    # distlib's Windows-only _get_launcher for x64: the base launcher read through its finder on every call.
    return finder(scripts.__name__.rsplit('.', 1)[0]).find('%s64.exe' % kind).bytes
maker = ScriptMaker(None, out, add_launchers=True)
maker._is_nt = True
maker._get_launcher = get_launcher
maker.variants = {''}
maker.executable = python
specs = ['tool%d = pkg%d.cli:main' % (i, i) for i in range(n)]
saved = os.name
os.name = 'nt'
try:
    t0 = time.perf_counter()
    written = []
    for s in specs:
        written += maker.make(s)
    seconds = time.perf_counter() - t0
finally:
    os.name = saved
print(json.dumps({'files': len(written), 'seconds': seconds}))
`;

function distlib(n: number, dir: string, wholeSeconds: number[]): ThroughputResult | string {
  const t0 = now();
  const r = spawnSync('python3', ['-c', PY_SCRIPTMAKER, String(n), dir, PYTHON], { encoding: 'utf8' });
  const whole = now() - t0;
  if (r.error !== undefined) return `python3 is not on PATH (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `ScriptMaker failed (pip with a vendored distlib and t64.exe needed): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  const out = JSON.parse(r.stdout) as { files: number; seconds: number };
  wholeSeconds.push(whole);
  return result('distlib ScriptMaker', out.files, out.seconds);
}

/** The disk's share: the same number of launcher-sized files written with writeFileSync, one
 * after the other, no building, no temp file, no rename, no fsync. No writer of one file per
 * launcher does less. */
function bytesOnly(n: number, dir: string, bytes: Uint8Array): ThroughputResult {
  const t0 = now();
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `tool${i}.exe`), bytes);
  return result('floor: the bytes only', n, now() - t0);
}

type CmdShim = (from: string, to: string) => Promise<void>;

async function cmdShim(n: number, dir: string): Promise<ThroughputResult | string> {
  let shim: CmdShim;
  try {
    shim = createRequire(import.meta.url)('cmd-shim') as CmdShim;
  } catch (e) {
    return `npm's cmd-shim is not installed (npm ci): ${(e as Error).message.split('\n')[0] ?? ''}`;
  }
  const targets = path.join(dir, 'lib');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(targets);
  fs.mkdirSync(bin);
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(targets, `tool${i}.js`), '#!/usr/bin/env node\nconsole.log(1)\n');
  const t0 = now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) await shim(path.join(targets, `tool${i}.js`), path.join(bin, `tool${i}`));
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  return result('cmd-shim', n, now() - t0);
}

/** Linux's memory filesystem: where the tools' own work is measured without the disk. */
const TMPFS = '/dev/shm';

/** Whether the tmpfs run can happen here. */
export function tmpfsAvailable(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return fs.readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === TMPFS && l.split(' ')[2] === 'tmpfs');
  } catch {
    return false;
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Flushes what earlier samples left dirty, so that no candidate pays for another's writeback. */
function settleDisk(): void {
  if (process.platform !== 'win32') spawnSync('sync', { stdio: 'ignore' });
}

/**
 * Runs every candidate for `n` entry points, `rounds` times interleaved (A B C ... A B C ...),
 * each sample in a fresh folder removed afterwards, the disk synced before each (outside the
 * timing); a candidate's figure is its median. `log` gets a line per candidate.
 */
export async function runThroughputBench(n = 1000, log: (s: string) => void = () => {}, rounds = 5, where: 'disk' | 'tmpfs' = 'disk'): Promise<ThroughputRun> {
  const run: ThroughputRun = { throughput: [], skipped: [], notes: [] };
  const root = fs.mkdtempSync(path.join(where === 'tmpfs' ? TMPFS : os.tmpdir(), 'bounce-bench-'));
  const distlibWhole: number[] = [];
  const sample = buildPythonLauncher({ python: PYTHON, entry: 'pkg0.cli:main' });
  const candidates: [string, (dir: string) => Promise<ThroughputResult | string> | ThroughputResult | string][] = [
    ['bounce library', (dir) => bounceLibrary(n, dir, true)],
    ['bounce library, no fsync', (dir) => bounceLibrary(n, dir, false)],
    ['bounce entry-points', (dir) => bounceCli(n, dir, true)],
    ['bounce entry-points --no-fsync', (dir) => bounceCli(n, dir, false)],
    ['distlib ScriptMaker', (dir) => distlib(n, dir, distlibWhole)],
    ['cmd-shim', (dir) => cmdShim(n, dir)],
    ['floor: the bytes only', (dir) => bytesOnly(n, dir, sample)],
  ];
  const samples = new Map<string, ThroughputResult[]>(candidates.map(([name]) => [name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, measure] of candidates) {
        const taken = samples.get(name);
        if (taken === undefined) continue; // skipped
        const dir = fs.mkdtempSync(path.join(root, 'sample-'));
        settleDisk();
        const r = await measure(dir);
        fs.rmSync(dir, { recursive: true, force: true });
        if (typeof r === 'string') {
          samples.delete(name);
          run.skipped.push({ candidate: name, reason: r });
          log(`throughput ${name}: skipped (${r})`);
        } else taken.push(r);
      }
      log(`throughput: round ${round + 1}/${rounds} done`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  for (const [name, taken] of samples) {
    if (taken.length === 0) continue;
    const r = { ...result(name, taken[0]!.launchers, median(taken.map((t) => t.seconds))), where };
    run.throughput.push(r);
    log(`throughput ${name} (${where}): ${r.launchers} in ${r.seconds.toFixed(3)} s (median of ${taken.length})`);
  }
  if (distlibWhole.length > 0) {
    const inside = run.throughput.find((t) => t.candidate === 'distlib ScriptMaker');
    run.notes.push(`distlib ScriptMaker (${where}): ${inside?.seconds.toFixed(3) ?? '?'} s inside python (reported), ${median(distlibWhole).toFixed(3)} s whole process (python3 start-up and imports included), medians`);
  }
  return run;
}
