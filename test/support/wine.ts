/**
 * Test support for running Windows programs: under Wine on Linux, or directly on
 * Windows (process.platform === 'win32').
 *
 * - windowsRuntime(): can Windows programs run here? (wine + a ready prefix, and the
 *   test programs built). Tests call `t.skip(reason)` with its reason.
 * - winProgs(): builds test/winprogs/{probe,harness,rawchild}.c with mingw-w64 into
 *   build/winprogs/ (rebuilt when the source hash changes).
 * - windowsRuntime32() / winProgs32(): the same for 32-bit programs (the x86 launchers'
 *   children): probe and rawchild built with i686-w64-mingw32-gcc into build/winprogs/x86/,
 *   and a check that really runs them (wine32 installed, a prefix with 32-bit system DLLs).
 *   The 64-bit harness starts 32-bit programs; it needs no 32-bit build.
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
/** "PIP4" read as a little-endian u32: the 4-byte analogue of PIPE_SENTINEL for the handle slots
 * of a 32-bit block (pointerSize 4). harness.c's PIPE_SENTINEL_32 must equal it: harness fdblock
 * replaces every 4-byte LE occurrence with the pipe's write handle truncated to 32 bits (handle
 * values fit in 32 bits, and a 32-bit process under WoW64 sees the same value). */
export const PIPE_SENTINEL_32 = 0x34504950n;

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
/** Architectures the test programs are built for. */
export type ProgArch = 'x64' | 'x86';
/** The entry symbol of rawchild: i686 C symbols carry a leading underscore. */
const RAW_ENTRY: Record<ProgArch, string> = { x64: 'rawchild_entry', x86: '_rawchild_entry' };
/** rawchild.c has no C runtime at all (see its header). --fatal-warnings: a misspelt entry
 * symbol is only a linker warning ("defaulting to 00401000"), which must fail the build. */
const rawFlags = (arch: ProgArch): string[] => [
  '-nostdlib', '-nostartfiles', '-e', RAW_ENTRY[arch], '-Wl,--fatal-warnings', '-O2', '-s', '-Wall', '-Wextra',
];
/** rawchild's exit code (rawchild.c). */
export const RAWCHILD_EXIT = 7;

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

/** Debian's /usr/bin/wine script runs /usr/lib/wine/wine (the 32-bit loader, from wine32:i386)
 * when it is installed, else /usr/lib/wine/wine64. */
const DEBIAN_WINE64 = '/usr/lib/wine/wine64';
const DEBIAN_WINE32 = '/usr/lib/wine/wine';

/** Whether `file` (a host path) is a PE32+ (64-bit) image; false when unreadable or not a PE. */
function isPe32Plus(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(4096);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    if (n < 0x40 || head.readUInt16LE(0) !== 0x5a4d) return false;
    const pe = head.readUInt32LE(0x3c);
    if (pe + 26 > n || head.readUInt32LE(pe) !== 0x4550) return false;
    return head.readUInt16LE(pe + 24) === 0x20b;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The argv that runs a Windows program here: [loader, exe, ...args] or [exe, ...args].
 * The loader is `wine`, except for a 64-bit program when Debian's wine32 is installed: then
 * `wine` is the 32-bit loader, which hands 64-bit programs over to wine64, and in Wine 8 that
 * hand-over breaks when the program's Windows path is 260 characters (MAX_PATH) or more: exit 1,
 * sometimes "stack overflow ... addr 0x640064" (UTF-16 "dd" of the path), sometimes a hang.
 * /usr/lib/wine/wine64 runs them directly, as
 * `wine` did before wine32 was installed; their 32-bit children still get the 32-bit loader.
 */
export function wineCommand(exe: string, args: string[]): string[] {
  if (IS_WINDOWS) return [exe, ...args];
  const loader = fs.existsSync(DEBIAN_WINE32) && fs.existsSync(DEBIAN_WINE64) && isPe32Plus(exe) ? DEBIAN_WINE64 : 'wine';
  return [loader, exe, ...args];
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

function compiler(arch: ProgArch = 'x64'): string {
  const candidates =
    arch === 'x86' ? ['i686-w64-mingw32-gcc'] : IS_WINDOWS ? ['x86_64-w64-mingw32-gcc', 'gcc'] : ['x86_64-w64-mingw32-gcc'];
  for (const c of candidates) {
    const r = spawnSync(c, ['--version'], { timeout: 30_000 });
    if (!r.error && r.status === 0) return c;
  }
  const pkg = arch === 'x86' ? 'gcc-mingw-w64-i686' : 'gcc-mingw-w64-x86-64';
  throw new Error(`no ${arch} mingw-w64 compiler found (${candidates.join(', ')}); on Debian: apt-get install ${pkg}`);
}

function flagsOf(name: string, arch: ProgArch): string[] {
  return name === 'rawchild' ? rawFlags(arch) : GCC_FLAGS;
}

function sourceHash(cc: string, name: string, arch: ProgArch): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ cc, flags: flagsOf(name, arch) }));
  for (const file of [`${name}.c`, 'common.h']) {
    h.update(`\0${file}\0`);
    h.update(fs.readFileSync(path.join(WINPROGS_SRC, file)));
  }
  return h.digest('hex');
}

/** Where the programs of one architecture go: build/winprogs/ (x64), build/winprogs/x86/. */
function progsDir(arch: ProgArch): string {
  return arch === 'x64' ? WINPROGS_OUT : path.join(WINPROGS_OUT, arch);
}

function buildProgram(cc: string, name: string, arch: ProgArch = 'x64'): string {
  const dir = progsDir(arch);
  const out = path.join(dir, `${name}.exe`);
  const stamp = `${out}.sha256`;
  const hash = sourceHash(cc, name, arch);
  if (fs.existsSync(out) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash) return out;
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}.exe`;
  const libs = name === 'rawchild' ? ['-lkernel32'] : [];
  const r = spawnSync(cc, [...flagsOf(name, arch), '-o', tmp, path.join(WINPROGS_SRC, `${name}.c`), ...libs], { encoding: 'utf8', timeout: 120_000 });
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

let progs32Cache: { probe: string; rawchild: string } | undefined;

/** Linux (host) paths of the 32-bit probe.exe and rawchild.exe (build/winprogs/x86/), built with
 * i686-w64-mingw32-gcc when needed. No 32-bit harness: the 64-bit one starts 32-bit programs. */
export function winProgs32(): { probe: string; rawchild: string } {
  if (!progs32Cache) {
    const cc = compiler('x86');
    progs32Cache = { probe: buildProgram(cc, 'probe', 'x86'), rawchild: buildProgram(cc, 'rawchild', 'x86') };
  }
  return progs32Cache;
}

/** The test programs of one architecture: the 32-bit ones have no harness. */
export function winProgsFor(arch: ProgArch): { probe: string; rawchild: string } {
  return arch === 'x86' ? winProgs32() : winProgs();
}

let runtime32Cache: Runtime | undefined;

/**
 * Whether 32-bit Windows programs can run here: windowsRuntime() holds, the 32-bit programs
 * build, and the 32-bit probe and rawchild really run once (exit codes and the probe's report
 * checked). The reason names the fix: install wine32, or delete a prefix made without it.
 */
export function windowsRuntime32(): Runtime {
  runtime32Cache ??= checkRuntime32();
  return runtime32Cache;
}

const WINE32_INSTALL = 'as root: dpkg --add-architecture i386 && apt-get update && apt-get install wine32:i386 (or run scripts/setup-debian.sh)';

function checkRuntime32(): Runtime {
  const base = windowsRuntime();
  if (!base.ok) return base;
  if (!IS_WINDOWS && fs.existsSync(DEBIAN_WINE64) && !fs.existsSync(DEBIAN_WINE32)) {
    const stalePrefix = fs.existsSync(WINE_PREFIX) && !fs.existsSync(path.join(WINE_PREFIX, 'drive_c', 'windows', 'syswow64', 'kernel32.dll'));
    return {
      ok: false,
      reason:
        `32-bit Windows programs cannot run: Debian's wine32 is not installed (no ${DEBIAN_WINE32}); ${WINE32_INSTALL}` +
        (stalePrefix ? `; then delete the Wine prefix ${WINE_PREFIX} (it has no 32-bit system DLLs) and the tests recreate it` : ''),
    };
  }
  let progs: { probe: string; rawchild: string };
  try {
    progs = winProgs32();
  } catch (e) {
    return { ok: false, reason: `32-bit Windows test programs could not be built: ${errorText(e)}` };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bounce-rt32-'));
  try {
    const report = path.join(dir, 'report.json');
    const [cmd, ...args] = wineCommand(progs.probe, []) as [string, ...string[]];
    const p = spawnSync(cmd, args, {
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
      env: winEnv({ PROBE_REPORT: toWindowsPath(report), PROBE_EXIT: '42' }),
    });
    if (p.error || p.status !== 42 || !fs.existsSync(report)) return { ok: false, reason: why32BitFailed('probe', p) };
    const [rcmd, ...rargs] = wineCommand(progs.rawchild, []) as [string, ...string[]];
    const r = spawnSync(rcmd, rargs, { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: winEnv() });
    if (r.error || r.status !== RAWCHILD_EXIT) return { ok: false, reason: why32BitFailed('rawchild', r, RAWCHILD_EXIT) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { ok: true };
}

function why32BitFailed(
  name: string,
  r: { error?: Error | undefined; status: number | null; signal: NodeJS.Signals | null; stderr: string },
  expected = 42,
): string {
  const what = r.error
    ? r.error.message
    : r.status === null
      ? `killed by ${r.signal ?? 'a signal'}`
      : `exit ${r.status}, expected ${expected}`;
  const stderr = r.stderr.trim().split('\n').slice(0, 3).join(' | ');
  const head = `the 32-bit ${name}.exe did not run (${what}${stderr ? `; stderr: ${stderr}` : ''})`;
  const noWow64 = !IS_WINDOWS && !fs.existsSync(path.join(WINE_PREFIX, 'drive_c', 'windows', 'syswow64', 'kernel32.dll'));
  if (!IS_WINDOWS && (/could not load kernel32\.dll/i.test(r.stderr) || noWow64)) {
    return `${head}: the Wine prefix ${WINE_PREFIX} has no 32-bit system DLLs (syswow64), it was created before wine32 was installed; delete it (rm -rf ${WINE_PREFIX}) and the tests recreate it with 32-bit support`;
  }
  if (!IS_WINDOWS && /wine32 is missing/i.test(r.stderr)) return `${head}: wine32 is not installed; ${WINE32_INSTALL}`;
  return IS_WINDOWS ? `${head}: this Windows cannot run 32-bit (WoW64) programs` : head;
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
  /** Sentinels replaced: 8-byte PIPE_SENTINEL plus 4-byte PIPE_SENTINEL_32. */
  sentinelsPatched: number;
  /** Of those, 4-byte PIPE_SENTINEL_32 ones. */
  sentinelsPatched32: number;
  blockLength: number;
  /** The value of the pipe's write handle that replaced the sentinels. */
  pipeHandle: number;
}

/**
 * Starts the program with `block` as STARTUPINFO.cbReserved2/lpReserved2 (empty: no block),
 * each 8-byte LE PIPE_SENTINEL and each 4-byte LE PIPE_SENTINEL_32 in it replaced by an
 * inheritable pipe write handle (truncated to 32 bits for the latter), and reads that pipe to EOF.
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
    sentinelsPatched32: num(o, 'sentinelsPatched32'),
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
