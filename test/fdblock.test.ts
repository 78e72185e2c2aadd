// Tests for src/fdblock.ts: byte layout, round trips for both pointer sizes, and every malformed
// block the launcher must refuse to trust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BounceError } from '../src/errors.js';
import {
  decodeFdBlock,
  encodeFdBlock,
  encodeRawFdBlock,
  FdFlag,
  handlesToClose,
  type FdEntry,
  type PointerSize,
} from '../src/fdblock.js';

const O = FdFlag.open;
const sample: FdEntry[] = [
  { flags: O | FdFlag.dev | FdFlag.text, handle: 0x10n },
  { flags: O | FdFlag.pipe, handle: -2n },
  { flags: O | FdFlag.dev, handle: 0x18n },
  { flags: O | FdFlag.pipe, handle: 0x2a4n },
  { flags: 0, handle: 0x300n }, // not open: never closed
  { flags: O | FdFlag.pipe | FdFlag.noInherit, handle: -1n },
  { flags: O, handle: 0n },
  { flags: O | FdFlag.pipe, handle: 0x7ffffff0n },
  { flags: O, handle: -2n },
];
const sizes: PointerSize[] = [4, 8];

test('encodeFdBlock: exact byte layout (int32 N, flags, unaligned handles)', () => {
  const block = encodeFdBlock(
    [
      { flags: 0x81, handle: 0x11223344n },
      { flags: 0x09, handle: -2n },
    ],
    4,
  );
  assert.deepEqual(
    [...block],
    [2, 0, 0, 0, 0x81, 0x09, 0x44, 0x33, 0x22, 0x11, 0xfe, 0xff, 0xff, 0xff],
  );
  const block8 = encodeFdBlock([{ flags: 0x01, handle: -1n }], 8);
  assert.deepEqual([...block8], [1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
});

test('round trip for pointer sizes 4 and 8, handles signed', () => {
  for (const ps of sizes) {
    const block = encodeFdBlock(sample, ps);
    assert.equal(block.length, 4 + sample.length * (1 + ps));
    assert.deepEqual(decodeFdBlock(block, ps), sample);
  }
  // The unsigned spelling of -1 on x86 encodes the same bytes and decodes as -1n.
  const a = encodeFdBlock([{ flags: O, handle: 0xffffffffn }], 4);
  assert.deepEqual(decodeFdBlock(a, 4), [{ flags: O, handle: -1n }]);
  const big = 0x7fff_ffff_ffff_fff0n;
  assert.deepEqual(decodeFdBlock(encodeFdBlock([{ flags: O, handle: big }], 8), 8), [{ flags: O, handle: big }]);
  assert.deepEqual(decodeFdBlock(encodeFdBlock([], 8), 8), []);
});

test('decode works on a subarray with a non-zero byteOffset and tolerates trailing bytes', () => {
  const block = encodeFdBlock(sample, 8);
  const host = new Uint8Array(block.length + 13);
  host.set(block, 7);
  assert.deepEqual(decodeFdBlock(host.subarray(7), 8), sample);
});

test('encode rejects values that do not fit', () => {
  assert.throws(() => encodeFdBlock([{ flags: 256, handle: 0n }], 8), BounceError);
  assert.throws(() => encodeFdBlock([{ flags: 1.5, handle: 0n }], 8), BounceError);
  assert.throws(() => encodeFdBlock([{ flags: 1, handle: 1n << 32n }], 4), BounceError);
  assert.throws(() => encodeFdBlock([{ flags: 1, handle: -(1n << 31n) - 1n }], 4), BounceError);
  // 4 + 7281*9 = 65533 fits; one more entry does not.
  const many = (n: number): FdEntry[] => Array.from({ length: n }, () => ({ flags: O, handle: 5n }));
  assert.equal(encodeFdBlock(many(7281), 8).length, 65533);
  assert.throws(() => encodeFdBlock(many(7282), 8), (e: unknown) => e instanceof BounceError && e.kind === 'invalidInput');
});

test('encodeRawFdBlock: count written as given, truncation and padding', () => {
  const entries = sample.slice(0, 2);
  const lying = encodeRawFdBlock({ count: 1000, entries, pointerSize: 8 });
  assert.equal(lying.length, 4 + 2 * 9);
  assert.equal(new DataView(lying.buffer).getInt32(0, true), 1000);
  const neg = encodeRawFdBlock({ count: -5, entries, pointerSize: 4 });
  assert.equal(new DataView(neg.buffer).getInt32(0, true), -5);
  const huge = encodeRawFdBlock({ count: 0x7fffffff, entries: [], pointerSize: 8 });
  assert.deepEqual([...huge], [0xff, 0xff, 0xff, 0x7f]);
  const wrapped = encodeRawFdBlock({ count: 0xffffffff, entries: [], pointerSize: 8 });
  assert.equal(new DataView(wrapped.buffer).getInt32(0, true), -1);
  const two = encodeRawFdBlock({ count: 3, entries, pointerSize: 8, totalSize: 2 });
  assert.deepEqual([...two], [3, 0]);
  const padded = encodeRawFdBlock({ count: 2, entries, pointerSize: 8, totalSize: 100 });
  assert.equal(padded.length, 100);
  assert.deepEqual(padded.subarray(0, 22), encodeFdBlock(entries, 8));
  assert.ok(padded.subarray(22).every((b) => b === 0));
  assert.equal(encodeRawFdBlock({ count: 0, entries: [], pointerSize: 4, totalSize: 65535 }).length, 65535);
  assert.throws(() => encodeRawFdBlock({ count: 0, entries: [], pointerSize: 4, totalSize: 65536 }), BounceError);
  assert.throws(() => encodeRawFdBlock({ count: 2 ** 32, entries: [], pointerSize: 4 }), BounceError);
});

test('malformed blocks decode to null and close nothing', () => {
  for (const ps of sizes) {
    const entries = sample;
    const n = entries.length;
    const need = 4 + n * (1 + ps);
    const bad: Array<[string, Uint8Array]> = [
      ['N one too large for the size', encodeRawFdBlock({ count: n + 1, entries, pointerSize: ps })],
      ['size one byte short', encodeRawFdBlock({ count: n, entries, pointerSize: ps, totalSize: need - 1 })],
      ['N = 0x7fffffff', encodeRawFdBlock({ count: 0x7fffffff, entries, pointerSize: ps, totalSize: 65535 })],
      // 0x7fffffff * 9 wraps to a small number in 32-bit C arithmetic; it must not here.
      ['N = 0x1c71c71d (N*9 wraps 32 bits)', encodeRawFdBlock({ count: 0x1c71c71d, entries, pointerSize: ps, totalSize: 65535 })],
      ['N = -5', encodeRawFdBlock({ count: -5, entries, pointerSize: ps, totalSize: 65535 })],
      ['N = -1', encodeRawFdBlock({ count: -1, entries: [], pointerSize: ps })],
      ['length 0', new Uint8Array(0)],
      ['length 2 (cbReserved2 = 2)', encodeRawFdBlock({ count: n, entries, pointerSize: ps, totalSize: 2 })],
      ['length 3', new Uint8Array([1, 0, 0])],
    ];
    for (const [what, block] of bad) {
      assert.equal(decodeFdBlock(block, ps), null, `${what} (pointer size ${ps})`);
      assert.deepEqual(handlesToClose(block, ps), [], `${what} (pointer size ${ps})`);
    }
    // Exactly the required size is enough.
    const exact = encodeRawFdBlock({ count: n, entries, pointerSize: ps, totalSize: need });
    assert.deepEqual(decodeFdBlock(exact, ps), entries);
  }
});

test('Cygwin-style block (first int32 is 0) decodes to no entries and closes nothing', () => {
  // Cygwin's own structure follows the zero; none of it may be read as handles.
  const cyg = new Uint8Array(64).fill(0xab);
  cyg.set([0, 0, 0, 0], 0);
  assert.deepEqual(decodeFdBlock(cyg, 8), []);
  assert.deepEqual(handlesToClose(cyg, 8), []);
});

test('handlesToClose: fds >= 3, open only, skipping 0, -1 and -2', () => {
  for (const ps of sizes) {
    assert.deepEqual(handlesToClose(encodeFdBlock(sample, ps), ps), [0x2a4n, 0x7ffffff0n]);
  }
  // fds 0-2 are never closed even when they look closable.
  const std = [0x10n, 0x14n, 0x18n].map((handle) => ({ flags: O | FdFlag.pipe, handle }));
  assert.deepEqual(handlesToClose(encodeFdBlock(std, 8), 8), []);
  // On x86 0xffffffff is -1 and 0xfffffffe is -2: not closed.
  const x86 = [...std, { flags: O, handle: 0xffffffffn }, { flags: O, handle: 0xfffffffen }, { flags: O, handle: 0x44n }];
  assert.deepEqual(handlesToClose(encodeFdBlock(x86, 4), 4), [0x44n]);
  // On x64 a handle whose low 32 bits are all ones is a real value, not -1.
  assert.deepEqual(handlesToClose(encodeFdBlock([...std, { flags: O, handle: 0xffffffffn }], 8), 8), [0xffffffffn]);
});
