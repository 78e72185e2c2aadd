/**
 * `bounce relocate`: rewrite the interpreter path of every launcher found, each in its own
 * format (issue 3). A venv moved to another folder, or a Python upgraded in place, leaves pip's
 * launchers pointing at the old interpreter; this puts the new path in, on any operating system.
 *
 * Mapping: `--from OLD --to NEW` replaces the prefix OLD of the stored interpreter path, compared
 * case-insensitively (Windows paths are) with `\` and `/` alike, on a path-component boundary;
 * the rest of the path takes the separators of NEW.
 *
 * Safety: every file of a launcher is computed before any is written, and each is replaced
 * atomically (src/atomic.ts); a launcher that fails is left as it was. Files that are not
 * launchers, and launchers whose format stores no interpreter path (posy), are reported and left
 * byte-identical. A signed .exe is not rewritten unless `force`: then its certificate is removed
 * first and the report says the signature is gone.
 */
import { stat } from 'node:fs/promises';
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
import { expandPaths, inspectPath, type Launcher } from './inspect.js';
import { stripCertificate } from './pe.js';

export interface RelocateOptions {
  from: string;
  to: string;
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
function rewrite(path: string, launcher: Launcher, interpreter: string, force: boolean): { writes: Write[]; signatureRemoved: boolean } {
  const exe = (retarget: (bytes: Uint8Array, to: string, p?: string) => Uint8Array) => {
    let bytes = readBytes(path);
    let signatureRemoved = false;
    if (launcher.signed) {
      if (!force) throw new SignedFileError(path);
      bytes = stripCertificate(bytes, path);
      signatureRemoved = true;
    }
    return { writes: [{ path, bytes: retarget(bytes, interpreter, path) }], signatureRemoved };
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

async function relocateOne(path: string, opts: RelocateOptions): Promise<RelocateResult> {
  const report = await inspectPath(path);
  const base: RelocateResult = { path, format: report.format, status: 'skipped', before: null, after: null, reason: null, written: [], signatureRemoved: false };
  if (report.format === 'unknown') {
    const unreadable = report.reason.startsWith('cannot read');
    return { ...base, status: unreadable ? 'failed' : 'skipped', reason: report.reason };
  }
  if (report.interpreter === null) return { ...base, reason: `a ${report.format} launcher stores no interpreter path` };
  const after = mapPrefix(report.interpreter, opts.from, opts.to);
  if (after === null || after === report.interpreter) return { ...base, status: 'unchanged', before: report.interpreter };
  try {
    const { writes, signatureRemoved } = rewrite(path, report, after, opts.force ?? false);
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
  if (opts.from === '') throw invalidInput('--from must not be empty');
  const results: RelocateResult[] = [];
  for (const path of await expandPaths(paths, { recursive: true })) results.push(await relocateOne(path, opts));
  return results;
}
