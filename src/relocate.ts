/**
 * `bounce relocate`: rewrite the interpreter path of every launcher found, each in its own
 * format (issue 3). A venv moved to another folder, or a Python upgraded in place, leaves pip's
 * launchers pointing at the old interpreter; this puts the new path in, on any operating system.
 *
 * Mapping, one of three. `--from OLD --to NEW` replaces the prefix OLD of the stored interpreter
 * path, compared
 * case-insensitively (Windows paths are) with `\` and `/` alike, on a path-component boundary;
 * the rest of the path takes the separators of NEW. `--relative` stores each absolute interpreter
 * relative to its launcher's folder (setuptools: to the folder above, as its launcher resolves
 * it), `--absolute` the reverse; both need the launchers' folder on the Windows machine, which
 * is their own path on Windows and `--at` elsewhere. An interpreter searched on PATH (a bare
 * name, `/usr/bin/env`) is not a path: left as it is.
 *
 * Safety: every file of a launcher is computed before any is written, and each is replaced
 * atomically (src/atomic.ts); a launcher that fails is left as it was. Files that are not
 * launchers, and launchers whose format stores no interpreter path (posy), are reported and left
 * byte-identical. A signed .exe is not rewritten unless `force`: then its certificate is removed
 * first and the report says the signature is gone.
 */
import { stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep, win32 } from 'node:path';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { retargetBounce } from './build.js';
import { BounceError, invalidInput, SignedFileError } from './errors.js';
import { retargetBun } from './formats/bun.js';
import { retargetCmdShim } from './formats/cmdshim.js';
import { retargetDistlib } from './formats/distlib.js';
import { retargetScoop } from './formats/scoop.js';
import { retargetSetuptools } from './formats/setuptools.js';
import { retargetUv, retargetUvTrailer } from './formats/uv.js';
import { expandPaths, readLauncherFile, type Launcher } from './inspect.js';
import { stripCertificate } from './pe.js';
import { isAbsoluteWindowsPath } from './winpath.js';

export interface RelocateOptions {
  /** Prefix mapping: the stored prefix `from` becomes `to`. */
  from?: string;
  to?: string;
  /** Store each interpreter relative to its launcher (instead of from/to). */
  relative?: boolean;
  /** Store each interpreter as an absolute path (instead of from/to). */
  absolute?: boolean;
  /** With relative/absolute: the Windows path of the folder named (each PATH that is a folder,
   * or the folder of each file named) on the machine the launchers will run on. Needed except on
   * Windows, where the launchers' own paths are used. */
  at?: string;
  /** Report what would change, write nothing. */
  dryRun?: boolean;
  /** Rewrite signed files too, removing their signature. */
  force?: boolean;
}

export type RelocateStatus = 'changed' | 'unchanged' | 'skipped' | 'failed';

export interface RelocateResult {
  path: string;
  format: Launcher['format'] | 'unknown';
  status: RelocateStatus;
  /** The interpreter as stored before, and as stored after (changed, or would be with dryRun). */
  before: string | null;
  after: string | null;
  /** Why a file was skipped or failed. */
  reason: string | null;
  /** The files written (or that would be). */
  written: string[];
  /** True when a signature was removed to rewrite the file (force). */
  signatureRemoved: boolean;
}

const slashes = (p: string): string => p.replace(/\//g, '\\');

/**
 * `interpreter` with the prefix `from` replaced by `to`, or null when it does not start with
 * `from` (case-insensitive, either slash, ending on a component boundary).
 */
export function mapPrefix(interpreter: string, from: string, to: string): string | null {
  const oldPrefix = slashes(from).replace(/\\+$/, '');
  const stored = slashes(interpreter);
  if (oldPrefix === '') return null;
  if (stored.toLowerCase() === oldPrefix.toLowerCase()) return to;
  if (!stored.toLowerCase().startsWith(`${oldPrefix.toLowerCase()}\\`)) return null;
  // The result is written in the separators of `to`: a path with both is valid but confusing.
  const sep = to.includes('/') && !to.includes('\\') ? '/' : '\\';
  const rest = interpreter.slice(oldPrefix.length + 1).replace(/[\\/]/g, sep);
  return `${to.replace(/[\\/]+$/, '')}${sep}${rest}`;
}

type Write = { path: string; bytes: Uint8Array };

const readBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** The files to write for `launcher` at `path` with `interpreter` stored; throws BounceError. */
function rewrite(path: string, bytes: Uint8Array, launcher: Launcher, interpreter: string, force: boolean): { writes: Write[]; signatureRemoved: boolean } {
  const exe = (retarget: (bytes: Uint8Array, to: string, p?: string) => Uint8Array) => {
    let file = bytes;
    let signatureRemoved = false;
    if (launcher.signed) {
      if (!force) throw new SignedFileError(path);
      file = stripCertificate(file, path);
      signatureRemoved = true;
    }
    return { writes: [{ path, bytes: retarget(file, interpreter, path) }], signatureRemoved };
  };
  const sidecar = (pick: (f: string) => boolean, retarget: (bytes: Uint8Array, to: string, p?: string) => Uint8Array) => {
    const file = launcher.files.find(pick);
    if (file === undefined) throw invalidInput('the launcher file that holds the interpreter is missing', path);
    return { writes: [{ path: file, bytes: retarget(readBytes(file), interpreter, file) }], signatureRemoved: false };
  };
  switch (launcher.format) {
    case 'bounce':
      return exe(retargetBounce);
    case 'uv':
      return exe(retargetUv);
    case 'uv-trailer':
      return exe(retargetUvTrailer);
    case 'distlib':
      return exe(retargetDistlib);
    case 'setuptools':
      return sidecar((f) => /-script\.pyw?$/i.test(f), retargetSetuptools);
    case 'scoop':
      return sidecar((f) => /\.shim$/i.test(f), retargetScoop);
    case 'bun':
      return sidecar((f) => /\.bunx$/i.test(f), retargetBun);
    case 'cmd-shim':
      return { writes: retargetCmdShim(launcher.files.map((f) => ({ path: f, bytes: readBytes(f) })), interpreter), signatureRemoved: false };
    case 'posy':
      throw invalidInput('a posy launcher carries no interpreter path', path);
  }
}

/** The interpreter to store for `launcher` at `winFolder` (its folder on the target machine), or
 * a reason to leave it as it is; throws invalidInput when it cannot be expressed. */
function newInterpreter(launcher: Launcher, winFolder: string | null, opts: RelocateOptions): { to: string } | { keep: string } {
  const stored = launcher.interpreter!;
  if (!opts.relative && !opts.absolute) {
    const to = mapPrefix(stored, opts.from ?? '', opts.to ?? '');
    return to === null || to === stored ? { keep: 'no such prefix' } : { to };
  }
  if (launcher.interpreterSearched) return { keep: 'searched on PATH, not a path' };
  // setuptools resolves a relative interpreter against the parent of the launcher's folder.
  const base = launcher.format === 'setuptools' ? win32.dirname(winFolder!) : winFolder!;
  const isAbsolute = isAbsoluteWindowsPath(stored);
  if (opts.absolute) return isAbsolute ? { keep: 'already absolute' } : { to: win32.resolve(base, stored) };
  if (!isAbsolute) return { keep: 'already relative' };
  const rel = win32.relative(base, stored);
  if (rel === '' || isAbsoluteWindowsPath(rel) || /^[A-Za-z]:/.test(rel)) {
    throw invalidInput(`${stored} cannot be written relative to ${base} (another drive or share)`);
  }
  return { to: rel };
}

/** The Windows folder of `launcherPath` on the target machine (see RelocateOptions.at). */
function targetFolder(launcherPath: string, root: string, opts: RelocateOptions): string | null {
  if (!opts.relative && !opts.absolute) return null;
  const dir = dirname(resolve(launcherPath));
  if (opts.at === undefined) return dir; // on Windows (relocate() checked)
  const sub = relative(resolve(root), dir);
  return win32.join(opts.at, ...sub.split(sep).filter((p) => p !== ''));
}

async function relocateOne(path: string, root: string, opts: RelocateOptions): Promise<RelocateResult> {
  // Read once: what is inspected is what is rewritten.
  const { report, bytes } = await readLauncherFile(path);
  const base: RelocateResult = { path, format: report.format, status: 'skipped', before: null, after: null, reason: null, written: [], signatureRemoved: false };
  if (report.format === 'unknown' || bytes === null) {
    return { ...base, status: bytes === null ? 'failed' : 'skipped', reason: report.format === 'unknown' ? report.reason : null };
  }
  if (report.interpreter === null) return { ...base, reason: `a ${report.format} launcher stores no interpreter path` };
  let after: string | null = null;
  try {
    const next = newInterpreter(report, targetFolder(path, root, opts), opts);
    if ('keep' in next) return { ...base, status: 'unchanged', before: report.interpreter, reason: next.keep };
    after = next.to;
    const { writes, signatureRemoved } = rewrite(path, bytes, report, after, opts.force ?? false);
    if (!opts.dryRun) {
      for (const w of writes) {
        const mode = (await stat(w.path)).mode & 0o7777;
        await writeFileAtomic(w.path, w.bytes, { mode });
      }
    }
    return { ...base, status: 'changed', before: report.interpreter, after, written: writes.map((w) => w.path), signatureRemoved };
  } catch (e) {
    if (!(e instanceof BounceError)) throw e;
    return { ...base, status: 'failed', before: report.interpreter, after, reason: e.message.replace(`${path}: `, '') };
  }
}

/** Relocates every launcher under `paths` (folders recursively), one result per candidate file. */
export async function relocate(paths: readonly string[], opts: RelocateOptions): Promise<RelocateResult[]> {
  const modes = [opts.from !== undefined || opts.to !== undefined, opts.relative === true, opts.absolute === true].filter(Boolean).length;
  if (modes !== 1) throw invalidInput('give exactly one of --from/--to, --relative or --absolute');
  if (!opts.relative && !opts.absolute && (!opts.from || opts.to === undefined)) throw invalidInput('--from and --to go together, and --from must not be empty');
  if ((opts.relative || opts.absolute) && opts.at === undefined && process.platform !== 'win32') {
    throw invalidInput('--relative and --absolute need --at WINDOWS_FOLDER (where the folder named is on the Windows machine) when not run on Windows');
  }
  if (opts.at !== undefined && !isAbsoluteWindowsPath(opts.at)) throw invalidInput(`--at must be an absolute Windows path (C:\\... or \\\\server\\...), not ${opts.at}`);
  const results: RelocateResult[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    const root = info?.isDirectory() ? p : dirname(p);
    for (const path of await expandPaths([p], { recursive: true })) results.push(await relocateOne(path, root, opts));
  }
  return results;
}
