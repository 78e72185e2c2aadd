/**
 * posy's Windows trampoline (njsmith/posy, src/trampolines/mod.rs `windows_trampoline`): the
 * trampoline exe followed by a zip with __main__.py, written on its own (stored, offsets relative
 * to the zip's start), and nothing else. Sources: issue 3; research/python-launchers.md §4;
 * research/uv-trampoline.md §1.3 (uv 0.0.5 to 0.1.7 wrote the same layout with its fork of it).
 *
 * There is no interpreter in the file: posy's trampoline runs `%POSY_PYTHON%` (console) or
 * `%POSY_PYTHONW%` (GUI); uv's early fork ran python.exe / pythonw.exe beside the launcher. The
 * two cannot be told apart by their layout, so `interpreter` is null (and `interpreterRelative`
 * null, `interpreterSearched` false: neither searches PATH), and there is nothing to retarget.
 *
 * Telling posy from distlib and uv's trailer, which also put a zip after a PE: posy's overlay
 * (what follows the PE image, up to a certificate table if signed) is the zip exactly: its first
 * local header at the image's end, its end record (with its comment) at the overlay's end, up to
 * 7 zero bytes of padding before a certificate table. distlib has its `#!` line in front of the
 * zip, uv's trailer has the path after it. A file whose overlay starts with a local header but is
 * not a readable zip is badFormat; anything else gives null.
 */
import { badFormat, invalidInput } from '../errors.js';
import { locateZip } from '../zip.js';
import { imageEnd, mainScript, overlayEnd, peFacts, peOrNull } from './embedded.js';
import type { ForeignLauncher } from './types.js';

/** Reads a posy trampoline; null when `bytes` is not one. */
export function readPosy(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const image = peOrNull(bytes, path);
  if (image === null) return null;
  const start = imageEnd(image, bytes.length);
  const end = overlayEnd(image, bytes.length);
  const localHeader = [0x50, 0x4b, 0x03, 0x04];
  if (end - start < 4 || localHeader.some((b, i) => bytes[start + i] !== b)) return null;
  const overlay = bytes.subarray(0, end);
  const zip = locateZip(overlay, path);
  if (zip.start !== start) return null;
  const padding = overlay.subarray(zip.end);
  const signedPadding = image.certificate !== null && padding.length < 8 && padding.every((b) => b === 0);
  if (padding.length > 0 && !signedPadding) return null;
  return {
    format: 'posy',
    kind: 'script',
    ...peFacts(image, path),
    interpreter: null,
    interpreterArgs: [],
    interpreterRelative: null,
    interpreterSearched: false,
    ...mainScript(overlay, bytes.length, path),
  };
}

/** posy's launchers carry no interpreter path: always invalidInput (badFormat if not posy). */
export function retargetPosy(bytes: Uint8Array, _interpreter: string, path?: string): Uint8Array {
  if (readPosy(path ?? '', bytes) === null) throw badFormat('not a posy launcher', path);
  throw invalidInput('a posy launcher carries no interpreter path (it runs %POSY_PYTHON%); nothing to retarget', path);
}
