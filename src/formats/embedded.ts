/**
 * What the formats whose payload sits inside the .exe (uv.ts, distlib.ts, posy.ts) share: the PE
 * headers (or "not a PE at all"), where the loader's image ends and the overlay begins, the facts
 * every such launcher reports from its headers, the zipapp's `__main__.py`, and the refusal to
 * rewrite a signed file.
 *
 * Decisions:
 * - A file that does not start with `MZ` is not in any of these formats (the readers return
 *   null); one that does but whose headers are damaged is a damaged PE (parsePe's badFormat
 *   propagates), so `bounce inspect` can say why.
 * - The overlay is what follows the last section's raw data: distlib, posy and uv's old trailer
 *   append their payload there; the loader never maps it. A certificate table (Authenticode) is
 *   appended after it, so the overlay ends where the table starts.
 * - `__main__.py` is decoded as UTF-8 with replacement characters: it is shown to the user and
 *   matched against the entry-point templates, never executed or rewritten by us.
 */
import { resolve } from 'node:path';
import { SignedFileError } from '../errors.js';
import { parsePe, type PeImage } from '../pe.js';
import { parseEntryPointScript } from '../python/script.js';
import { decodeZip } from '../zip.js';
import type { ForeignLauncher } from './types.js';

/** The PE headers of `bytes`, or null when the file is not a PE at all (no `MZ`). */
export function peOrNull(bytes: Uint8Array, path: string | undefined): PeImage | null {
  if (bytes.length < 2 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return null;
  return parsePe(bytes, path);
}

/** File offset where the loader's image ends: the end of the last section's raw data (or of the
 * section table when no section has any), never past the end of the file. */
export function imageEnd(image: PeImage, fileLength: number): number {
  const last = image.sections[image.sections.length - 1];
  let end = last === undefined ? image.offsets.directories : last.headerOffset + 40;
  for (const s of image.sections) if (s.rawSize > 0) end = Math.max(end, s.rawPointer + s.rawSize);
  return Math.min(end, fileLength);
}

/** File offset where the overlay ends: the certificate table's start when the file is signed and
 * the table lies after the image, else the end of the file. */
export function overlayEnd(image: PeImage, fileLength: number): number {
  const cert = image.certificate;
  const start = imageEnd(image, fileLength);
  return cert !== null && cert.offset >= start && cert.offset <= fileLength ? cert.offset : fileLength;
}

/** The fields a PE-based launcher reports from its headers and its name. */
export function peFacts(image: PeImage, path: string): Pick<ForeignLauncher, 'arch' | 'gui' | 'signed' | 'files'> {
  return { arch: image.machine, gui: image.subsystem === 2, signed: image.certificate !== null, files: [resolve(path)] };
}

/**
 * The text of a zip's `__main__.py` and the entry point it runs (null when it has none or it is
 * not a standard entry-point script). A damaged zip is badFormat. Only `__main__.py` is read, and
 * it may not claim more bytes than the whole launcher file (`fileSize`): a hostile zip cannot
 * make us inflate more than the file we were given.
 */
export function mainScript(zip: Uint8Array, fileSize: number, path: string | undefined): Pick<ForeignLauncher, 'script' | 'entryPoint'> {
  const main = decodeZip(zip, path, { names: ['__main__.py'], maxEntrySize: fileSize }).find((e) => e.name === '__main__.py');
  if (main === undefined) return { script: null, entryPoint: null };
  const script = new TextDecoder('utf-8').decode(main.data);
  const ep = parseEntryPointScript(script);
  return { script, entryPoint: ep === null ? null : `${ep.module}:${ep.attr}` };
}

/** Every rewrite invalidates an Authenticode signature: refuse, and let the caller decide. */
export function refuseSigned(image: PeImage, path: string | undefined): void {
  if (image.certificate !== null) throw new SignedFileError(path);
}
