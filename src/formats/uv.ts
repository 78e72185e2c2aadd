/**
 * uv's Windows launchers (astral-sh/uv, crates/uv-trampoline and crates/uv-trampoline-builder),
 * in both of their layouts, each with its reader and its rewriter of the interpreter path.
 * Sources: issue 3; launcher-facts.md §6; research/uv-trampoline.md §1.3, §2.1, §2.2; uv's
 * builder (`Launcher::try_from_path`, `windows_script_launcher`) and trampoline
 * (`read_trampoline_metadata`) as of the versions named below.
 *
 * Format `uv` (uv 0.9.9 and later; uv PR #15068, after issue #15022 "not robust to being signed"):
 * one of uv's base PEs plus RT_RCDATA (10) resources with string names, language 0, written with
 * UpdateResourceW:
 *
 *   UV_TRAMPOLINE_KIND  1 byte: 1 script (runs `python "<launcher>" args`), 2 python proxy (`python args`)
 *   UV_PYTHON_PATH      the interpreter, UTF-8, no terminator, absolute or relative to the launcher's folder
 *   UV_SCRIPT_DATA      script kind only: a stored zip holding __main__.py, its offsets relative to
 *                       itself; CPython runs the whole .exe as a zipapp, the trampoline never reads it
 *
 * Format `uv-trailer` (uv 0.1.8 to 0.9.8), read from the end of the file:
 *
 *   base exe ‖ zip ‖ python path (UTF-8) ‖ u32 LE byte length of the path ‖ magic (4 bytes)
 *
 * with magic `UVUV` (0.1.8 to 0.4.28, always a script), then `UVSC` (script) or `UVPY` (python
 * proxy, no zip) from uv PR #8637 (0.4.29). The trampoline refuses lengths above 32 KiB.
 *
 * Decisions:
 * - `uv`: null when none of the three resources exists. UV_* resources without both kind and
 *   path, a kind byte other than 1 or 2 (the trampoline reads the first byte only), an empty
 *   path, or one that is not strict UTF-8 or holds a NUL: badFormat, because the trampoline would
 *   fail. (uv's own reader says "not a launcher" when kind or path is missing; we say "damaged"
 *   so `inspect` gives the reason.) Of several languages of one name, language 0 (what uv
 *   writes) wins, else the first.
 * - `uv-trailer`: null unless the file is a PE ending in one of the magics. A length over 32 KiB,
 *   a path reaching back into the PE image, or a bad path as above: badFormat. The zip must end
 *   after the PE image (so one inside the PE's own sections is never taken for it).
 * - A script launcher without its zip (no UV_SCRIPT_DATA, nothing between image and trailer) is
 *   read with `script` null rather than refused: the trampoline itself never looks at the zip.
 * - `interpreterRelative`: not a Windows absolute path (drive and slash, or UNC), since uv joins
 *   anything else to the launcher's folder; uv never searches, so `interpreterSearched` is false.
 * - Rewriting changes the path only. The `#!` line inside __main__.py stays as it is, as in uv's
 *   own retargeting (`Launcher::with_python_path` + `write_to_file`): it is informational. The new
 *   path goes through storedWindowsPath (forward slashes become backslashes; drive-relative,
 *   root-relative, `"`, control characters refused).
 * - `uv`: every resource is written back, only UV_PYTHON_PATH's data changed, with
 *   replaceResources (src/pe.ts), which moves .reloc and fixes the sizes and the checksum. The zip
 *   resource moves as a whole, and its offsets are relative to itself, so it stays valid.
 * - `uv-trailer`: the zip does not move (it lies before the path), so it stays valid whatever its
 *   offsets are relative to; only path, length and magic are written again.
 * - A signed file is refused with SignedFileError; the caller decides (`--force`). A signed
 *   trailer file cannot be read anyway: the certificate table, not the magic, ends the file.
 */
import { badFormat, invalidInput } from '../errors.js';
import { readResources, replaceResources, RT_RCDATA, type PeImage, type ReadResource } from '../pe.js';
import { isAbsoluteWindowsPath, storedWindowsPath } from '../winpath.js';
import { locateZip } from '../zip.js';
import { imageEnd, mainScript, peFacts, peOrNull, refuseSigned } from './embedded.js';
import type { ForeignLauncher } from './types.js';

export const UV_KIND = 'UV_TRAMPOLINE_KIND';
export const UV_PYTHON_PATH = 'UV_PYTHON_PATH';
export const UV_SCRIPT_DATA = 'UV_SCRIPT_DATA';
const UV_NAMES = [UV_KIND, UV_PYTHON_PATH, UV_SCRIPT_DATA] as const;
type UvName = (typeof UV_NAMES)[number];

export const UV_TRAILER_MAGICS = ['UVUV', 'UVSC', 'UVPY'] as const;
export type UvTrailerMagic = (typeof UV_TRAILER_MAGICS)[number];
/** The trampoline's MAX_PATH_LEN. */
export const UV_TRAILER_MAX_PATH = 32 * 1024;

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The interpreter path as the trampoline reads it: strict UTF-8, not empty, no NUL. */
function decodePythonPath(data: Uint8Array, path: string | undefined): string {
  let text: string;
  try {
    text = utf8Strict.decode(data);
  } catch {
    throw badFormat('the uv python path is not valid UTF-8', path);
  }
  if (text === '') throw badFormat('the uv python path is empty', path);
  if (text.includes('\0')) throw badFormat('the uv python path contains a NUL character', path);
  return text;
}

function interpreterFields(interpreter: string): Pick<ForeignLauncher, 'interpreter' | 'interpreterArgs' | 'interpreterRelative' | 'interpreterSearched'> {
  return { interpreter, interpreterArgs: [], interpreterRelative: !isAbsoluteWindowsPath(interpreter), interpreterSearched: false };
}

// ---------------------------------------------------------------------------------------------
// uv >= 0.9.9: PE resources.

/** The UV_* resources of a PE, one per name (language 0 preferred). */
function uvResources(bytes: Uint8Array, image: PeImage, path: string | undefined): { all: ReadResource[]; uv: Map<UvName, ReadResource> } {
  const all = readResources(bytes, image, path);
  const uv = new Map<UvName, ReadResource>();
  for (const r of all) {
    if (r.type !== RT_RCDATA || typeof r.name !== 'string') continue;
    const upper = r.name.toUpperCase();
    const name = UV_NAMES.find((n) => n === upper);
    if (name === undefined) continue;
    const seen = uv.get(name);
    if (seen === undefined || (seen.lang !== 0 && r.lang === 0)) uv.set(name, r);
  }
  return { all, uv };
}

/** Reads a uv launcher of uv 0.9.9 or later; null when the file has no UV_* resources. */
export function readUv(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const image = peOrNull(bytes, path);
  if (image === null) return null;
  const { uv } = uvResources(bytes, image, path);
  if (uv.size === 0) return null;
  const kindRes = uv.get(UV_KIND);
  const pythonRes = uv.get(UV_PYTHON_PATH);
  if (kindRes === undefined || pythonRes === undefined) {
    throw badFormat(`a uv launcher needs both ${UV_KIND} and ${UV_PYTHON_PATH} resources`, path);
  }
  const code = kindRes.data[0];
  if (code !== 1 && code !== 2) throw badFormat(`unknown uv trampoline kind ${code ?? '(empty)'}`, path);
  const interpreter = decodePythonPath(pythonRes.data, path);
  const zip = uv.get(UV_SCRIPT_DATA);
  const main = code === 1 && zip !== undefined ? mainScript(zip.data, bytes.length, path) : { script: null, entryPoint: null };
  return { format: 'uv', kind: code === 1 ? 'script' : 'proxy', ...peFacts(image, path), ...interpreterFields(interpreter), ...main };
}

/** The uv launcher `bytes` with UV_PYTHON_PATH replaced by `interpreter`. */
export function retargetUv(bytes: Uint8Array, interpreter: string, path?: string): Uint8Array {
  const image = peOrNull(bytes, path);
  if (image === null || readUv(path ?? '', bytes) === null) throw badFormat('not a uv launcher (no UV_* resources)', path);
  refuseSigned(image, path);
  const data = new TextEncoder().encode(storedWindowsPath(interpreter, 'interpreter'));
  const { all, uv } = uvResources(bytes, image, path);
  const target = uv.get(UV_PYTHON_PATH);
  const resources = all.map((r) => ({ type: r.type, name: r.name, lang: r.lang, codePage: r.codePage, data: r === target ? data : r.data }));
  return replaceResources(bytes, resources, path).file;
}

// ---------------------------------------------------------------------------------------------
// uv 0.1.8 to 0.9.8: the trailer.

interface Trailer {
  magic: UvTrailerMagic;
  /** File offset of the path (where the trailer starts). */
  pathStart: number;
  interpreter: string;
  image: PeImage;
}

function readTrailer(path: string | undefined, bytes: Uint8Array): Trailer | null {
  if (bytes.length < 8) return null;
  const magic = UV_TRAILER_MAGICS.find((m) => [...m].every((c, i) => bytes[bytes.length - 4 + i] === c.charCodeAt(0)));
  if (magic === undefined) return null;
  const image = peOrNull(bytes, path);
  if (image === null) return null;
  const at = bytes.length - 8;
  const length = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  if (length > UV_TRAILER_MAX_PATH) throw badFormat(`the uv trailer's path length ${length} is over uv's limit of ${UV_TRAILER_MAX_PATH}`, path);
  const pathStart = at - length;
  if (pathStart < imageEnd(image, bytes.length)) throw badFormat(`the uv trailer's path length ${length} reaches back into the PE image`, path);
  return { magic, pathStart, interpreter: decodePythonPath(bytes.subarray(pathStart, at), path), image };
}

/** Reads a uv launcher of uv 0.1.8 to 0.9.8 (UVUV, UVSC, UVPY trailer); null when the file does
 * not end in one of the magics. */
export function readUvTrailer(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const t = readTrailer(path, bytes);
  if (t === null) return null;
  const kind = t.magic === 'UVPY' ? 'proxy' : 'script';
  let main: Pick<ForeignLauncher, 'script' | 'entryPoint'> = { script: null, entryPoint: null };
  const start = imageEnd(t.image, bytes.length);
  if (kind === 'script' && t.pathStart > start) {
    const before = bytes.subarray(0, t.pathStart);
    if (locateZip(before, path).endPos < start) throw badFormat('no zip between the PE image and the uv trailer', path);
    main = mainScript(before, bytes.length, path);
  }
  return { format: 'uv-trailer', kind, ...peFacts(t.image, path), ...interpreterFields(t.interpreter), ...main };
}

/** The trailer-format uv launcher `bytes` with its path replaced by `interpreter`. */
export function retargetUvTrailer(bytes: Uint8Array, interpreter: string, path?: string): Uint8Array {
  const t = readTrailer(path, bytes);
  if (t === null) throw badFormat('not a uv launcher (no UVUV, UVSC or UVPY trailer)', path);
  refuseSigned(t.image, path);
  const encoded = new TextEncoder().encode(storedWindowsPath(interpreter, 'interpreter'));
  if (encoded.length > UV_TRAILER_MAX_PATH) throw invalidInput(`interpreter path is longer than uv's limit of ${UV_TRAILER_MAX_PATH} bytes`, path);
  const out = new Uint8Array(t.pathStart + encoded.length + 8);
  out.set(bytes.subarray(0, t.pathStart));
  out.set(encoded, t.pathStart);
  new DataView(out.buffer).setUint32(t.pathStart + encoded.length, encoded.length, true);
  out.set(bytes.subarray(bytes.length - 4), out.length - 4);
  return out;
}

/**
 * The bytes holding a uv script launcher's zip: the UV_SCRIPT_DATA resource (language 0
 * preferred), or everything before the trailer's path. Null when the file is neither form or
 * carries no zip. For `convert`, which carries the zip's __main__.py over.
 */
export function uvScriptZip(bytes: Uint8Array, path?: string): Uint8Array | null {
  const t = readTrailer(path, bytes);
  if (t !== null) return t.pathStart > imageEnd(t.image, bytes.length) ? bytes.subarray(0, t.pathStart) : null;
  const image = peOrNull(bytes, path);
  return image === null ? null : (uvResources(bytes, image, path).uv.get(UV_SCRIPT_DATA)?.data ?? null);
}
