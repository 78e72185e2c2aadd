/**
 * pip's Windows launchers, written by distlib's ScriptMaker (pip/_vendor/distlib/scripts.py) and
 * run by distlib's stub (pypa/distlib PC/launcher.c): the reader and the rewriter of the shebang.
 * Sources: issue 3; launcher-facts.md §6; research/python-launchers.md §1.2, §1.3, §1.7, §1.8;
 * launcher.c (`find_shebang`, `find_executable_and_args`, `process`); scripts.py (`_write_script`).
 *
 *   base exe (t32/t64/t64-arm console, w32/w64/w64-arm GUI), unchanged
 *   ‖ "#!" <executable> [<args>] "\n"      (UTF-8; "\n\r\n" from distlib < 0.3.9 on Windows, #220)
 *   ‖ zip with __main__.py                  (written on its own: offsets relative to the zip's start)
 *
 * How the stub finds the line, and so how we do (launcher.c `find_shebang`): it finds the zip's
 * end record, then `arc` = end record - directory size - directory offset. If `#!` is at `arc`
 * (a zipapp appended to the stub: offsets count from the shebang) that is the line; otherwise
 * the last `#!` in the 260 bytes read from `arc - 260` (from 0 when `arc` < 260). The line ends at
 * the first `\r` or `\n`, which must lie in that 260-byte buffer, and must be strict UTF-8.
 *
 * How the stub parses it (`find_executable_and_args`, `process`; modelled step by step below,
 * NUL writes included, so every quirk is reproduced rather than guessed):
 * - whitespace after `#!` is skipped; the executable ends at the first `.exe` (any case) followed
 *   by the end, `"` or whitespace, so an unquoted path with spaces works when nothing follows;
 * - `"C:\p q\python.exe"`: quoted, the closing quote must follow `.exe`;
 * - no `.exe`: `/usr/bin/env NAME` (any case), NAME searched on PATH (SearchPathW: the launcher's
 *   folder first); `/usr/bin/env python.exe` is taken as a path instead (§1.8 quirk 2);
 * - `<launcher_dir>\REL` or `<launcher_dir>\"REL"`: REL joined to the launcher's folder; with the
 *   second form the arguments are lost (§1.8 quirk 3: the closing quote ends them too);
 * - what follows the executable and its whitespace is passed verbatim: the child gets
 *   `"<exe>" <args> "<launcher>" <caller's tail>`.
 *
 * Reported fields: `interpreter` is the executable without quotes or the `<launcher_dir>\`
 * prefix, and for `/usr/bin/env NAME` the NAME. `interpreterRelative`: true for the
 * `<launcher_dir>` form and for searched names (`python.exe`: CreateProcess searches the
 * launcher's folder first; `/usr/bin/env`, also `interpreterSearched`), false for absolute paths,
 * null for paths relative to the current folder or drive (`..\python.exe`, `\x\python.exe`),
 * which depend on where the caller stands. `interpreterArgs`: the arguments as the stub passes
 * them, split by the MSVC rules.
 *
 * Telling distlib from posy (both are a PE followed by a zip): distlib's file has a `#!` line in
 * the overlay (after the PE image, never inside it) where the stub looks for it; posy's overlay
 * is the zip alone. A zip whose offsets count from the start of the file (written by `zipfile` in
 * append mode) makes the stub look before offset 0 and fail; we then look for the line in the 260
 * bytes before the zip's first local header, and report the launcher (only `python3 file.exe`
 * runs it). A file whose overlay starts with `#!` but whose zip is damaged, or whose line starts
 * too far before the zip for the stub to find it (a long venv path, §1.8 quirk 4), is badFormat;
 * other PEs without such a line give null.
 *
 * Rewriting (`retargetDistlib`): only the executable token of the line changes; arguments,
 * whitespace, the line ending and whatever lies between it and the zip stay byte for byte. An
 * absolute path is written as a path, any other as `<launcher_dir>\REL` (never a bare name the
 * stub would search for). Quoted if the old token was or the new path holds whitespace
 * (ScriptMaker's `enquote_executable` rule); the first form whose line the stub reads back as
 * exactly the new interpreter with the old arguments wins, else invalidInput (a path not ending
 * in `.exe`, one with `.exe ` inside, `#!`, or too long for the stub's 260-byte window). The zip:
 * if its offsets count from the zip's start they move with it and nothing changes; if they count
 * from a point before the token (a zipapp's shebang, the file's start) every offset grows by the
 * change in length. Either way zipimport (`python3 file.exe`) and the stub read it as before.
 */
import { splitMsvc } from '../cmdline.js';
import { badFormat, BounceError, invalidInput } from '../errors.js';
import type { PeImage } from '../pe.js';
import { isAbsoluteWindowsPath, storedWindowsPath } from '../winpath.js';
import { locateZip, type ZipLocation } from '../zip.js';
import { imageEnd, mainScript, overlayEnd, peFacts, peOrNull, refuseSigned } from './embedded.js';
import type { ForeignLauncher } from './types.js';

/** The stub's buffers: MAX_PATH. */
const WINDOW = 260;
const RELATIVE_PREFIX = '<launcher_dir>\\';
const HASH = 0x23;
const BANG = 0x21;
const QUOTE = 0x22;

/** How the executable token was written. */
type Quoting = 'none' | 'whole' | 'prefix';

interface Shebang {
  /** Code-unit span of the executable token in `text` (quotes and prefix included). */
  tokStart: number;
  tokEnd: number;
  quoting: Quoting;
  /** 'relative': `<launcher_dir>\`; 'env': `/usr/bin/env NAME`; 'path': anything else. */
  form: 'path' | 'relative' | 'env';
  /** The path (without prefix and quotes), or the NAME for 'env'. */
  program: string;
  /** The argument text the stub puts after the program. */
  args: string;
}

interface Found {
  image: PeImage;
  zip: ZipLocation;
  /** File offset of `#`. */
  at: number;
  /** The line between `#!` and its terminator, decoded. */
  text: string;
  /** 'stub': found where distlib's stub looks; 'zip start': only before the first local header. */
  foundBy: 'stub' | 'zip start';
  shebang: Shebang;
}

// ---------------------------------------------------------------------------------------------
// The stub's parser, on a NUL-terminated array of UTF-16 code units as in launcher.c.

const isSpace = (c: number | undefined): boolean => c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
const fold = (c: number | undefined): number => (c !== undefined && c >= 0x41 && c <= 0x5a ? c + 0x20 : (c ?? 0));

/** _wcsnicmp(b + i, s, s.length) === 0, ASCII case folding. */
function startsWithI(b: number[], i: number, s: string): boolean {
  for (let k = 0; k < s.length; k++) if (fold(b[i + k]) !== fold(s.charCodeAt(k))) return false;
  return true;
}

/** The C string at `i`. */
function cstr(b: number[], i: number): string {
  let end = i;
  while (b[end] !== undefined && b[end] !== 0) end++;
  return String.fromCharCode(...b.slice(i, end));
}

/** find_exe_extension: the first `.exe` followed by NUL, `"` or whitespace, or -1. */
function findExeExtension(b: number[], from: number): number {
  for (let i = from; b[i] !== undefined && b[i] !== 0; i++) {
    if (b[i] === 0x2e && startsWithI(b, i + 1, 'exe')) {
      const c = b[i + 4];
      if (c === 0 || c === QUOTE || isSpace(c)) return i;
    }
  }
  return -1;
}

function stubError(message: string): BounceError {
  return badFormat(`distlib's launcher cannot run this shebang: ${message}`);
}

/** Parses the text after `#!` as find_executable_and_args and process() do. */
function parseShebang(text: string): Shebang {
  const b = Array.from({ length: text.length + 1 }, (_, i) => (i < text.length ? text.charCodeAt(i) : 0));
  let line = 0;
  while (b[line] !== 0 && isSpace(b[line])) line++;
  const tokStart = line;
  let tokEnd = -1;
  let form: Shebang['form'] = 'path';
  let envName = '';
  let result = line;
  let p = findExeExtension(b, line);
  if (p >= 0) {
    p += 4;
  } else {
    if (!startsWithI(b, line, '/usr/bin/env')) throw stubError("Expected to find a command ending in '.exe' in shebang line");
    p = line + 12;
    if (!(b[p] !== 0 && isSpace(b[p]))) throw stubError("Expected to find whitespace after '/usr/bin/env'");
    do p++;
    while (b[p] !== 0 && isSpace(b[p]));
    let q = p;
    while (b[q] !== 0 && !isSpace(b[q])) q++;
    envName = String.fromCharCode(...b.slice(p, q));
    if (envName === '') throw stubError('Unable to find executable in environment (no name after /usr/bin/env)');
    tokEnd = q;
    if (isSpace(b[q])) b[q++] = 0;
    p = q;
    form = 'env';
  }
  let quoting: Quoting = 'none';
  if (b[line] === QUOTE) {
    if (b[p] !== QUOTE) throw stubError('Expected terminating double-quote for executable in shebang line');
    b[p++] = 0;
    line++;
    result++;
    quoting = 'whole';
  }
  if (form !== 'env') tokEnd = p;
  if (!startsWithI(b, line, RELATIVE_PREFIX) && b[line + RELATIVE_PREFIX.length] !== QUOTE && b[p] === QUOTE) {
    throw stubError('Terminating quote without starting quote for executable in shebang line');
  }
  if (b[p] !== 0 && isSpace(b[p])) b[p++] = 0;
  while (b[p] !== 0 && isSpace(b[p])) p++;
  const argp = p;
  let program: string;
  if (form === 'env') {
    program = envName;
  } else if (startsWithI(b, result, RELATIVE_PREFIX)) {
    form = 'relative';
    let offset = RELATIVE_PREFIX.length;
    if (b[result + offset] === QUOTE) {
      offset++;
      let qp = result + offset;
      while (b[qp] !== 0 && b[qp] !== QUOTE) qp++;
      if (b[qp] !== QUOTE) throw stubError('Expected terminating double-quote for executable in shebang line');
      b[qp] = 0;
      tokEnd = Math.max(tokEnd, qp + 1);
      if (quoting === 'none') quoting = 'prefix';
    }
    program = cstr(b, result + offset);
  } else {
    program = cstr(b, result);
  }
  return { tokStart, tokEnd, quoting, form, program, args: cstr(b, argp) };
}

// ---------------------------------------------------------------------------------------------
// Finding the line.

function isShebangAt(bytes: Uint8Array, i: number, end: number): boolean {
  return i >= 0 && i + 1 < end && bytes[i] === HASH && bytes[i + 1] === BANG;
}

/** Where distlib's stub finds `#!`, and the end of the buffer it read it into. */
function stubShebang(bytes: Uint8Array, arc: number): { at: number; windowEnd: number } | null {
  if (isShebangAt(bytes, arc, bytes.length)) return { at: arc, windowEnd: Math.min(arc + WINDOW, bytes.length) };
  const pos = Math.max(0, arc - WINDOW);
  const windowEnd = Math.min(pos + WINDOW, bytes.length);
  for (let p = windowEnd - 2; p >= pos; p--) if (isShebangAt(bytes, p, windowEnd)) return { at: p, windowEnd };
  return null;
}

/** The last `#!` in the overlay's last 260 bytes before `zipStart`. */
function shebangBefore(bytes: Uint8Array, overlayStart: number, zipStart: number): { at: number; windowEnd: number } | null {
  for (let p = zipStart - 2; p >= Math.max(overlayStart, zipStart - WINDOW); p--) {
    if (isShebangAt(bytes, p, zipStart)) return { at: p, windowEnd: zipStart };
  }
  return null;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The distlib launcher in `bytes`, or null when it is not one. */
function find(path: string | undefined, bytes: Uint8Array): Found | null {
  const image = peOrNull(bytes, path);
  if (image === null) return null;
  const start = imageEnd(image, bytes.length);
  if (overlayEnd(image, bytes.length) <= start) return null;
  let zip: ZipLocation;
  try {
    zip = locateZip(bytes, path);
  } catch (e) {
    // Without its zip a file is distlib's only if the overlay starts with the shebang.
    if (e instanceof BounceError && isShebangAt(bytes, start, bytes.length)) throw e;
    return null;
  }
  if (zip.endPos < start || zip.start < start) return null;
  let foundBy: Found['foundBy'] = 'stub';
  let hit = stubShebang(bytes, zip.arcOffset);
  if (hit !== null && hit.at < start) hit = null;
  if (hit === null) {
    hit = shebangBefore(bytes, start, zip.start);
    foundBy = 'zip start';
  }
  if (hit === null && isShebangAt(bytes, start, zip.start)) {
    throw badFormat("distlib's launcher cannot find this shebang (Failed to find shebang): it starts more than 260 bytes before the zip", path);
  }
  if (hit === null || hit.at >= zip.start) return null;
  let term = hit.at;
  while (term < hit.windowEnd && bytes[term] !== 0x0d && bytes[term] !== 0x0a) term++;
  if (term >= hit.windowEnd) throw badFormat("distlib's launcher cannot run this shebang: Expected to find terminator in shebang line (within 260 bytes)", path);
  if (term > zip.start) return null; // a `#!` inside the archive is not a shebang before it
  let text: string;
  try {
    text = utf8Strict.decode(bytes.subarray(hit.at + 2, term));
  } catch {
    throw badFormat("distlib's launcher cannot run this shebang: Expected to decode shebang line using UTF-8", path);
  }
  let shebang: Shebang;
  try {
    shebang = parseShebang(text);
  } catch (e) {
    if (e instanceof BounceError) throw badFormat(e.message, path);
    throw e;
  }
  return { image, zip, at: hit.at, text, foundBy, shebang };
}

function interpreterFields(s: Shebang): Pick<ForeignLauncher, 'interpreter' | 'interpreterArgs' | 'interpreterRelative' | 'interpreterSearched'> {
  const interpreterArgs = s.args === '' ? [] : splitMsvc(`x ${s.args}`).slice(1);
  const base = { interpreter: s.program, interpreterArgs };
  if (s.form === 'relative') return { ...base, interpreterRelative: true, interpreterSearched: false };
  if (s.form === 'env') return { ...base, interpreterRelative: true, interpreterSearched: true };
  if (isAbsoluteWindowsPath(s.program)) return { ...base, interpreterRelative: false, interpreterSearched: false };
  // CreateProcess searches for a bare name, the launcher's folder first; other relative forms
  // depend on the caller's current folder or drive.
  if (!/[\\/:]/.test(s.program)) return { ...base, interpreterRelative: true, interpreterSearched: true };
  return { ...base, interpreterRelative: null, interpreterSearched: false };
}

/** Reads a distlib (pip) launcher; null when `bytes` is not one. */
export function readDistlib(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const f = find(path, bytes);
  if (f === null) return null;
  return { format: 'distlib', kind: 'script', ...peFacts(f.image, path), ...interpreterFields(f.shebang), ...mainScript(bytes, bytes.length, path) };
}

// ---------------------------------------------------------------------------------------------
// Rewriting.

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** `bytes` with the executable token replaced by `token`, the zip's offsets kept valid. */
function replaceToken(bytes: Uint8Array, f: Found, token: string, path: string | undefined): Uint8Array {
  const lineStart = f.at + 2;
  const tokStart = lineStart + utf8Length(f.text.slice(0, f.shebang.tokStart));
  const tokEnd = lineStart + utf8Length(f.text.slice(0, f.shebang.tokEnd));
  const encoded = new TextEncoder().encode(token);
  const delta = encoded.length - (tokEnd - tokStart);
  const out = new Uint8Array(bytes.length + delta);
  out.set(bytes.subarray(0, tokStart));
  out.set(encoded, tokStart);
  out.set(bytes.subarray(tokEnd), tokStart + encoded.length);
  const arc = f.zip.arcOffset;
  if (delta === 0 || arc >= tokEnd) return out; // offsets count from a point that moves with the zip
  if (arc > tokStart) throw badFormat("the zip's offsets count from inside the shebang's executable; it cannot be rewritten", path);
  // Offsets count from a point before the token, which stays: each grows by delta.
  const view = new DataView(out.buffer);
  for (const field of [...f.zip.localOffsetFields, f.zip.endPos + 16]) {
    const value = view.getUint32(field + delta, true) + delta;
    if (value < 0 || value >= 0xffffffff) throw invalidInput('the zip would need offsets beyond 4 GiB', path);
    view.setUint32(field + delta, value, true);
  }
  return out;
}

/** The executable tokens for `program`, in order of preference. */
function candidateTokens(program: string, relative: boolean, old: Quoting): string[] {
  const prefix = relative ? RELATIVE_PREFIX : '';
  const plain = `${prefix}${program}`;
  const whole = `"${prefix}${program}"`;
  const quoted = relative ? (old === 'prefix' ? [`${prefix}"${program}"`, whole] : [whole, `${prefix}"${program}"`]) : [whole];
  return old !== 'none' || /\s/.test(program) ? [...quoted, plain] : [plain, ...quoted];
}

/**
 * The distlib launcher `bytes` with its shebang's executable replaced by `interpreter` (absolute,
 * or relative to the launcher's folder, written as `<launcher_dir>\...`); see the header.
 */
export function retargetDistlib(bytes: Uint8Array, interpreter: string, path?: string): Uint8Array {
  const f = find(path, bytes);
  if (f === null) throw badFormat('not a distlib launcher (no shebang line before a zip after the PE image)', path);
  refuseSigned(f.image, path);
  const program = storedWindowsPath(interpreter, 'interpreter');
  if (!/\.exe$/i.test(program)) throw invalidInput(`distlib's launcher needs an interpreter ending in .exe, not ${JSON.stringify(program)}`, path);
  const relative = !isAbsoluteWindowsPath(program);
  const before = mainScript(bytes, bytes.length, path).script;
  for (const token of candidateTokens(program, relative, f.shebang.quoting)) {
    const out = replaceToken(bytes, f, token, path);
    let back: Found | null;
    try {
      back = find(path, out);
    } catch (e) {
      if (e instanceof BounceError) continue;
      throw e;
    }
    const s = back?.shebang;
    if (back === null || s === undefined || back.foundBy !== f.foundBy || s.program !== program) continue;
    if ((s.form === 'relative') !== relative || s.args !== f.shebang.args) continue;
    if (mainScript(out, out.length, path).script !== before) throw badFormat('the zip changed while rewriting the shebang (a bug)', path);
    return out;
  }
  const lost = f.shebang.quoting === 'prefix' && !relative ? ' (this line\'s `<launcher_dir>\\"..."` form makes the stub drop its arguments, which no absolute form can do)' : '';
  throw invalidInput(
    `no shebang makes distlib's launcher read ${JSON.stringify(program)} back with the same arguments${lost}: the line must fit ` +
      "in the 260 bytes before the zip, and the path must not contain '#!' or '.exe' followed by a space before its end",
    path,
  );
}
