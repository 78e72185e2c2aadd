/**
 * Zip archives as Python launchers carry them: a reproducible stored (uncompressed) encoder, and a
 * bounds-checked decoder for reading the zips inside existing launchers (ours, pip's, uv's).
 *
 * The encoder can shift every offset by a base so the zip stays valid when it is embedded at that
 * position in a larger file (a PE launcher). The decoder finds the end record the way CPython's
 * zipimport does, tolerating data before and after the archive, and treats every field as hostile:
 * all offsets and lengths are checked before use, and only BounceError (badFormat) escapes.
 */

import { inflateRawSync } from 'node:zlib';
import { badFormat, invalidInput } from './errors.js';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const LOCAL_SIZE = 30;
const CENTRAL_SIZE = 46;
const END_SIZE = 22;
const MAX_COMMENT = 0xffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
/** 1980-01-01 00:00:00, the earliest DOS date: fixed so the same input gives the same bytes. */
const DOS_TIME = 0x0000;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const VERSION = 20;
/** zlib's documented worst case for deflate is 1032:1; anything claiming more is a lie. */
const MAX_DEFLATE_RATIO = 1032;

// ---------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table-driven.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as used by zip, gzip and PNG. Returns an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    c = (CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8)) >>> 0;
  }
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Encoder.

/** The length encodeZip gives for `entries`, whatever the base offset: the launcher builder lays
 * out the PE with it before it knows where the zip will land. */
export function zipSize(entries: readonly ZipEntry[]): number {
  const enc = new TextEncoder();
  let size = END_SIZE;
  for (const e of entries) size += LOCAL_SIZE + CENTRAL_SIZE + 2 * enc.encode(e.name).length + e.data.length;
  return size;
}

/**
 * Write a zip of stored entries. `baseOffset` is the file offset at which the caller will place the
 * returned bytes: local-header offsets and the central directory offset are written as absolute
 * file offsets, so the archive is valid inside the larger file with no "archive offset" fix-up.
 * Zip64 is never written; anything that would need it is an invalidInput error.
 */
export function encodeZip(entries: readonly ZipEntry[], opts?: { baseOffset?: number }): Uint8Array {
  const base = opts?.baseOffset ?? 0;
  if (!Number.isSafeInteger(base) || base < 0) {
    throw invalidInput(`zip base offset must be a non-negative integer, not ${base}`);
  }
  // 0xffff entries is the zip64 marker value, so stop one below it.
  if (entries.length >= 0xffff) throw invalidInput(`too many zip entries (${entries.length}); zip64 is not supported`);
  const enc = new TextEncoder();
  const seen = new Set<string>();
  const names = entries.map((e) => {
    if (e.name === '') throw invalidInput('zip entry name is empty');
    if (seen.has(e.name)) throw invalidInput(`duplicate zip entry name: ${e.name}`);
    seen.add(e.name);
    const bytes = enc.encode(e.name);
    if (bytes.length > 0xffff) throw invalidInput(`zip entry name too long: ${e.name.slice(0, 40)}...`);
    return bytes;
  });

  let localTotal = 0;
  let centralTotal = 0;
  entries.forEach((e, i) => {
    localTotal += LOCAL_SIZE + names[i]!.length + e.data.length;
    centralTotal += CENTRAL_SIZE + names[i]!.length;
  });
  const need64 = (v: number): boolean => v >= 0xffffffff;
  if (entries.some((e) => need64(e.data.length)) || need64(base + localTotal) || need64(centralTotal)) {
    throw invalidInput('zip would need zip64 (entry, offset or directory too large), which is not supported');
  }

  const out = new Uint8Array(localTotal + centralTotal + END_SIZE);
  const view = new DataView(out.buffer);
  const crcs = entries.map((e) => crc32(e.data));
  const offsets: number[] = [];
  let p = 0;

  // Fields shared by the local and central headers, from "version needed" to "extra length".
  const common = (at: number, i: number): void => {
    const e = entries[i]!;
    view.setUint16(at, VERSION, true);
    view.setUint16(at + 2, FLAG_UTF8, true);
    view.setUint16(at + 4, 0, true); // method: stored
    view.setUint16(at + 6, DOS_TIME, true);
    view.setUint16(at + 8, DOS_DATE, true);
    view.setUint32(at + 10, crcs[i]!, true);
    view.setUint32(at + 14, e.data.length, true);
    view.setUint32(at + 18, e.data.length, true);
    view.setUint16(at + 22, names[i]!.length, true);
    view.setUint16(at + 24, 0, true);
  };

  entries.forEach((e, i) => {
    offsets.push(base + p);
    view.setUint32(p, SIG_LOCAL, true);
    common(p + 4, i);
    out.set(names[i]!, p + LOCAL_SIZE);
    out.set(e.data, p + LOCAL_SIZE + names[i]!.length);
    p += LOCAL_SIZE + names[i]!.length + e.data.length;
  });

  const cdStart = p;
  entries.forEach((_e, i) => {
    view.setUint32(p, SIG_CENTRAL, true);
    view.setUint16(p + 4, VERSION, true); // version made by: 2.0, MS-DOS attributes
    common(p + 6, i);
    view.setUint16(p + 32, 0, true); // comment length
    view.setUint16(p + 34, 0, true); // disk number start
    view.setUint16(p + 36, 0, true); // internal attributes
    view.setUint32(p + 38, 0, true); // external attributes
    view.setUint32(p + 42, offsets[i]!, true);
    out.set(names[i]!, p + CENTRAL_SIZE);
    p += CENTRAL_SIZE + names[i]!.length;
  });

  view.setUint32(p, SIG_END, true);
  view.setUint16(p + 4, 0, true); // this disk
  view.setUint16(p + 6, 0, true); // disk with the central directory
  view.setUint16(p + 8, entries.length, true);
  view.setUint16(p + 10, entries.length, true);
  view.setUint32(p + 12, p - cdStart, true);
  view.setUint32(p + 16, base + cdStart, true);
  view.setUint16(p + 20, 0, true); // comment length
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoder.

/** Code page 437, bytes 0x80-0xFF: the encoding of zip names without the UTF-8 flag. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeCp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

interface EndRecord {
  /** Position of the end record in the file. */
  pos: number;
  count: number;
  cdSize: number;
  cdPos: number;
  /** What must be added to stated offsets to get file positions (data before the archive). */
  arcOffset: number;
}

/**
 * Check a candidate end record. Returns the parsed record, or a reason it cannot be the one.
 * Cheap by design (no directory walk) because it may run for many candidates.
 */
function checkEnd(view: DataView, pos: number): EndRecord | string {
  const disk = view.getUint16(pos + 4, true);
  const cdDisk = view.getUint16(pos + 6, true);
  const countHere = view.getUint16(pos + 8, true);
  const count = view.getUint16(pos + 10, true);
  const cdSize = view.getUint32(pos + 12, true);
  const cdOffset = view.getUint32(pos + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (pos >= 20 && view.getUint32(pos - 20, true) === SIG_ZIP64_LOCATOR) return 'zip64 archives are not supported';
  }
  if (disk !== 0 || cdDisk !== 0 || countHere !== count) return 'multi-disk archives are not supported';
  if (cdSize > pos) return 'central directory size is larger than the data before the end record';
  const cdPos = pos - cdSize;
  const arcOffset = cdPos - cdOffset;
  if (arcOffset < 0) return 'central directory offset points past the central directory';
  // Each entry takes at least CENTRAL_SIZE bytes: refuse counts the directory cannot hold.
  if (count * CENTRAL_SIZE > cdSize) return `central directory too small for ${count} entries`;
  if (count > 0 && view.getUint32(cdPos, true) !== SIG_CENTRAL) return 'no central directory where the end record says';
  return { pos, count, cdSize, cdPos, arcOffset };
}

/**
 * Find the end-of-central-directory record: the last signature within the final 65535+22 bytes
 * (where a comment may sit) that describes a plausible directory. Data after the zip (PE sections,
 * a signature) only matters in that it must fit in that window.
 */
function findEnd(file: Uint8Array, view: DataView, path: string | undefined): EndRecord {
  if (file.length < END_SIZE) throw badFormat('not a zip archive (too short)', path);
  const lowest = Math.max(0, file.length - END_SIZE - MAX_COMMENT);
  let firstReason: string | undefined;
  for (let pos = file.length - END_SIZE; pos >= lowest; pos--) {
    // Cheap byte test before the 32-bit read: 'P' 'K' 5 6.
    if (file[pos] !== 0x50 || file[pos + 1] !== 0x4b || file[pos + 2] !== 5 || file[pos + 3] !== 6) continue;
    const r = checkEnd(view, pos);
    if (typeof r !== 'string') return r;
    firstReason ??= r;
  }
  throw badFormat(firstReason ?? 'not a zip archive (no end of central directory record)', path);
}

/**
 * Where a zip lies in a larger file, as the readers of appended archives (CPython's zipimport,
 * distlib's launcher) work it out from the end record. Formats that append a zip to a PE use it to
 * find what comes before the archive (distlib's shebang) and to keep the zip valid when bytes
 * before it change size.
 */
export interface ZipLocation {
  /** File position of the end-of-central-directory record. */
  endPos: number;
  /** One past the end record and its comment (never past the end of the file). */
  end: number;
  /** File position of the central directory. */
  cdPos: number;
  /**
   * What stated offsets are relative to: cdPos minus the stated directory offset, the "archive
   * offset" zipimport computes. A zip written on its own and then appended (distlib, uv, posy)
   * has its first byte here; one written by `zipfile` into a file that already held the PE has 0;
   * a zipapp with a shebang, appended to an exe, has the shebang's first byte.
   */
  arcOffset: number;
  /** File position of the archive's first byte: its lowest local header (cdPos if empty). */
  start: number;
  /** File positions of each central entry's 32-bit local-header-offset field, in order. */
  localOffsetFields: number[];
}

/** Locates the zip at the end of `file` (see findEnd); every failure is badFormat. */
export function locateZip(file: Uint8Array, path?: string): ZipLocation {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const end = findEnd(file, view, path);
  const cdEnd = end.cdPos + end.cdSize;
  const localOffsetFields: number[] = [];
  let start = end.cdPos;
  let p = end.cdPos;
  for (let i = 0; i < end.count; i++) {
    if (p + CENTRAL_SIZE > cdEnd || view.getUint32(p, true) !== SIG_CENTRAL) {
      throw badFormat(`central directory entry ${i} is truncated or has a bad signature`, path);
    }
    localOffsetFields.push(p + 42);
    start = Math.min(start, end.arcOffset + view.getUint32(p + 42, true));
    p += CENTRAL_SIZE + view.getUint16(p + 28, true) + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
    if (p > cdEnd) throw badFormat(`central directory entry ${i} runs past the directory`, path);
  }
  return {
    endPos: end.pos,
    end: Math.min(file.length, end.pos + END_SIZE + view.getUint16(end.pos + 20, true)),
    cdPos: end.cdPos,
    arcOffset: end.arcOffset,
    start,
    localOffsetFields,
  };
}

function inflate(data: Uint8Array, size: number, name: string, path: string | undefined): Uint8Array {
  try {
    // maxOutputLength makes zlib stop instead of allocating whatever the stream expands to.
    const out = inflateRawSync(data, { maxOutputLength: Math.max(1, size) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw badFormat(`${name}: cannot inflate (${why})`, path);
  }
}

/** What decodeZip reads. */
export interface DecodeOptions {
  /** Only entries with these names are read (checked and returned); the rest are skipped. */
  names?: readonly string[];
  /** An entry claiming more bytes than this is badFormat before anything is inflated (a caller
   * reading a hostile file passes that file's size, so nothing grows beyond it). */
  maxEntrySize?: number;
}

/**
 * Read every entry of a zip archive (or those `opts.names` asks for). Supports stored and
 * deflated entries, archives preceded or followed by other data, UTF-8 and CP437 names. Every
 * error is a BounceError from badFormat.
 */
export function decodeZip(file: Uint8Array, path?: string, opts?: DecodeOptions): ZipEntry[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const end = findEnd(file, view, path);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const entries: ZipEntry[] = [];
  const cdEnd = end.cdPos + end.cdSize;
  let p = end.cdPos;
  for (let i = 0; i < end.count; i++) {
    if (p + CENTRAL_SIZE > cdEnd) throw badFormat(`central directory entry ${i} is truncated`, path);
    if (view.getUint32(p, true) !== SIG_CENTRAL) throw badFormat(`central directory entry ${i} has a bad signature`, path);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    const compSize = view.getUint32(p + 20, true);
    const size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const next = p + CENTRAL_SIZE + nameLen + extraLen + commentLen;
    if (next > cdEnd) throw badFormat(`central directory entry ${i} runs past the directory`, path);
    const nameBytes = file.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen);
    let name: string;
    if (flags & FLAG_UTF8) {
      try {
        name = utf8.decode(nameBytes);
      } catch {
        throw badFormat(`central directory entry ${i}: name is not valid UTF-8`, path);
      }
    } else {
      name = decodeCp437(nameBytes);
    }
    p = next;
    if (opts?.names !== undefined && !opts.names.includes(name)) continue;

    const label = JSON.stringify(name);
    if (opts?.maxEntrySize !== undefined && size > opts.maxEntrySize) {
      throw badFormat(`${label} claims ${size} bytes, more than ${opts.maxEntrySize}`, path);
    }
    if (flags & FLAG_ENCRYPTED) throw badFormat(`${label} is encrypted`, path);
    if (method !== 0 && method !== 8) throw badFormat(`${label} uses unsupported compression method ${method}`, path);
    if (method === 0 && compSize !== size) throw badFormat(`${label} is stored but its sizes differ`, path);
    if (method === 8 && size > compSize * MAX_DEFLATE_RATIO + 1024) {
      throw badFormat(`${label} claims an impossible compression ratio`, path);
    }

    const lh = end.arcOffset + localOffset;
    if (lh + LOCAL_SIZE > file.length) throw badFormat(`${label}: local header is outside the file`, path);
    if (view.getUint32(lh, true) !== SIG_LOCAL) throw badFormat(`${label}: bad local header signature`, path);
    const dataStart = lh + LOCAL_SIZE + view.getUint16(lh + 26, true) + view.getUint16(lh + 28, true);
    const dataEnd = dataStart + compSize;
    if (dataEnd > file.length) throw badFormat(`${label}: data runs past the end of the file`, path);
    const raw = file.subarray(dataStart, dataEnd);

    const data = method === 0 ? raw.slice() : inflate(raw, size, label, path);
    if (data.length !== size) throw badFormat(`${label}: size is ${data.length}, directory says ${size}`, path);
    if (crc32(data) !== crc) throw badFormat(`${label}: CRC mismatch`, path);
    entries.push({ name, data });
  }
  return entries;
}
