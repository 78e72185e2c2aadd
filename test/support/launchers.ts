/**
 * Test support for launcher tests: temporary folders, launchers built with the library around
 * the probe (64- or 32-bit), the negative-control stubs of any variant, distlib's real launchers
 * from this machine's pip, and the cases the x64 and x86 launcher tests share (the nasty
 * arguments, the fd-block matrix for either pointer size).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLauncher, type LauncherSpec } from '../../src/build.js';
import { encodeRawFdBlock, FdFlag, type FdEntry, type PointerSize } from '../../src/fdblock.js';
import { encodeZip } from '../../src/zip.js';
import {
  PIPE_SENTINEL,
  PIPE_SENTINEL_32,
  asWindowsPath,
  toWindowsPath,
  winProgsFor,
  windowsRuntime,
  windowsRuntime32,
  type FdBlockReport,
  type ProgArch,
  type Runtime,
} from './wine.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function tempDir(prefix = 'bounce-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Skip reason for tests that run Windows programs, or null when they can run. */
export function windowsSkip(): string | null {
  const rt: Runtime = windowsRuntime();
  return rt.ok ? null : rt.reason;
}

/** Skip reason for tests that run 32-bit Windows programs (the x86 launchers), or null. */
export function windowsSkip32(): string | null {
  const rt: Runtime = windowsRuntime32();
  return rt.ok ? null : rt.reason;
}

/** A copy of the probe (64-bit, or 32-bit for arch 'x86') at `dir/name` (so interpreter paths
 * can hold spaces, `&`, non-ASCII...). */
export function probeAt(dir: string, name = 'probe.exe', arch: ProgArch = 'x64'): string {
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, name);
  fs.copyFileSync(winProgsFor(arch).probe, target);
  return target;
}

/** Builds a launcher from `spec` into `file` (Linux path) and returns the file. */
export function writeSpec(file: string, spec: LauncherSpec): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, buildLauncher(spec));
  return file;
}

/** A script launcher whose "python" is the probe: the probe is started as `"probe" "launcher" tail`. */
export function probeScriptLauncher(file: string, probe: string, extra: Partial<LauncherSpec> = {}): string {
  return writeSpec(file, {
    kind: 'script',
    program: toWindowsPath(probe),
    files: [{ name: '__main__.py', data: new TextEncoder().encode('print("hello")\n') }],
    ...extra,
  });
}

/** The report path for a probe run (Linux path) and the env that makes the probe write it. */
export function probeEnv(dir: string, extra: Record<string, string> = {}): { report: string; env: Record<string, string> } {
  const report = path.join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  return { report, env: { PROBE_REPORT: toWindowsPath(report), ...extra } };
}

const controlCache = new Map<string, string>();

/** A stub variant as stub/build.sh names it. */
export type StubVariant = `${'x64' | 'x86' | 'arm64'}-${'console' | 'gui'}`;

/**
 * A stub compiled from the same sources with a BOUNCE_CONTROL_* switch that breaks one step:
 * the negative control that shows a test can fail. Built into build/controls/<define>-<hash>/
 * (use the folder as LauncherSpec.stubDir); each variant is built when first asked for, into a
 * temporary folder and then renamed into place, so a half-written stub is never used.
 */
export function controlStubDir(define: string, variant: StubVariant = 'x64-console'): string {
  const key = `${define}/${variant}`;
  const cached = controlCache.get(key);
  if (cached !== undefined) return cached;
  const hash = createHash('sha256');
  for (const f of fs.readdirSync(path.join(REPO, 'stub', 'src')).sort()) hash.update(fs.readFileSync(path.join(REPO, 'stub', 'src', f)));
  const out = path.join(REPO, 'build', 'controls', `${define}-${hash.digest('hex').slice(0, 12)}`);
  const target = path.join(out, `${variant}.exe`);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(out, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(out, `.build-${variant}-`));
    try {
      execFileSync('sh', [path.join(REPO, 'stub', 'build.sh'), variant], {
        env: { ...process.env, OUT: tmp, CFLAGS_EXTRA: `-D${define}` },
        stdio: 'pipe',
      });
      fs.renameSync(path.join(tmp, `${variant}.exe`), target);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  controlCache.set(key, out);
  return out;
}

/** distlib's base launchers in this machine's pip, or the reason they are not there. */
export function distlibDir(): { dir: string } | { reason: string } {
  const r = spawnSync('python3', ['-c', 'import os, pip._vendor.distlib as d; print(os.path.dirname(d.__file__))'], { encoding: 'utf8' });
  const dir = r.stdout?.trim();
  if (r.status !== 0 || !dir || !fs.existsSync(path.join(dir, 't64.exe'))) {
    return { reason: 'no distlib launchers: python3 with pip (pip/_vendor/distlib/t64.exe) is not installed' };
  }
  return { dir };
}

/** A distlib launcher as ScriptMaker writes it: t64.exe (or `baseName`, e.g. t32.exe) +
 * `#!"<python>"\n` + a zip with __main__.py. `python`: a Windows path, or a Linux one (converted). */
export function distlibLauncher(file: string, baseDir: string, python: string, baseName = 't64.exe'): string {
  const base = fs.readFileSync(path.join(baseDir, baseName));
  const shebang = Buffer.from(`#!"${asWindowsPath(python)}"\n`, 'utf8');
  // distlib finds the shebang by the zip's own offsets, which are relative to the zip's start.
  const zip = encodeZip([{ name: '__main__.py', data: new TextEncoder().encode('print("hello")\n') }]);
  fs.writeFileSync(file, Buffer.concat([base, shebang, zip]));
  return file;
}

/** The arguments of the round trip: every character class a shell or a parser gets wrong. */
export const NASTY_ARGS: readonly string[] = [
  '', 'plain', 'two words', '  leading', 'trailing  ', '\ttab', 'in\tside', '"', '""', '"quoted"',
  'a"b', 'a""b', '\\', '\\\\', 'trailing\\', 'trailing\\\\', 'C:\\Program Files\\', '\\"', '\\\\"',
  'a\\"b', 'a\\\\"b', 'a\\\\\\"b', '\\\\server\\share', 'x\\ y', '&', 'a&b', '^', 'a^b', '^^',
  '%', '%PATH%', '%%', '!', '!PATH!', '<', '>', '|', 'a|b', '<in >out', '(', ')', '()', ';', ',',
  '=', 'a=b', "'", "'single quoted'", '`', '$HOME', '*', '?', '[x]', '{y}', '~', '#', 'é',
  'naïve café', '日本語', 'Ωmega', '😀', 'a😀b "😀"', '\u00a0nbsp', '--flag=value with space',
  '-', '--', 'x'.repeat(5000),
];

/** The well-formed block's name in fdBlockCases(). */
export const WELL_FORMED = 'well-formed, pipe at fd 3';

/**
 * The fd-block matrix (the seed, uv PR 6955) for a launcher whose handles are `pointerSize`
 * bytes (8: x64/arm64, 4: x86): a well-formed block with the pipe (PIPE_SENTINEL or
 * PIPE_SENTINEL_32, patched by the harness) at fd 3, and hostile blocks.
 */
export function fdBlockCases(pointerSize: PointerSize): Record<string, Uint8Array> {
  const pipe = pointerSize === 8 ? PIPE_SENTINEL : PIPE_SENTINEL_32;
  const pipeAt3: FdEntry[] = [
    { flags: 0, handle: -1n },
    { flags: 0, handle: -1n },
    { flags: 0, handle: -1n },
    { flags: FdFlag.open | FdFlag.pipe, handle: pipe },
  ];
  return {
    [WELL_FORMED]: encodeRawFdBlock({ count: 4, entries: pipeAt3, pointerSize }),
    'N too large for cbReserved2': encodeRawFdBlock({ count: 200, entries: pipeAt3, pointerSize }),
    'N = 0x7fffffff': encodeRawFdBlock({ count: 0x7fffffff, entries: pipeAt3, pointerSize }),
    'N = -5': encodeRawFdBlock({ count: -5, entries: pipeAt3, pointerSize }),
    'cbReserved2 = 2': encodeRawFdBlock({ count: 4, entries: pipeAt3, pointerSize, totalSize: 2 }),
    'NULL, -1, -2 and junk handles': encodeRawFdBlock({
      count: 8,
      entries: [
        ...pipeAt3,
        { flags: FdFlag.open, handle: 0n },
        { flags: FdFlag.open, handle: -1n },
        { flags: FdFlag.open, handle: -2n },
        { flags: FdFlag.open, handle: 0x12345678n },
      ],
      pointerSize,
    }),
    'Cygwin-style block (first int 0)': (() => {
      const b = new Uint8Array(64).fill(0xa5);
      b.set([0, 0, 0, 0], 0);
      return b;
    })(),
  };
}

/** Exit codes that mean a crash (access violation, stack buffer overrun, heap corruption, stack overflow). */
export const CRASH_CODES: ReadonlySet<number> = new Set([0xc0000005, 0xc0000409, 0xc0000374, 0xc00000fd]);

/** One cell of the fd-block matrix for a well-formed block: crash, hang, or when EOF came. */
export function describeFdResult(r: FdBlockReport): string {
  if (CRASH_CODES.has(r.exitCode)) return `crash 0x${r.exitCode.toString(16)}`;
  if (r.timedOut) return 'hung';
  const eof = r.aliveAtEof ? `EOF while alive (${r.eofMs} ms)` : `EOF at exit (${r.eofMs} ms)`;
  return `exit ${r.exitCode}, ${eof}`;
}

/** One cell of the fd-block matrix for a hostile block run in front of rawchild. */
export function describeHostileResult(r: FdBlockReport): string {
  return CRASH_CODES.has(r.exitCode) ? `CRASH 0x${r.exitCode.toString(16)}` : r.timedOut ? 'hung' : `ok (child exit ${r.exitCode})`;
}
