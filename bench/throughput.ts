/**
 * Build throughput (issue 4, part 4): writing the launchers for N entry points, four ways, in one
 * run, one after the other, each into a fresh temp folder:
 * - "bounce library": buildPythonLauncher + writeFileAtomic per entry (sequential; the atomic
 *   write fsyncs every file, as the library always does);
 * - "bounce entry-points": `node build/src/cli.js entry-points` on a synthetic .dist-info with N
 *   console_scripts, whole process (Node start-up included);
 * - "distlib ScriptMaker": pip's vendored distlib with python3, Windows mode forced
 *   (`maker._is_nt = True`, os.name 'nt' during make, distlib's own x64 `_get_launcher`), timed
 *   inside python around the make calls (the whole-process time is logged beside it);
 * - "cmd-shim": npm's cmd-shim writing its sh/.cmd/.ps1 per bin (sequential awaits), targets
 *   created beforehand outside the timing.
 * A candidate whose tool is missing is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPythonLauncher, writeFileAtomic } from '../src/index.js';
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

async function bounceLibrary(n: number, dir: string): Promise<ThroughputResult> {
  const t0 = now();
  for (let i = 0; i < n; i++) {
    const bytes = buildPythonLauncher({ python: PYTHON, entry: `pkg${i}.cli:main` });
    await writeFileAtomic(path.join(dir, `tool${i}.exe`), bytes);
  }
  return result('bounce library', n, now() - t0);
}

function bounceCli(n: number, dir: string): ThroughputResult | string {
  const cli = path.join(ROOT, 'build', 'src', 'cli.js');
  if (!fs.existsSync(cli)) return `${cli} is missing (run npm run build)`;
  const distInfo = path.join(dir, 'pkg-1.0.dist-info');
  const scripts = path.join(dir, 'Scripts');
  fs.mkdirSync(distInfo, { recursive: true });
  fs.mkdirSync(scripts);
  const lines = ['[console_scripts]', ...Array.from({ length: n }, (_, i) => `tool${i} = pkg${i}.cli:main`)];
  fs.writeFileSync(path.join(distInfo, 'entry_points.txt'), `${lines.join('\n')}\n`);
  const t0 = now();
  const r = spawnSync(process.execPath, [cli, 'entry-points', distInfo, '--python', PYTHON, '--scripts', scripts], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = now() - t0;
  if (r.status !== 0) return `bounce entry-points exited ${r.status ?? r.signal}: ${r.stderr.trim()}`;
  const written = fs.readdirSync(scripts).filter((f) => f.endsWith('.exe')).length;
  return result('bounce entry-points', written, seconds);
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

function distlib(n: number, dir: string, notes: string[]): ThroughputResult | string {
  const t0 = now();
  const r = spawnSync('python3', ['-c', PY_SCRIPTMAKER, String(n), dir, PYTHON], { encoding: 'utf8' });
  const whole = now() - t0;
  if (r.error !== undefined) return `python3 is not on PATH (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  if (r.status !== 0) return `ScriptMaker failed (pip with a vendored distlib and t64.exe needed): ${r.stderr.trim().split('\n').pop() ?? ''}`;
  const out = JSON.parse(r.stdout) as { files: number; seconds: number };
  notes.push(`distlib ScriptMaker: ${out.seconds.toFixed(3)} s inside python (reported), ${whole.toFixed(3)} s whole process (python3 start-up and imports included)`);
  return result('distlib ScriptMaker', out.files, out.seconds);
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
  for (let i = 0; i < n; i++) await shim(path.join(targets, `tool${i}.js`), path.join(bin, `tool${i}`));
  return result('cmd-shim', n, now() - t0);
}

/** Runs the four candidates for `n` entry points; `log` gets a line per candidate. */
export async function runThroughputBench(n = 1000, log: (s: string) => void = () => {}): Promise<ThroughputRun> {
  const run: ThroughputRun = { throughput: [], skipped: [], notes: [] };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bounce-bench-'));
  const fresh = (name: string): string => {
    const d = path.join(root, name);
    fs.mkdirSync(d);
    return d;
  };
  const take = (candidate: string, r: ThroughputResult | string): void => {
    if (typeof r === 'string') {
      run.skipped.push({ candidate, reason: r });
      log(`throughput ${candidate}: skipped (${r})`);
    } else {
      run.throughput.push(r);
      log(`throughput ${candidate}: ${r.launchers} in ${r.seconds.toFixed(3)} s`);
    }
  };
  try {
    take('bounce library', await bounceLibrary(n, fresh('library')));
    take('bounce entry-points', bounceCli(n, fresh('cli')));
    take('distlib ScriptMaker', distlib(n, fresh('distlib'), run.notes));
    take('cmd-shim', await cmdShim(n, fresh('cmdshim')));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return run;
}
