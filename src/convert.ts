/**
 * `bounce convert`: replace the Python launchers of distlib (pip), uv (resource and trailer
 * forms) and setuptools by Bounce launchers that do the same thing (issue 3): the same
 * interpreter, its stored arguments as our fixed arguments, the same `__main__.py`, the same
 * console/GUI subsystem and the same architecture. This is how an existing environment gets
 * launchers that survive malformed fd blocks, on any operating system.
 *
 * The script. The original `__main__.py` is carried over byte for byte (setuptools: the
 * `-script.py[w]` file becomes `__main__.py`), never regenerated from the entry point, even where
 * the script is a standard one (`entryPoint` not null). Reasons: behaviour stays identical where
 * the templates differ (distlib's `re.sub` strips `-script.py`/`.exe` case-sensitively, ours
 * case-insensitively; distlib's pre-0.3 template catches exceptions and exits 1; uv's never
 * strips `-script.py`); scripts that are not entry points (distlib's copied scripts, setuptools'
 * `load_entry_point` template, hand-written ones) convert the same way; and the converted file
 * reads back with the same `script` and `entryPoint`. CPython runs a `#!` or `# -*- coding` line
 * at the top of `__main__.py` exactly as it ran it in the original. Only `__main__.py` is carried:
 * a zip holding anything else fails (its other files would be lost), and the entry is read with
 * the launcher's size as its limit (the zip is as hostile as any input).
 *
 * The interpreter, which Bounce stores as an absolute path or one relative to the launcher's
 * folder and starts without searching:
 * - absolute: kept;
 * - distlib `<launcher_dir>\x` and uv's relative paths (relative to the launcher's folder): kept;
 * - setuptools' relative paths (its launcher resolves them against the folder ABOVE its own,
 *   `Scripts\..`): `..\` + the path; the launcher also lets CreateProcess add `.exe` and splits an
 *   unquoted path at a space (setuptools issue 622), which Bounce, starting an exact path, cannot
 *   do: an interpreter not ending in `.exe` fails;
 * - searched (distlib's bare `python.exe`, `/usr/bin/env python3`) or relative to the caller's
 *   current folder (distlib's `..\python.exe` without `<launcher_dir>`): cannot be expressed, the
 *   launcher fails with that reason.
 * uv's python proxies (kind proxy, `python.exe` in a uv venv) become Bounce proxy launchers.
 *
 * Kept differences, inherent to the formats: a setuptools script used to run as
 * `python [args] "...\name-script.py" ...` and now runs as the zipapp `"...\name.exe"`, so
 * `sys.argv[0]` names the .exe (setuptools' template strips `-script.py` and `.exe` alike, so the
 * program sees the same name), `__file__` is `...\name.exe\__main__.py`, and `sys.path[0]` is the
 * launcher, not the Scripts folder (a script importing a module kept beside it in Scripts would
 * no longer find it). The unquoted-path bug of setuptools' launcher is gone.
 *
 * Safety, as in relocate: everything is computed (and the new launcher read back) before
 * anything is written; the .exe is replaced atomically, keeping its file mode; a launcher that
 * fails is left as it was. A signed .exe fails: the new file could not carry its signature. For
 * setuptools the new .exe is written first, and the `-script.py[w]` (and `name.exe.manifest`,
 * whose asInvoker our stub embeds) are deleted only after that succeeded; if one of them cannot
 * be deleted the launcher is converted but the row is 'failed', naming the file left behind.
 * Every other file, Bounce's own launchers included, is reported as 'skipped' and left
 * byte-identical. With `dryRun` nothing is written or deleted; the rows say what would be.
 */
import { stat, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { buildLauncher, type LauncherSpec } from './build.js';
import { badFormat, BounceError, invalidInput } from './errors.js';
import { readSidecar } from './formats/sidecar.js';
import type { ForeignLauncher } from './formats/types.js';
import { uvScriptZip } from './formats/uv.js';
import { expandPaths, readLauncherFile, type Launcher } from './inspect.js';
import type { Machine } from './pe.js';
import { readBounceLauncher } from './read.js';
import { isArch } from './stubs.js';
import { storedWindowsPath } from './winpath.js';
import { decodeZip, locateZip } from './zip.js';

export interface ConvertOptions {
  /** Report what would be converted; write and delete nothing. */
  dryRun?: boolean;
}

export type ConvertStatus = 'converted' | 'skipped' | 'failed';

export interface ConvertResult {
  path: string;
  format: Launcher['format'] | 'unknown';
  /** converted: done (or, with dryRun, would be); skipped: not a launcher convert replaces;
   * failed: cannot be converted (left as it was), or converted but a sidecar was left behind. */
  status: ConvertStatus;
  /** The interpreter the Bounce launcher stores (converted), else the original's as stored;
   * null when there is none. */
  interpreter: string | null;
  /** `module:attr` when the script is a standard entry-point script (the same before and after). */
  entryPoint: string | null;
  gui: boolean | null;
  arch: Machine | null;
  /** Why a file was skipped or failed. */
  reason: string | null;
  /** Files deleted after the new launcher was written (setuptools' script and manifest); with
   * dryRun, those that would be. */
  removed: string[];
}

const CONVERTIBLE = new Set<Launcher['format']>(['distlib', 'uv', 'uv-trailer', 'setuptools']);

/** The interpreter path the Bounce launcher stores for `l`; throws invalidInput when none can. */
export function convertedInterpreter(l: ForeignLauncher): string {
  const stored = l.interpreter;
  if (stored === null) throw invalidInput('the launcher stores no interpreter');
  if (l.interpreterSearched) {
    throw invalidInput(
      `the interpreter ${JSON.stringify(stored)} is searched on PATH, which a Bounce launcher never does: ` +
        `store its path first (bounce relocate --from ${stored} --to C:\\...\\python.exe), then convert`,
    );
  }
  if (l.format === 'setuptools') {
    if (!/\.exe$/i.test(stored)) {
      throw invalidInput(
        `setuptools' launcher hands ${JSON.stringify(stored)} to CreateProcess, which adds .exe or splits an unquoted path at a space; ` +
          'a Bounce launcher starts an exact path: put the full python.exe path (quoted if it has spaces) in the #! line first',
      );
    }
    // Relative to the folder above the launcher's (Scripts\..), so one more level up for us.
    return storedWindowsPath(l.interpreterRelative ? `..\\${stored}` : stored, 'interpreter');
  }
  if (l.interpreterRelative === null) {
    throw invalidInput(`the interpreter ${JSON.stringify(stored)} is relative to the caller's current folder, which a Bounce launcher cannot express`);
  }
  return storedWindowsPath(stored, 'interpreter');
}

/** The zip (or the bytes ending in it) that holds the launcher's `__main__.py`. */
function zipRegion(l: ForeignLauncher, bytes: Uint8Array, path: string): Uint8Array {
  if (l.format === 'distlib') return bytes;
  const zip = uvScriptZip(bytes, path);
  if (zip === null) throw invalidInput('the uv launcher carries no script', path);
  return zip;
}

/** The raw bytes of the zip's `__main__.py`, refusing a zip that holds anything else. */
function zippedMain(region: Uint8Array, fileSize: number, path: string): Uint8Array {
  const count = locateZip(region, path).localOffsetFields.length;
  const main = decodeZip(region, path, { names: ['__main__.py'], maxEntrySize: fileSize }).find((e) => e.name === '__main__.py');
  if (main === undefined) throw invalidInput('the launcher has no __main__.py to carry over', path);
  if (count !== 1) throw invalidInput(`the launcher's zip holds ${count} files; convert carries only __main__.py, so the others would be lost`, path);
  return main.data;
}

/** The original `__main__.py` bytes (setuptools: the `-script.py[w]` file). */
function mainBytes(l: ForeignLauncher, bytes: Uint8Array, path: string): Uint8Array {
  if (l.format === 'setuptools') {
    const script = l.script === null ? null : readSidecar(l.script);
    if (script === null) throw invalidInput('the -script.py file beside the launcher is missing', path);
    return script;
  }
  if (l.kind === 'script' && l.script === null) throw invalidInput('the launcher carries no script (no zip)', path);
  return zippedMain(zipRegion(l, bytes, path), bytes.length, path);
}

/** The Bounce launcher replacing `l` (read from `bytes` at `path`), read back and checked. */
export function convertedLauncher(l: ForeignLauncher, bytes: Uint8Array, path: string): { bytes: Uint8Array; interpreter: string } {
  if (!CONVERTIBLE.has(l.format)) throw invalidInput(`a ${l.format} launcher is not a Python launcher convert replaces`, path);
  if (l.signed) throw invalidInput('the file is signed (Authenticode): the converted launcher could not carry the signature', path);
  const arch: string | null = l.arch;
  if (arch === null || !isArch(arch)) throw invalidInput(`no Bounce stub for this machine (${arch ?? 'none'})`, path);
  if (l.gui === null) throw badFormat('the launcher does not say whether it is a console or GUI program', path);
  let interpreter: string;
  try {
    interpreter = convertedInterpreter(l);
  } catch (e) {
    if (e instanceof BounceError && e.path === undefined) throw new BounceError(e.kind, e.message, path);
    throw e;
  }
  const spec: LauncherSpec = { kind: l.kind === 'proxy' ? 'proxy' : 'script', program: interpreter, args: l.interpreterArgs, gui: l.gui, arch };
  let main: Uint8Array | null = null;
  if (spec.kind === 'script') {
    main = mainBytes(l, bytes, path);
    spec.files = [{ name: '__main__.py', data: main }];
  }
  const out = buildLauncher(spec);
  // Read it back: the same interpreter, arguments, subsystem, machine, script and entry point.
  const back = readBounceLauncher(out, path);
  const same =
    back.kind === spec.kind &&
    back.interpreter === interpreter &&
    JSON.stringify(back.interpreterArgs) === JSON.stringify(l.interpreterArgs) &&
    back.gui === l.gui &&
    back.arch === l.arch &&
    back.entryPoint === (spec.kind === 'script' ? l.entryPoint : null) &&
    back.script === (main === null ? null : new TextDecoder().decode(main));
  if (!same) throw badFormat('the converted launcher does not read back as the original (a bug)', path);
  return { bytes: out, interpreter };
}

function errnoCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}

async function convertOne(path: string, opts: ConvertOptions): Promise<ConvertResult> {
  // Read once: what is inspected is what is converted.
  const { report, bytes } = await readLauncherFile(path);
  const none = { path, format: 'unknown', interpreter: null, entryPoint: null, gui: null, arch: null, removed: [] } as const;
  // As `inspect` says it: an unreadable file fails, anything else not a launcher is skipped.
  if (report.format === 'unknown' || bytes === null) {
    return { ...none, status: bytes === null ? 'failed' : 'skipped', reason: report.format === 'unknown' ? report.reason : null, removed: [] };
  }
  const base: ConvertResult = {
    path,
    format: report.format,
    status: 'skipped',
    interpreter: report.interpreter,
    entryPoint: report.entryPoint,
    gui: report.gui,
    arch: report.arch,
    reason: null,
    removed: [],
  };
  if (report.format === 'bounce') return { ...base, reason: 'already a Bounce launcher' };
  if (!CONVERTIBLE.has(report.format)) return { ...base, reason: `a ${report.format} launcher is not a Python launcher convert replaces` };
  const self = resolve(path);
  const sidecars = report.files.filter((f) => resolve(f) !== self);
  let interpreter: string;
  try {
    const built = convertedLauncher(report, bytes, path);
    interpreter = built.interpreter;
    if (opts.dryRun) return { ...base, status: 'converted', interpreter, removed: sidecars };
    const mode = await stat(path).then(
      (st) => st.mode & 0o7777,
      (e: unknown) => {
        throw new BounceError('io', `cannot read file: ${errnoCode(e)}`, path);
      },
    );
    await writeFileAtomic(path, built.bytes, { mode });
  } catch (e) {
    if (!(e instanceof BounceError)) throw e;
    return { ...base, status: 'failed', reason: e.message.replace(`${path}: `, '') };
  }
  // The new launcher is in place: only now may the files the old one needed go.
  const removed: string[] = [];
  const left: string[] = [];
  for (const f of sidecars) {
    try {
      await unlink(f);
      removed.push(f);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') left.push(`${f} (${errnoCode(e)})`);
    }
  }
  if (left.length > 0) {
    return { ...base, status: 'failed', interpreter, removed, reason: `converted, but could not delete ${left.join(', ')}` };
  }
  return { ...base, status: 'converted', interpreter, removed };
}

/** Converts every distlib, uv and setuptools launcher under `paths` (folders recursively), one
 * result per candidate file. */
export async function convert(paths: readonly string[], opts: ConvertOptions = {}): Promise<ConvertResult[]> {
  const results: ConvertResult[] = [];
  for (const path of await expandPaths(paths, { recursive: true })) results.push(await convertOne(path, opts));
  return results;
}
