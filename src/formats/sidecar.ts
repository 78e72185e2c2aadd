/**
 * Shared by the formats whose payload is a file beside the launcher (setuptools, Bun, Scoop,
 * cmd-shim): reading a sidecar file with a size limit, and small text helpers.
 *
 * Decisions:
 * - A sidecar is looked up under its exact name (`name.bunx`, `name-script.py`, ...). Windows
 *   matches names case-insensitively, so on Windows any case works; on a case-sensitive file
 *   system the sidecar must have the case the launcher itself would ask for (each launcher
 *   derives the name from its own file name by replacing the extension).
 * - Sidecars are read synchronously (the readers are synchronous) and refused above 1 MiB
 *   (BounceError badFormat): real ones are tens to hundreds of bytes, and a hostile folder must
 *   not make `bounce inspect` read a huge file into memory. The size is checked before reading.
 * - A missing sidecar (ENOENT, ENOTDIR) is "not this format" (null); a sidecar that exists but
 *   cannot be read is an io error naming it.
 */
import { readFileSync, statSync } from 'node:fs';
import { BounceError, badFormat } from '../errors.js';
import { parsePe, type PeImage } from '../pe.js';

/** Largest sidecar the readers accept. */
export const MAX_SIDECAR_BYTES = 1024 * 1024;

function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether a regular file exists at `path` (anything unreadable counts as absent). */
export function fileExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The bytes of the sidecar at `path`, or null when there is no such file. Throws BounceError
 * badFormat when it is larger than MAX_SIDECAR_BYTES or not a regular file, io when it cannot
 * be read.
 */
export function readSidecar(path: string): Uint8Array | null {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw badFormat('sidecar is not a regular file', path);
    size = st.size;
  } catch (err) {
    if (err instanceof BounceError) throw err;
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new BounceError('io', `cannot read file (${code ?? 'error'})`, path);
  }
  if (size > MAX_SIDECAR_BYTES) throw badFormat(`sidecar is ${size} bytes, more than the ${MAX_SIDECAR_BYTES} accepted`, path);
  try {
    const bytes = new Uint8Array(readFileSync(path));
    // The file may have grown between stat and read.
    if (bytes.length > MAX_SIDECAR_BYTES) throw badFormat(`sidecar is more than the ${MAX_SIDECAR_BYTES} bytes accepted`, path);
    return bytes;
  } catch (err) {
    if (err instanceof BounceError) throw err;
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new BounceError('io', `cannot read file (${code ?? 'error'})`, path);
  }
}

/** Strict UTF-8 decoding; null for invalid UTF-8. A leading BOM is kept (callers decide). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** `path` with a final `.exe` (any case) removed, or null when it does not end in `.exe`. */
export function exeStem(path: string): string | null {
  return /\.exe$/i.test(path) ? path.slice(0, -4) : null;
}

/**
 * For the `.exe` at `path` (content `bytes`) with a `<name><ext>` file beside it: its PE image and
 * the sidecar's path and bytes. Null when `path` is not a `.exe` or there is no such sidecar.
 */
export function exeWithSidecar(path: string, bytes: Uint8Array, ext: string): { image: PeImage; sidecar: string; data: Uint8Array } | null {
  const stem = exeStem(path);
  if (stem === null) return null;
  const sidecar = `${stem}${ext}`;
  if (!fileExists(sidecar)) return null;
  const image = parsePe(bytes, path);
  const data = readSidecar(sidecar);
  return data === null ? null : { image, sidecar, data };
}

/** C0 controls and DEL: never valid in a stored path or command. */
export const CONTROL_CHARS = /[\x00-\x1f\x7f]/;
