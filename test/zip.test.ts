// Tests for src/zip.ts: CRC, exact encoder output, embedding at a base offset (checked with an
// independent unzip), decoding zips written by CPython, and hostile input that must only ever
// produce BounceError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BounceError } from '../src/errors.js';
import { crc32, decodeZip, encodeZip, type ZipEntry } from '../src/zip.js';
import { prng } from './support/prng.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

const sampleEntries: ZipEntry[] = [
  { name: '__main__.py', data: bytes('import sys\nprint(sys.argv)\n') },
  { name: 'pkg/é 日😀.txt', data: bytes('unicode name') },
  { name: 'empty', data: new Uint8Array(0) },
  { name: 'bin', data: Uint8Array.from({ length: 3000 }, (_v, i) => (i * 7) & 0xff) },
];

function isBounce(e: unknown): boolean {
  return e instanceof BounceError && e.kind === 'badFormat';
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'bounce-zip-'));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('crc32 known values', () => {
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(bytes('123456789')), 0xcbf43926);
  assert.equal(crc32(bytes('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  assert.equal(crc32(new Uint8Array([0xff, 0xff, 0xff, 0xff])), 0xffffffff);
});

test('encodeZip: round trip, reproducible, fixed header fields', () => {
  const z = encodeZip(sampleEntries);
  assert.deepEqual(decodeZip(z), sampleEntries);
  assert.deepEqual(encodeZip(sampleEntries), z, 'same input, same bytes');
  const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
  assert.equal(v.getUint32(0, true), 0x04034b50);
  assert.equal(v.getUint16(4, true), 20, 'version needed');
  assert.equal(v.getUint16(6, true), 0x0800, 'UTF-8 flag');
  assert.equal(v.getUint16(8, true), 0, 'stored');
  assert.equal(v.getUint16(10, true), 0, 'DOS time 00:00:00');
  assert.equal(v.getUint16(12, true), 0x21, 'DOS date 1980-01-01');
  // Empty archive: just the end record.
  const empty = encodeZip([]);
  assert.equal(empty.length, 22);
  assert.deepEqual(decodeZip(empty), []);
});

test('encodeZip rejects bad input with invalidInput', () => {
  const inv = (e: unknown): boolean => e instanceof BounceError && e.kind === 'invalidInput';
  assert.throws(() => encodeZip([{ name: '', data: new Uint8Array(0) }]), inv);
  assert.throws(() => encodeZip([sampleEntries[0]!, sampleEntries[0]!]), inv);
  assert.throws(() => encodeZip([], { baseOffset: -1 }), inv);
  assert.throws(() => encodeZip([], { baseOffset: 0xffffffff }), inv, 'offset needs zip64');
  const many = Array.from({ length: 0xffff }, (_v, i) => ({ name: `f${i}`, data: new Uint8Array(0) }));
  assert.throws(() => encodeZip(many), inv);
  assert.equal(decodeZip(encodeZip(many.slice(1))).length, 0xfffe);
});

function listWithIndependentTool(file: string): { out: string; err: string; status: number | null } {
  const r = existsSync('/usr/bin/unzip')
    ? spawnSync('/usr/bin/unzip', ['-l', file], { encoding: 'utf8' })
    : spawnSync('python3', ['-m', 'zipfile', '-l', file], { encoding: 'utf8' });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

test('baseOffset: zip after 1000 junk bytes and before 700 more decodes and lists cleanly', () => {
  const junkBefore = new Uint8Array(1000).fill(0x4d);
  const junkAfter = new Uint8Array(700).fill(0x5a);
  const z = encodeZip(sampleEntries, { baseOffset: junkBefore.length });
  const file = concat(junkBefore, z, junkAfter);
  assert.deepEqual(decodeZip(file), sampleEntries);
  const v = new DataView(z.buffer, z.byteOffset, z.byteLength);
  assert.equal(v.getUint32(z.length - 6, true) >= 1000, true, 'central directory offset is absolute');

  const dir = tmp();
  try {
    const p = join(dir, 'launcher.exe');
    writeFileSync(p, file);
    const r = listWithIndependentTool(p);
    assert.equal(r.status, 0, r.out + r.err);
    assert.doesNotMatch(r.out + r.err, /warning|extra bytes|error/i);
    assert.match(r.out, /__main__\.py/);
    assert.match(r.out, /4 files/);
    // Python's zipfile agrees too (it applies no offset fix-up when offsets are right).
    const py = execFileSync('python3', ['-c', 'import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).namelist())', p], {
      encoding: 'utf8',
    });
    assert.match(py, /'__main__.py', 'pkg\/é 日😀.txt', 'empty', 'bin'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a zip written without baseOffset still decodes when prefixed (zipimport-style archive offset)', () => {
  const z = encodeZip(sampleEntries);
  const file = concat(new Uint8Array(4321).fill(1), z, new Uint8Array(50000).fill(2));
  assert.deepEqual(decodeZip(file), sampleEntries);
  // Past 65535+22 bytes of trailing data the end record is out of reach.
  const far = concat(z, new Uint8Array(65536));
  assert.throws(() => decodeZip(far), isBounce);
});

test('decodes a deflated zip written by CPython zipfile', () => {
  const dir = tmp();
  try {
    const p = join(dir, 'py.zip');
    execFileSync('python3', [
      '-c',
      [
        'import sys, zipfile',
        'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:',
        '    z.writestr("a.txt", "hello " * 1000)',
        '    z.writestr("dir/é.txt", "accent")',
        '    z.writestr("empty.txt", "")',
        '    z.writestr("stored.bin", bytes(range(256)), compress_type=zipfile.ZIP_STORED)',
        '    z.comment = b"a comment"',
      ].join('\n'),
      p,
    ]);
    const file = new Uint8Array(readFileSync(p));
    const got = decodeZip(file, p);
    assert.deepEqual(
      got.map((e) => e.name),
      ['a.txt', 'dir/é.txt', 'empty.txt', 'stored.bin'],
    );
    assert.equal(new TextDecoder().decode(got[0]!.data), 'hello '.repeat(1000));
    assert.equal(new TextDecoder().decode(got[1]!.data), 'accent');
    assert.equal(got[2]!.data.length, 0);
    assert.deepEqual([...got[3]!.data], Array.from({ length: 256 }, (_v, i) => i));
    // Method 8 really was used (otherwise this test proves nothing about inflate).
    assert.equal(new DataView(file.buffer, file.byteOffset).getUint16(8, true), 8);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('names without the UTF-8 flag are decoded as CP437', () => {
  const z = encodeZip([{ name: 'é', data: bytes('x') }]);
  const v = new DataView(z.buffer);
  v.setUint16(6, 0, true); // local header flags
  const cd = v.getUint32(z.length - 6, true);
  v.setUint16(cd + 8, 0, true); // central header flags
  // UTF-8 C3 A9 read as CP437.
  assert.equal(decodeZip(z)[0]!.name, '├⌐');
});

test('truncated and garbage input gives BounceError with the path', () => {
  const z = encodeZip(sampleEntries);
  const bad: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['21 bytes', new Uint8Array(21)],
    ['zeros', new Uint8Array(5000)],
    ['text', bytes('this is not a zip file at all, not even close. '.repeat(20))],
    ['end record only, rest cut', z.subarray(z.length - 22)],
    ['missing last byte', z.subarray(0, z.length - 1)],
    ['first half', z.subarray(0, z.length >> 1)],
    ['local headers cut', z.subarray(100)],
  ];
  for (const [what, data] of bad) {
    assert.throws(
      () => decodeZip(data, '/x/broken.zip'),
      (e: unknown) => isBounce(e) && e instanceof BounceError && e.path === '/x/broken.zip',
      what,
    );
  }
});

test('specific corruptions are caught: CRC, sizes, counts, method', () => {
  const base = encodeZip([{ name: 'a', data: bytes('hello world') }]);
  const cdOff = (z: Uint8Array): number => new DataView(z.buffer).getUint32(z.length - 6, true);
  const mutate = (f: (v: DataView, z: Uint8Array) => void): Uint8Array => {
    const z = base.slice();
    f(new DataView(z.buffer), z);
    return z;
  };
  const expectReason = (z: Uint8Array, re: RegExp): void => {
    assert.throws(() => decodeZip(z), (e: unknown) => isBounce(e) && re.test((e as Error).message));
  };
  expectReason(mutate((_v, z) => { z[34] = z[34]! ^ 1; }), /CRC/);
  expectReason(mutate((v, z) => v.setUint32(cdOff(z) + 16, 0x12345678, true)), /CRC/);
  expectReason(mutate((v, z) => { v.setUint16(z.length - 12, 1000, true); v.setUint16(z.length - 14, 1000, true); }), /too small for 1000 entries/);
  expectReason(mutate((v, z) => v.setUint16(z.length - 12, 2, true)), /multi-disk/);
  expectReason(mutate((v, z) => { v.setUint16(z.length - 12, 0xffff, true); v.setUint16(z.length - 14, 0xffff, true); }), /entries/);
  expectReason(mutate((v, z) => v.setUint16(cdOff(z) + 10, 12, true)), /method 12/);
  expectReason(mutate((v, z) => v.setUint16(cdOff(z) + 8, 0x0801, true)), /encrypted/);
  expectReason(mutate((v, z) => { v.setUint32(cdOff(z) + 20, 0x7fffffff, true); v.setUint32(cdOff(z) + 24, 0x7fffffff, true); }), /past the end/);
  expectReason(mutate((v, z) => v.setUint32(cdOff(z) + 42, 0xfffffff0, true)), /outside the file/);
  expectReason(mutate((v, z) => v.setUint32(z.length - 10, 0xffffff00, true)), /size/);
  // Deflate claiming 4 GB out of 11 bytes is refused before inflating anything.
  expectReason(mutate((v, z) => { v.setUint16(cdOff(z) + 10, 8, true); v.setUint32(cdOff(z) + 24, 0xfffffff0, true); }), /ratio/);
  // Deflate whose stream is garbage: zlib's error comes back as BounceError.
  expectReason(mutate((v, z) => { v.setUint16(cdOff(z) + 10, 8, true); z.fill(0xff, 31, 42); }), /inflate/);
});


test('mutation: 500 seeded flips/truncations of stored and deflated zips only ever throw BounceError', () => {
  const dir = tmp();
  let deflated: Uint8Array;
  try {
    const p = join(dir, 'd.zip');
    execFileSync('python3', [
      '-c',
      'import sys,zipfile\nwith zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED) as z:\n z.writestr("m.py","print(1)\\n"*50)\n z.writestr("n","abc"*300)',
      p,
    ]);
    deflated = new Uint8Array(readFileSync(p));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seeds = [encodeZip(sampleEntries, { baseOffset: 64 }), deflated];
  const rand = prng(0x5eed);
  const pick = (n: number): number => Math.floor(rand() * n);
  let ok = 0;
  let failed = 0;
  for (let iter = 0; iter < 500; iter++) {
    const src = seeds[iter % seeds.length]!;
    let z = src.slice();
    const kind = pick(4);
    if (kind === 0) {
      z = z.subarray(0, pick(z.length));
    } else {
      const flips = 1 + pick(kind === 3 ? 30 : 4);
      for (let k = 0; k < flips; k++) {
        // Most structure lives in the last 100 bytes (directory and end record): aim there often.
        const at = rand() < 0.6 ? z.length - 1 - pick(Math.min(z.length, 120)) : pick(z.length);
        z[at] = kind === 1 ? z[at]! ^ (1 << pick(8)) : pick(256);
      }
    }
    try {
      decodeZip(z, 'm.zip');
      ok++;
    } catch (e) {
      assert.ok(isBounce(e), `iteration ${iter}: ${String(e)}`);
      failed++;
    }
  }
  // Both outcomes must occur, or the mutations are not exercising anything.
  assert.ok(failed > 100, `failed ${failed}`);
  assert.ok(ok > 0, `ok ${ok}`);
});
