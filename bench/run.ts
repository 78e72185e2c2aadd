/**
 * `npm run bench` (issue 4): labels the machine, runs the launch and memory bench
 * (./launch.js, under Wine or natively; recorded as skipped when it is missing or Wine is
 * unusable), the build throughput and the sizes, then writes bench/results/latest.json and
 * bench/results/<date>.json, bench/results/chart.svg, the README's benchmark section, and prints
 * the table. Settings from the environment: BENCH_ROUNDS, BENCH_PER_ROUND (launch), BENCH_N
 * (entry points for throughput, default 1000), BENCH_TP_ROUNDS (throughput rounds, default 5), BENCH_PIN=0 (launch: do not pin the Windows side to
 * one CPU; see bench/launch.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatText, renderSvg, updateReadme, type ReportContext } from './report.js';
import { runSizes } from './sizes.js';
import { runThroughputBench, tmpfsAvailable } from './throughput.js';
import type { BenchResults, LaunchResult, MemoryResult } from './types.js';

interface LaunchRun {
  launch: LaunchResult[];
  memory: MemoryResult[];
  skipped: { candidate: string; reason: string }[];
  pinnedCpu?: number | null;
}
interface LaunchModule {
  runLaunchBench(opts: { rounds?: number; perRound?: number; log?: (s: string) => void }): Promise<LaunchRun>;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** build/bench → the repository root. */
const ROOT = path.resolve(HERE, '..', '..');
const log = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}

/** "Wine 8.0, Linux x86_64, 2 cores", "Windows 10.0.22631, x64, 8 cores"; wine: null when Wine is unusable. */
function machine(): { label: string; wineProblem: string | null } {
  const cores = `${os.cpus().length} cores`;
  if (process.platform === 'win32') return { label: `Windows ${os.release()}, ${os.arch()}, ${cores}`, wineProblem: null };
  const uname = spawnSync('uname', ['-m'], { encoding: 'utf8' });
  const hw = uname.status === 0 ? uname.stdout.trim() : os.arch();
  const system = `${os.type()} ${hw}, ${cores}`;
  const wine = spawnSync('wine', ['--version'], { encoding: 'utf8' });
  if (wine.error !== undefined || wine.status !== 0) {
    const why = wine.error !== undefined ? `wine is not on PATH (${(wine.error as NodeJS.ErrnoException).code ?? wine.error.message})` : `wine --version exited ${wine.status}`;
    return { label: `${system}, no Wine`, wineProblem: why };
  }
  const version = /wine-(\S+)/i.exec(wine.stdout)?.[1] ?? wine.stdout.trim();
  return { label: `Wine ${version}, ${system}`, wineProblem: null };
}

async function launchBench(wineProblem: string | null, opts: { rounds?: number; perRound?: number }): Promise<LaunchRun> {
  const skip = (reason: string): LaunchRun => {
    log(`launch and memory: skipped (${reason})`);
    return { launch: [], memory: [], skipped: [{ candidate: 'launch and memory', reason }] };
  };
  if (wineProblem !== null) return skip(wineProblem);
  const file = path.join(HERE, 'launch.js');
  if (!fs.existsSync(file)) return skip('bench/launch.ts is not there yet (no launch driver)');
  try {
    const mod = (await import(pathToFileURL(file).href)) as Partial<LaunchModule>;
    if (typeof mod.runLaunchBench !== 'function') return skip('bench/launch.js exports no runLaunchBench');
    return await mod.runLaunchBench({ ...opts, log });
  } catch (e) {
    return skip(`the launch bench failed: ${(e as Error).message.split('\n')[0] ?? String(e)}`);
  }
}

async function main(): Promise<void> {
  const rounds = envInt('BENCH_ROUNDS');
  const perRound = envInt('BENCH_PER_ROUND');
  const n = envInt('BENCH_N') ?? 1000;
  const { label, wineProblem } = machine();
  const date = new Date().toISOString();
  log(`${label}, ${date}`);

  const launch = await launchBench(wineProblem, { ...(rounds !== undefined ? { rounds } : {}), ...(perRound !== undefined ? { perRound } : {}) });
  const tpRounds = envInt('BENCH_TP_ROUNDS') ?? 5;
  const onDisk = await runThroughputBench(n, log, tpRounds, 'disk');
  const inMemory = tmpfsAvailable() ? await runThroughputBench(n, log, tpRounds, 'tmpfs') : null;
  const throughput = {
    throughput: [...onDisk.throughput, ...(inMemory?.throughput ?? [])],
    skipped: [...onDisk.skipped, ...(inMemory?.skipped ?? []).map((s) => ({ ...s, candidate: `${s.candidate} (tmpfs)` }))],
    notes: [...onDisk.notes, ...(inMemory?.notes ?? [])],
  };
  const sizes = runSizes();

  const results: BenchResults = { date, machine: label, launch: launch.launch, memory: launch.memory, throughput: throughput.throughput, sizes: sizes.sizes };
  const pinned = launch.pinnedCpu === undefined || launch.pinnedCpu === null ? '' : `, the Windows side pinned to one CPU`;
  const launchSettings = launch.launch.length === 0 ? 'launch not measured' : `launch: ${launch.launch[0]!.samples} launches per candidate${rounds !== undefined ? ` in ${rounds} rounds` : ''}${perRound !== undefined ? ` of ${perRound}` : ''}, interleaved${pinned}`;
  const ctx: ReportContext = {
    command: 'npm run bench',
    settings: `${launchSettings}; throughput: ${n.toLocaleString('en-US')} entry points, median of ${tpRounds} interleaved rounds, on disk${inMemory === null ? '' : ' and on tmpfs'}`,
    skipped: [...launch.skipped, ...throughput.skipped, ...sizes.skipped],
    notes: [
      ...throughput.notes,
      'Throughput: each candidate writes into an empty temp folder. The Bounce library builds every launcher, then writes them with writeFilesAtomic (temp files concurrently, renamed once all are written); by default it fsyncs every file and the folder, the "no fsync" rows do not, as distlib and cmd-shim do not: those rows are the like-for-like ones. cmd-shim runs 64 bins at once, as npm starts them all together. `bounce entry-points` is timed as a whole process, Node start-up included.',
      'Launch: under Wine the Windows side runs pinned to one CPU (taskset), since cross-CPU wake-ups on this 2-core VM make every process start take either ~12 ms or ~30 ms; "vs floor" divides by the floor launcher (spawn and wait, nothing else) measured in the same run.',
      'Memory: under Wine PrivateUsage is 0 for another process, so private bytes are the committed private regions; an empty process (the stand-in interpreter started directly) already commits most of them (among them its main stack, which Wine commits whole and at no less than 1 MiB whatever the PE header asks: a stub linked with /stack:0x10000 measured the same), so the table also shows what each launcher adds above it.',
    ],
  };

  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify({ ...results, skipped: ctx.skipped, notes: ctx.notes, settings: ctx.settings }, null, 2)}\n`;
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  fs.writeFileSync(path.join(dir, `${date.slice(0, 10)}.json`), json);
  fs.writeFileSync(path.join(dir, 'chart.svg'), renderSvg(results));
  if (!updateReadme(path.join(ROOT, 'README.md'), results, ctx)) log('README.md has no <!-- bench:start --> / <!-- bench:end --> markers: not updated');
  process.stdout.write(formatText(results, ctx));
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
