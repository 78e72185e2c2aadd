/**
 * Test support for running Windows programs: under Wine on Linux, or directly on
 * Windows (process.platform === 'win32').
 *
 * - windowsRuntime(): can Windows programs run here? (wine + a ready prefix, and the
 *   test programs built). Tests call `t.skip(reason)` with its reason.
 * - winProgs(): builds test/winprogs/{probe,harness}.c with mingw-w64 into
 *   build/winprogs/ (rebuilt when the source hash changes).
 * - runWindows(): runs one Windows program, bounded by a timeout that kills its whole
 *   process group.
 * - harnessExec / harnessFdBlock / harnessKill: start a program through harness.exe,
 *   which reports full 32-bit exit codes, pipe EOF timing and process-tree kills.
 * - readProbeReport(): the JSON report probe.exe writes, hex fields decoded.
 * - tmuxRun(): runs a command in a detached tmux session and sends it keys (a real
 *   Ctrl-C for a Windows process under Wine).
 *
 * The Wine prefix lives in .wine-test/prefix (override: BOUNCE_WINEPREFIX); it is
 * created once with `wineboot -i` under a lock directory so that concurrent test
 * processes do not race, and marked ready with a file inside it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** "PIPEPIPE" read as a little-endian u64. harness.c's PIPE_SENTINEL must equal it:
 * harness fdblock replaces every 8-byte LE occurrence in a block with its pipe's write handle. */
export const PIPE_SENTINEL = 0x4550495045504950n;

const IS_WINDOWS = process.platform === 'win32';
const REPO_ROOT = findRepoRoot();
/** Sources of the Windows test programs. */
export const WINPROGS_SRC = path.join(REPO_ROOT, 'test', 'winprogs');
/** Where the built .exe files go. */
export const WINPROGS_OUT = path.join(REPO_ROOT, 'build', 'winprogs');
/** The Wine prefix used by every test. */
export const WINE_PREFIX = process.env['BOUNCE_WINEPREFIX'] ?? path.join(REPO_ROOT, '.wine-test', 'prefix');

const PREFIX_READY_FILE = '.bounce-ready';
const PREFIX_INIT_TIMEOUT_MS = 240_000;
const LOCK_STALE_MS = 300_000;
const DEFAULT_TIMEOUT_MS = 60_000;
const WINESERVER_PERSIST_S = 30;
/** After a program exits, how long to wait for its stdout/stderr to close (a survivor may hold them). */
const CLOSE_GRACE_MS = 1000;
const GCC_FLAGS = ['-municode', '-O2', '-s', '-static', '-static-libgcc', '-Wall', '-Wextra'];
const PROGRAMS = ['probe', 'harness'] as const;
/** rawchild.c has no C runtime at all (see its header). */
const RAW_FLAGS = ['-nostdlib', '-nostartfiles', '-e', 'rawchild_entry', '-O2', '-s', '-Wall', '-Wextra'];

export type Runtime = { ok: true } | { ok: false; reason: string };
/** Environment additions: a value of undefined removes the variable. */
export type EnvAdditions = Record<string, string | undefined>;

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'test', 'winprogs'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('wine.ts: cannot find the repository root (package.json + test/winprogs)');
    dir = up;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------
// paths and environment

/** Linux path -> Windows path as Wine sees it (/x/y -> Z:\x\y). On Windows: the absolute path. */
export function toWindowsPath(linuxPath: string): string {
  if (IS_WINDOWS) return path.resolve(linuxPath);
  return 'Z:' + path.posix.resolve(linuxPath).replaceAll('/', '\\');
}

/** Converts absolute Linux paths (starting with '/'), leaves anything else (Windows paths, names) alone. */
export function asWindowsPath(p: string): string {
  return !IS_WINDOWS && p.startsWith('/') ? toWindowsPath(p) : p;
}

export interface WinEnvOptions {
  /** Folders searched before the normal PATH: WINEPATH under Wine, PATH on Windows. */
  prependPath?: string[];
}

/** process.env plus WINEPREFIX, WINEDEBUG=-all, a UTF-8 locale and the caller's additions. */
export function winEnv(extra: EnvAdditions = {}, opts: WinEnvOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['TMUX'];
  if (!IS_WINDOWS) {
    env['WINEPREFIX'] = WINE_PREFIX;
    env['WINEDEBUG'] = '-all';
    env['WINEDLLOVERRIDES'] = 'mscoree,mshtml='; // no Mono/Gecko installers
    env['LC_ALL'] = 'C.UTF-8'; // Wine converts Unix argv/env with the locale's code page
    delete env['DISPLAY'];
    delete env['WAYLAND_DISPLAY'];
  }
  const dirs = (opts.prependPath ?? []).map(asWindowsPath);
  if (dirs.length > 0) {
    if (IS_WINDOWS) env['PATH'] = [...dirs, env['PATH'] ?? ''].join(';');
    else env['WINEPATH'] = dirs.join(';');
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** The argv that runs a Windows program here: ['wine', exe, ...args] or [exe, ...args]. */
export function wineCommand(exe: string, args: string[]): string[] {
  return IS_WINDOWS ? [exe, ...args] : ['wine', exe, ...args];
}

// ---------------------------------------------------------------------------------------
// runtime: wine, prefix, programs

let runtimeCache: Runtime | undefined;

/** Whether Windows programs can run here; prepares the prefix and builds the programs once. */
export function windowsRuntime(): Runtime {
  runtimeCache ??= checkRuntime();
  return runtimeCache;
}

function checkRuntime(): Runtime {
  if (!IS_WINDOWS) {
    const v = spawnSync('wine', ['--version'], { encoding: 'utf8', timeout: 30_000, env: winEnv() });
    if (v.error || v.status !== 0) return { ok: false, reason: `wine is not usable (${v.error?.message ?? `exit ${v.status}`}); install Debian's wine` };
    try {
      ensurePrefix();
    } catch (e) {
      return { ok: false, reason: `wine prefix ${WINE_PREFIX} could not be prepared: ${errorText(e)}` };
    }
  }
  try {
    winProgs();
  } catch (e) {
    return { ok: false, reason: `Windows test programs could not be built: ${errorText(e)}` };
  }
  if (!IS_WINDOWS) warmUpWineserver();
  return { ok: true };
}

/**
 * Starts the prefix's wineserver (kept for WINESERVER_PERSIST_S after its last client) and its
 * system processes (services.exe, explorer.exe, ...) with no pipes of ours. Otherwise the first
 * runWindows() call starts them, they inherit its stderr, and its 'close' waits ~2.5 s until
 * they shut down again.
 */
function warmUpWineserver(): void {
  const env = winEnv();
  spawnSync('wineserver', [`-p${WINESERVER_PERSIST_S}`], { env, stdio: 'ignore', timeout: 30_000 });
  spawnSync('wine', [winProgs().probe], { env, stdio: 'ignore', timeout: 60_000, killSignal: 'SIGKILL' });
}

function runSync(cmd: string, args: string[], timeoutMs: number): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, env: winEnv(), killSignal: 'SIGKILL' });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Creates the Wine prefix once (wineboot -i), serialised across processes by a lock directory. */
export function ensurePrefix(): void {
  const ready = path.join(WINE_PREFIX, PREFIX_READY_FILE);
  if (fs.existsSync(ready)) return;
  fs.mkdirSync(path.dirname(WINE_PREFIX), { recursive: true });
  const lock = `${WINE_PREFIX}.lock`;
  const deadline = Date.now() + PREFIX_INIT_TIMEOUT_MS + LOCK_STALE_MS;
  while (!tryLock(lock)) {
    if (fs.existsSync(ready)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    sleepSync(250);
  }
  try {
    if (fs.existsSync(ready)) return;
    initPrefix(ready);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function tryLock(lock: string): boolean {
  try {
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner'), `${process.pid}\n`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (lockIsStale(lock)) fs.rmSync(lock, { recursive: true, force: true });
  return false;
}

function lockIsStale(lock: string): boolean {
  try {
    const age = Date.now() - fs.statSync(lock).mtimeMs;
    const owner = Number(fs.readFileSync(path.join(lock, 'owner'), 'utf8').trim());
    if (age > LOCK_STALE_MS) return true;
    if (Number.isInteger(owner) && owner > 0) {
      try {
        process.kill(owner, 0);
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ESRCH';
      }
    }
    return false;
  } catch {
    return false; // lock just created or removed: look again later
  }
}

function initPrefix(ready: string): void {
  const t0 = Date.now();
  fs.rmSync(WINE_PREFIX, { recursive: true, force: true }); // a half-made prefix from an interrupted run
  runSync('wine', ['wineboot', '-i'], PREFIX_INIT_TIMEOUT_MS);
  // crashes end the process with its exception code instead of starting winedbg
  runSync('wine', ['reg', 'delete', 'HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion\\AeDebug', '/v', 'Debugger', '/f'], 60_000);
  runSync('wine', ['reg', 'add', 'HKCU\\Software\\Wine\\WineDbg', '/v', 'ShowCrashDialog', '/t', 'REG_DWORD', '/d', '0', '/f'], 60_000);
  runSync('wineserver', ['-w'], 60_000); // registry flushed to disk
  const version = runSync('wine', ['--version'], 30_000).trim();
  fs.writeFileSync(ready, JSON.stringify({ version, initMs: Date.now() - t0, at: new Date().toISOString() }) + '\n');
}

function compiler(): string {
  const candidates = IS_WINDOWS ? ['x86_64-w64-mingw32-gcc', 'gcc'] : ['x86_64-w64-mingw32-gcc'];
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { timeout: 30_000 });
    if (!r.error && r.status === 0) return c;
  }
  throw new Error(`no mingw-w64 compiler found (${candidates.join(', ')}); on Debian: apt-get install gcc-mingw-w64-x86-64`);
}

function flagsOf(name: string): string[] {
  return name === 'rawchild' ? RAW_FLAGS : GCC_FLAGS;
}

function sourceHash(cc: string, name: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ cc, flags: flagsOf(name) }));
  for (const file of [`${name}.c`, 'common.h']) {
    h.update(`\0${file}\0`);
    h.update(fs.readFileSync(path.join(WINPROGS_SRC, file)));
  }
  return h.digest('hex');
}

function buildProgram(cc: string, name: string): string {
  const out = path.join(WINPROGS_OUT, `${name}.exe`);
  const stamp = `${out}.sha256`;
  const hash = sourceHash(cc, name);
  if (fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash) return out;
  fs.mkdirSync(WINPROGS_OUT, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}.exe`;
  const libs = name === 'rawchild' ? ['-lkernel32'] : [];
  const r = spawnSync(cc, [...flagsOf(name), '-o', tmp, path.join(WINPROGS_SRC, `${name}.c`), ...libs], { encoding: 'utf8', timeout: 120_000 });
  if (r.error || r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`${cc} ${name}.c failed: ${r.error?.message ?? r.stderr.trim()}`);
  }
  fs.renameSync(tmp, out); // atomic: concurrent builders write identical files
  fs.writeFileSync(stamp, `${hash}\n`);
  return out;
}

let progsCache: { probe: string; harness: string; rawchild: string } | undefined;

/** Linux (host) paths of the built probe.exe, harness.exe and rawchild.exe; builds them when needed. */
export function winProgs(): { probe: string; harness: string; rawchild: string } {
  if (!progsCache) {
    const cc = compiler();
    const [probe, harness, rawchild] = [...PROGRAMS, 'rawchild'].map((name) => buildProgram(cc, name)) as [string, string, string];
    progsCache = { probe, harness, rawchild };
  }
  return progsCache;
}

// ---------------------------------------------------------------------------------------
// running programs

export interface RunOptions {
  /** Added to winEnv(); undefined removes a variable. */
  env?: EnvAdditions;
  /** Folders searched first (WINEPATH / PATH), see winEnv. */
  prependPath?: string[];
  /** Linux working directory of the wine process (Wine maps it to the Windows cwd). */
  cwd?: string;
  timeoutMs?: number;
  /** Bytes for standard input; otherwise stdin is /dev/null. */
  input?: string | Uint8Array;
  /** Kill whatever is left in the process group after the program exits (default true). */
  killLeftovers?: boolean;
}

export interface RunResult {
  /** Wine's exit status: only the low 8 bits of the Windows exit code. null if killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (IS_WINDOWS) process.kill(pid, 'SIGKILL');
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs a Windows program (through wine, in its own process group), bounded by timeoutMs. */
export function runWindows(exe: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...argv] = wineCommand(exe, args) as [string, ...string[]];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      env: winEnv(opts.env, { prependPath: opts.prependPath ?? [] }),
      cwd: opts.cwd,
      detached: !IS_WINDOWS,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.stdin?.on('error', () => {}); // program exited without reading
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const done = () => {
      if (settled || !exitInfo) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(closeTimer);
      if (opts.killLeftovers ?? true) killGroup(child.pid);
      resolve({
        ...exitInfo,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ms: Date.now() - t0,
      });
    };
    child.on('error', (e) => {
      clearTimeout(timer);
      if (!settled) reject(e);
      settled = true;
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      // a surviving grandchild may hold stdout open: do not wait for it for long
      closeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        done();
      }, CLOSE_GRACE_MS);
    });
    child.on('close', (code, signal) => {
      exitInfo ??= { code, signal };
      done();
    });
  });
}

// ---------------------------------------------------------------------------------------
// harness

/** Hex of the UTF-16LE code units of s (lone surrogates kept), as harness.exe expects. */
export function utf16Hex(s: string): string {
  return Buffer.from(s, 'utf16le').toString('hex');
}

function hexUtf16(hex: string): string {
  return Buffer.from(hex, 'hex').toString('utf16le');
}

/** A harness report with {"error": ...}: CreateProcessW failed, pids never appeared, ... */
export class HarnessError extends Error {
  constructor(
    readonly mode: string,
    readonly what: string,
    readonly lastError: number,
  ) {
    super(`harness ${mode}: ${what} (Windows error ${lastError})`);
    this.name = 'HarnessError';
  }
}

export interface HarnessOptions {
  /** Added to winEnv() for the harness and so for the started program. */
  env?: EnvAdditions;
  prependPath?: string[];
  timeoutMs?: number;
}

export interface ExecOptions extends HarnessOptions {
  /** Current directory for the started program (lpCurrentDirectory); Linux or Windows path. */
  cwd?: string;
}

function appArg(app: string | null): string {
  return app === null ? '-' : utf16Hex(asWindowsPath(app));
}

/** Hex longer than this goes through a file ("@FILE"): the harness's own command line has the
 * same 32,767-character limit as everyone's, and the hex of a long command line is 4 times longer. */
const HEX_INLINE_MAX = 8000;

function cmdArg(commandLine: string | null, outPath: string): string {
  if (commandLine === null) return '-';
  const hex = utf16Hex(commandLine);
  if (hex.length <= HEX_INLINE_MAX) return hex;
  const file = `${outPath}.cmd.hex`;
  fs.writeFileSync(hostPath(file), hex);
  return `@${file}`;
}

/** The inverse of toWindowsPath: Z:\x\y -> /x/y under Wine, unchanged on Windows. */
function hostPath(windowsPath: string): string {
  return IS_WINDOWS ? windowsPath : windowsPath.replace(/^Z:/i, '').replaceAll('\\', '/');
}

/** harness.exe arguments for `exec` (without the program itself), e.g. for tmuxRun. */
export function harnessExecArgs(outPath: string, app: string | null, commandLine: string | null, cwd?: string): string[] {
  const args = ['exec', asWindowsPath(outPath), appArg(app), cmdArg(commandLine, asWindowsPath(outPath))];
  if (cwd !== undefined) args.push(utf16Hex(asWindowsPath(cwd)));
  return args;
}

function readJsonObject(file: string): Record<string, unknown> {
  const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${file}: not a JSON object`);
  return value as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  if (typeof v !== 'number') throw new Error(`report field ${key}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function numOrNull(o: Record<string, unknown>, key: string): number | null {
  return o[key] === null ? null : num(o, key);
}

function bool(o: Record<string, unknown>, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new Error(`report field ${key}: expected a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new Error(`report field ${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Parses a harness report file; throws HarnessError for {"error": ...} reports. */
function parseHarnessReport(mode: string, file: string): Record<string, unknown> {
  const o = readJsonObject(file);
  if (typeof o['error'] === 'string') throw new HarnessError(mode, o['error'], typeof o['lastError'] === 'number' ? o['lastError'] : 0);
  return o;
}

async function runHarness(mode: string, args: (out: string) => string[], opts: HarnessOptions): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bounce-harness-'));
  const out = path.join(dir, 'out.json');
  try {
    const r = await runWindows(winProgs().harness, args(toWindowsPath(out)), {
      env: opts.env ?? {},
      prependPath: opts.prependPath ?? [],
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    if (!fs.existsSync(out)) {
      throw new Error(
        `harness ${mode} wrote no report (wine exit ${r.code}${r.timedOut ? ', timed out' : ''})\n` +
          `stdout: ${r.stdout}\nstderr: ${r.stderr}`,
      );
    }
    return parseHarnessReport(mode, out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface ExecReport {
  /** GetExitCodeProcess, all 32 bits (unsigned). */
  exitCode: number;
  /** CreateProcessW to exit, in ms. */
  ms: number;
  pid: number;
}

export function parseExecReport(o: Record<string, unknown>): ExecReport {
  return { exitCode: num(o, 'exitCode'), ms: num(o, 'ms'), pid: num(o, 'pid') };
}

/** Reads the report written by `harness exec` (e.g. one run under tmuxRun). */
export function readExecReport(file: string): ExecReport {
  return parseExecReport(parseHarnessReport('exec', file));
}

/**
 * CreateProcessW(app, commandLine) with bInheritHandles TRUE; waits; full exit code.
 * app: null lets Windows search for the program (lpApplicationName NULL); absolute Linux
 * paths are converted. commandLine is passed verbatim (null: lpCommandLine NULL).
 */
export async function harnessExec(app: string | null, commandLine: string | null, opts: ExecOptions = {}): Promise<ExecReport> {
  return parseExecReport(await runHarness('exec', (out) => harnessExecArgs(out, app, commandLine, opts.cwd), opts));
}

export interface FdBlockReport {
  exitCode: number;
  /** Bytes read from the pipe, decoded as UTF-8. */
  data: string;
  dataBytes: Buffer;
  /** ms from CreateProcessW to EOF; null if EOF never came (timed out). */
  eofMs: number | null;
  /** Whether the started process was still running when EOF arrived. */
  aliveAtEof: boolean;
  /** GetLastError() when ReadFile stopped (109 = ERROR_BROKEN_PIPE). */
  eofError: number;
  exitMs: number | null;
  /** EOF or exit took longer than 30 s; the process was killed. */
  timedOut: boolean;
  sentinelsPatched: number;
  blockLength: number;
  /** The value of the pipe's write handle that replaced the sentinels. */
  pipeHandle: number;
}

/**
 * Starts the program with `block` as STARTUPINFO.cbReserved2/lpReserved2 (empty: no block),
 * each 8-byte LE PIPE_SENTINEL in it replaced by an inheritable pipe write handle, and
 * reads that pipe to EOF.
 */
export async function harnessFdBlock(block: Uint8Array, app: string | null, commandLine: string | null, opts: HarnessOptions = {}): Promise<FdBlockReport> {
  if (block.length > 0xffff) throw new RangeError('fd block longer than 65535 bytes (cbReserved2 is 16-bit)');
  const blockHex = block.length === 0 ? '-' : Buffer.from(block).toString('hex');
  const o = await runHarness('fdblock', (out) => ['fdblock', out, blockHex, appArg(app), cmdArg(commandLine, out)], opts);
  const dataBytes = Buffer.from(str(o, 'dataHex'), 'hex');
  return {
    exitCode: num(o, 'exitCode'),
    data: dataBytes.toString('utf8'),
    dataBytes,
    eofMs: numOrNull(o, 'eofMs'),
    aliveAtEof: bool(o, 'aliveAtEof'),
    eofError: num(o, 'eofError'),
    exitMs: numOrNull(o, 'exitMs'),
    timedOut: bool(o, 'timedOut'),
    sentinelsPatched: num(o, 'sentinelsPatched'),
    blockLength: num(o, 'blockLength'),
    pipeHandle: num(o, 'pipeHandle'),
  };
}

export interface KillReport {
  /** The first pid in the pid file (the child probe) ended within 1000 ms. */
  childGone: boolean;
  /** The second pid (the grandchild probe) ended within 1000 ms. */
  grandchildGone: boolean;
  /** ms from TerminateProcess(started) until gone; null if not gone. */
  childMs: number | null;
  grandchildMs: number | null;
  startedPid: number;
  childPid: number;
  grandchildPid: number;
}

/**
 * Starts the program, waits until pidFile holds two pids (child and grandchild probe, e.g.
 * PROBE_PIDFILE with PROBE_GRANDCHILD=1), TerminateProcess(started, 1), then checks which of
 * the two died within 1000 ms. Survivors are terminated afterwards.
 */
export async function harnessKill(pidFile: string, app: string | null, commandLine: string | null, opts: HarnessOptions = {}): Promise<KillReport> {
  const o = await runHarness('kill', (out) => ['kill', out, asWindowsPath(pidFile), appArg(app), cmdArg(commandLine, out)], opts);
  return {
    childGone: bool(o, 'childGone'),
    grandchildGone: bool(o, 'grandchildGone'),
    childMs: numOrNull(o, 'childMs'),
    grandchildMs: numOrNull(o, 'grandchildMs'),
    startedPid: num(o, 'startedPid'),
    childPid: num(o, 'childPid'),
    grandchildPid: num(o, 'grandchildPid'),
  };
}

// ---------------------------------------------------------------------------------------
// probe

export interface ProbeReport {
  /** GetCommandLineW(), exact. */
  commandLine: string;
  /** msvcrt's argv, exact. */
  argv: string[];
  commandLineHex: string;
  argvHex: string[];
  pid: number;
  cwd: string;
  /** GetModuleFileNameW(NULL). */
  exe: string;
  /** _get_osfhandle(3) was a valid handle at start-up. */
  fd3: boolean;
  fd3Handle: number;
  /** _write(3, PROBE_FD3_WRITE) result; null when not attempted. */
  fd3Written: number | null;
  role: 'child' | 'grandchild';
  ctrlC: boolean;
  grandchildPid?: number;
}

/** Reads a report written by probe.exe (PROBE_REPORT); path may be Linux or Z:\ form. */
export function readProbeReport(file: string): ProbeReport {
  const linux = !IS_WINDOWS && /^Z:\\/i.test(file) ? file.slice(2).replaceAll('\\', '/') : file;
  const o = readJsonObject(linux);
  const commandLineHex = str(o, 'commandLineHex');
  const argvHexRaw = o['argvHex'];
  if (!Array.isArray(argvHexRaw) || !argvHexRaw.every((x): x is string => typeof x === 'string')) {
    throw new Error(`${file}: argvHex is not an array of strings`);
  }
  const role = str(o, 'role');
  if (role !== 'child' && role !== 'grandchild') throw new Error(`${file}: unknown role ${role}`);
  const report: ProbeReport = {
    commandLine: hexUtf16(commandLineHex),
    argv: argvHexRaw.map(hexUtf16),
    commandLineHex,
    argvHex: argvHexRaw,
    pid: num(o, 'pid'),
    cwd: str(o, 'cwd'),
    exe: str(o, 'exe'),
    fd3: bool(o, 'fd3'),
    fd3Handle: num(o, 'fd3Handle'),
    fd3Written: numOrNull(o, 'fd3Written'),
    role,
    ctrlC: bool(o, 'ctrlC'),
  };
  if (o['grandchildPid'] !== undefined) report.grandchildPid = num(o, 'grandchildPid');
  return report;
}

// ---------------------------------------------------------------------------------------
// tmux

/** Whether tmuxRun can work here. */
export function tmuxAvailable(): Runtime {
  if (IS_WINDOWS) return { ok: false, reason: 'tmux-driven console tests run only under Wine on Linux' };
  const r = spawnSync('tmux', ['-V'], { timeout: 10_000 });
  if (r.error || r.status !== 0) return { ok: false, reason: 'tmux is not installed (apt-get install tmux)' };
  return { ok: true };
}

export interface TmuxOptions {
  /** Text that must appear on the screen before the keys are sent. */
  readyText: string;
  /** tmux send-keys key names, e.g. 'C-c'. */
  sendKeys: string | string[];
  /** Bound for the whole run (default 60 s); on timeout everything is killed. */
  timeoutMs?: number;
  env?: EnvAdditions;
  prependPath?: string[];
  /** Linux working directory for the command. */
  cwd?: string;
}

export interface TmuxResult {
  /** `tmux capture-pane -p` after the command finished (or at the timeout). */
  screen: string;
  readySeen: boolean;
  /** The command's exit status as the shell saw it (wine: 8 bits); null if unfinished. */
  exitStatus: number | null;
  timedOut: boolean;
  ms: number;
}

let tmuxCounter = 0;

function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function tmux(socket: string, args: string[], env: NodeJS.ProcessEnv): { ok: boolean; stdout: string } {
  const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000, env });
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '' };
}

function tmuxScript(commandLine: string[], env: NodeJS.ProcessEnv, cwd: string, doneFile: string): string {
  const exports = Object.entries(env)
    .filter(([k, v]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && v !== undefined)
    .map(([k, v]) => `export ${k}=${shQuote(v as string)}`);
  return [
    '#!/bin/sh',
    ...exports,
    // a trap (not an ignore) keeps this shell alive through Ctrl-C while the command keeps default handling
    "trap 'true' INT",
    `cd ${shQuote(cwd)} || exit 99`,
    commandLine.map(shQuote).join(' '),
    `echo $? > ${shQuote(doneFile + '.tmp')}`,
    `mv ${shQuote(doneFile + '.tmp')} ${shQuote(doneFile)}`,
    'exec sleep 3600', // keeps the pane for the final capture; the session is killed right after
    '',
  ].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs commandLine (argv) in a fresh detached tmux server/session (220x50), waits for
 * readyText on the screen, sends the keys, waits for the command to finish, kills the
 * session and returns the final screen.
 */
export async function tmuxRun(commandLine: string[], opts: TmuxOptions): Promise<TmuxResult> {
  const avail = tmuxAvailable();
  if (!avail.ok) throw new Error(avail.reason);
  const t0 = Date.now();
  const deadline = t0 + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const env = winEnv(opts.env, { prependPath: opts.prependPath ?? [] });
  const socket = `bounce-${process.pid}-${++tmuxCounter}-${randomBytes(3).toString('hex')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bounce-tmux-'));
  const doneFile = path.join(dir, 'done');
  const script = path.join(dir, 'run.sh');
  fs.writeFileSync(script, tmuxScript(commandLine, env, opts.cwd ?? process.cwd(), doneFile), { mode: 0o755 });
  const keys = typeof opts.sendKeys === 'string' ? [opts.sendKeys] : opts.sendKeys;
  let panePid: number | undefined;
  let screen = '';
  let readySeen = false;
  let exitStatus: number | null = null;
  const capture = () => {
    const r = tmux(socket, ['capture-pane', '-p', '-J', '-t', 'main'], env);
    if (r.ok) screen = r.stdout.replace(/\n+$/, '\n'); // drop the pane's empty bottom rows
    return screen;
  };
  try {
    if (!tmux(socket, ['new-session', '-d', '-s', 'main', '-x', '220', '-y', '50', `sh ${shQuote(script)}`], env).ok) {
      throw new Error('tmux new-session failed');
    }
    const pid = Number(tmux(socket, ['display-message', '-p', '-t', 'main', '#{pane_pid}'], env).stdout.trim());
    if (Number.isInteger(pid) && pid > 0) panePid = pid;
    while (Date.now() < deadline && !fs.existsSync(doneFile)) {
      if (capture().includes(opts.readyText)) {
        readySeen = true;
        break;
      }
      await sleep(100);
    }
    if (readySeen) for (const key of keys) tmux(socket, ['send-keys', '-t', 'main', key], env);
    while (Date.now() < deadline && !fs.existsSync(doneFile)) await sleep(100);
    if (fs.existsSync(doneFile)) exitStatus = Number(fs.readFileSync(doneFile, 'utf8').trim());
    capture();
  } finally {
    tmux(socket, ['kill-server'], env);
    killGroup(panePid); // the pane's shell leads its own session and process group
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { screen, readySeen, exitStatus, timedOut: exitStatus === null, ms: Date.now() - t0 };
}
