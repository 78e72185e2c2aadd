/**
 * Codec for the C runtime's inherited-fd block (STARTUPINFO.lpReserved2 / cbReserved2), and the
 * rule the launcher uses to pick which of its inherited handles to close after spawning the child.
 *
 * Layout: int32 N, u8 flags[N], then N pointer-sized handles, all little-endian and unaligned.
 * The decoder is the reference for the C stub's parser, so it is written the same defensive way:
 * nothing is trusted until the size check, done in arithmetic that cannot overflow, has passed.
 */

import { invalidInput } from './errors.js';

/** Per-fd flag bits (the CRT's FOPEN, FEOFLAG, FCRLF, FPIPE, FNOINHERIT, FAPPEND, FDEV, FTEXT). */
export const FdFlag = {
  open: 0x01,
  eof: 0x02,
  crlf: 0x04,
  pipe: 0x08,
  noInherit: 0x10,
  append: 0x20,
  dev: 0x40,
  text: 0x80,
} as const;

export interface FdEntry {
  /** Bitwise OR of FdFlag values, 0..255. */
  flags: number;
  /** The handle value, signed: -1n (INVALID_HANDLE_VALUE) and -2n ("no console") are meaningful. */
  handle: bigint;
}

export type PointerSize = 4 | 8;

/** cbReserved2 is a WORD, so a block can never be longer than this. */
export const MAX_FD_BLOCK_SIZE = 0xffff;

function checkPointerSize(pointerSize: number): void {
  if (pointerSize !== 4 && pointerSize !== 8) {
    throw invalidInput(`pointer size must be 4 or 8, not ${pointerSize}`);
  }
}

function checkEntry(e: FdEntry, index: number, pointerSize: PointerSize): void {
  if (!Number.isInteger(e.flags) || e.flags < 0 || e.flags > 0xff) {
    throw invalidInput(`fd ${index}: flags must be an integer 0..255, not ${e.flags}`);
  }
  const bits = BigInt(pointerSize * 8);
  // Accept both the signed and the unsigned spelling of a value (-1n and 0xffffffffn on x86).
  const min = -(1n << (bits - 1n));
  const max = (1n << bits) - 1n;
  if (e.handle < min || e.handle > max) {
    throw invalidInput(`fd ${index}: handle ${e.handle} does not fit in ${pointerSize} bytes`);
  }
}

function writeEntries(view: DataView, entries: readonly FdEntry[], pointerSize: PointerSize, limit: number): void {
  const n = entries.length;
  entries.forEach((e, i) => {
    if (4 + i < limit) view.setUint8(4 + i, e.flags);
  });
  entries.forEach((e, i) => {
    const at = 4 + n + i * pointerSize;
    if (at + pointerSize > limit) return;
    if (pointerSize === 8) view.setBigUint64(at, BigInt.asUintN(64, e.handle), true);
    else view.setUint32(at, Number(BigInt.asUintN(32, e.handle)), true);
  });
}

/** Encode a well-formed block: N = entries.length, then flags, then handles. */
export function encodeFdBlock(entries: readonly FdEntry[], pointerSize: PointerSize): Uint8Array {
  checkPointerSize(pointerSize);
  entries.forEach((e, i) => checkEntry(e, i, pointerSize));
  const size = 4 + entries.length * (1 + pointerSize);
  if (size > MAX_FD_BLOCK_SIZE) {
    throw invalidInput(`fd block of ${entries.length} entries is ${size} bytes, more than ${MAX_FD_BLOCK_SIZE}`);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setInt32(0, entries.length, true);
  writeEntries(view, entries, pointerSize, size);
  return out;
}

/**
 * Encode a block that may lie about itself, for testing parsers: `count` is written as the int32
 * N whatever entries.length is, then the entries' flags and handles, laid out as if N were
 * entries.length; the result is then truncated or zero-padded to `totalSize` when given.
 * `count` may be any integer from -2^31 to 2^32-1 (values above 2^31-1 wrap, as a C int would).
 */
export function encodeRawFdBlock(opts: {
  count: number;
  entries: readonly FdEntry[];
  pointerSize: PointerSize;
  totalSize?: number;
}): Uint8Array {
  const { count, entries, pointerSize, totalSize } = opts;
  checkPointerSize(pointerSize);
  if (!Number.isInteger(count) || count < -0x80000000 || count > 0xffffffff) {
    throw invalidInput(`fd count must be a 32-bit integer, not ${count}`);
  }
  entries.forEach((e, i) => checkEntry(e, i, pointerSize));
  const natural = 4 + entries.length * (1 + pointerSize);
  if (totalSize !== undefined && (!Number.isInteger(totalSize) || totalSize < 0)) {
    throw invalidInput(`total size must be a non-negative integer, not ${totalSize}`);
  }
  const size = totalSize ?? natural;
  if (size > MAX_FD_BLOCK_SIZE) {
    throw invalidInput(`fd block of ${size} bytes is more than ${MAX_FD_BLOCK_SIZE}`);
  }
  // Build at full length, then cut: a block shorter than 4 bytes is a legitimate hostile case.
  const full = new Uint8Array(Math.max(size, natural));
  const view = new DataView(full.buffer);
  view.setUint32(0, count >>> 0, true);
  writeEntries(view, entries, pointerSize, full.length);
  return full.slice(0, size);
}

/**
 * Decode a block, or return null if it is not one the launcher may trust: shorter than 4 bytes,
 * N negative, or shorter than 4 + N + N*pointerSize. Never throws (an invalid pointerSize also
 * gives null). A Cygwin/MSYS2 block (first int 0) decodes to an empty list.
 */
export function decodeFdBlock(block: Uint8Array, pointerSize: PointerSize): FdEntry[] | null {
  if (pointerSize !== 4 && pointerSize !== 8) return null;
  if (block.length < 4) return null;
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const n = view.getInt32(0, true);
  if (n < 0) return null;
  // n <= 2^31 - 1, so n * 9 < 2^35: exact in a double, no overflow possible. (The C stub instead
  // compares n against (size - 4) / (1 + pointerSize), which cannot overflow either.)
  if (block.length < 4 + n * (1 + pointerSize)) return null;
  const entries: FdEntry[] = [];
  for (let i = 0; i < n; i++) {
    const flags = view.getUint8(4 + i);
    const at = 4 + n + i * pointerSize;
    const handle = pointerSize === 8 ? view.getBigInt64(at, true) : BigInt(view.getInt32(at, true));
    entries.push({ flags, handle });
  }
  return entries;
}

/**
 * The handles the launcher closes after starting the child (it inherited copies of all of them,
 * and holding a pipe's write end open would keep the reader from ever seeing EOF). Nothing if the
 * block does not decode; otherwise, for each fd >= 3 (stdin/stdout/stderr are handled separately)
 * whose flags include `open`, its handle unless it is 0, -1 (not inherited) or -2 (no console).
 * Duplicates are kept, in fd order: the C stub implements this same rule (and then leaves out
 * values equal to its own standard handles, which it treats separately).
 */
export function handlesToClose(block: Uint8Array, pointerSize: PointerSize): bigint[] {
  const entries = decodeFdBlock(block, pointerSize);
  if (entries === null) return [];
  const out: bigint[] = [];
  entries.forEach((e, fd) => {
    if (fd < 3 || (e.flags & FdFlag.open) === 0) return;
    if (e.handle === 0n || e.handle === -1n || e.handle === -2n) return;
    out.push(e.handle);
  });
  return out;
}
