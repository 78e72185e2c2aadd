/**
 * The figures `npm run bench` produces (issue 4), as stored in bench/results/*.json and drawn in
 * the README's chart. Times are per launch or per run, in milliseconds; ratios are measured in
 * the same run (these machines are noisy: only ratios compare).
 */

/** Launch cost of one candidate: the per-launch wall time over interleaved rounds. */
export interface LaunchResult {
  /** e.g. "probe directly", "bounce script", "distlib t64", "setuptools cli-64", "cmd shim", "floor". */
  candidate: string;
  samples: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** medianMs / the median of starting the interpreter directly. */
  ratio: number;
}

/** Memory of the launcher process itself while its child runs (GetProcessMemoryInfo). */
export interface MemoryResult {
  candidate: string;
  peakWorkingSetBytes: number;
  privateBytes: number;
}

/** Writing the launchers for N entry points. */
export interface ThroughputResult {
  candidate: string;
  /** disk: the temp folder's filesystem; tmpfs: memory (/dev/shm), the tools' own work alone. */
  where?: 'disk' | 'tmpfs';
  launchers: number;
  seconds: number;
  perSecond: number;
}

export interface SizeResult {
  name: string;
  bytes: number;
  /** measured: a file on this machine; quoted: a published figure (launcher-facts.md). */
  source: 'measured' | 'quoted';
}

export interface BenchResults {
  /** ISO date of the run. */
  date: string;
  /** What it ran on, e.g. "Wine 8.0, Linux x86_64, 2 cores". */
  machine: string;
  launch: LaunchResult[];
  memory: MemoryResult[];
  throughput: ThroughputResult[];
  sizes: SizeResult[];
}
