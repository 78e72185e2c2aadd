// Tests for src/pe.ts on the six real stubs (stub/bin/*.exe): the headers it reads (machine,
// subsystem, the manifest resource), and that replaceResources gives a well-formed PE: the same
// resources plus the new one, SizeOfImage, a PE checksum checked by an independent algorithm,
// file-aligned contiguous sections, .reloc moved with its data directory, and nothing else
// changed. Hostile input (truncations, a resource loop, inflated counts and sizes, a few hundred
// seeded mutants) must give BounceError badFormat and nothing else, quickly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BounceError } from '../src/errors.js';
import { buildLauncher } from '../src/build.js';
import { readBounceLauncher, readLauncher } from '../src/read.js';
import {
  DIR_BASERELOC,
  DIR_RESOURCE,
  encodeResources,
  parsePe,
  peChecksum,
  readResources,
  replaceResources,
  RT_MANIFEST,
  RT_RCDATA,
  type PeImage,
  type Resource,
} from '../src/pe.js';
import { ARCHES, readStub, type Arch } from '../src/stubs.js';
import { buildPythonLauncher } from '../src/python/launcher.js';
import { distlibDir } from './support/launchers.js';
import { prng } from './support/prng.js';

const STUBS = ARCHES.flatMap((arch) => [false, true].map((gui) => ({ arch, gui, name: `${arch}-${gui ? 'gui' : 'console'}.exe` })));
const MACHINE_CODES: Record<Arch, number> = { x64: 0x8664, x86: 0x14c, arm64: 0xaa64 };

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;
const none = new Uint8Array(0);

function isBadFormat(e: unknown): boolean {
  return e instanceof BounceError && e.kind === 'badFormat';
}

function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

/** The PE checksum as pefile computes it (32-bit sums folded), independent of src/pe.ts's 16-bit loop. */
function independentChecksum(file: Uint8Array, checksumOffset: number): number {
  assert.equal(checksumOffset % 4, 0);
  const padded = new Uint8Array(alignUp(file.length, 4));
  padded.set(file);
  const view = new DataView(padded.buffer);
  let sum = 0n;
  for (let i = 0; i < padded.length; i += 4) {
    if (i === checksumOffset) continue;
    sum = (sum & 0xffffffffn) + BigInt(view.getUint32(i, true)) + (sum >> 32n);
    if (sum > 0xffffffffn) sum = (sum & 0xffffffffn) + (sum >> 32n);
  }
  sum = (sum & 0xffffn) + (sum >> 16n);
  sum = (sum + (sum >> 16n)) & 0xffffn;
  return Number(sum) + file.length;
}

const sortKey = (r: Resource): string => `${typeof r.type}:${String(r.type)}/${typeof r.name}:${String(r.name)}/${r.lang}`;

function comparable(resources: readonly Resource[]): { key: string; data: string }[] {
  return resources
    .map((r) => ({ key: sortKey(r), data: Buffer.from(r.data).toString('hex') }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Everything a loader and a signer rely on in the section layout, checked on `file`. A stub's
 * checksum may be 0 ("not computed": linkers leave it so and Windows accepts it for programs);
 * a launcher's must be the real one.
 */
function assertWellFormed(file: Uint8Array, image: PeImage, checksum: 'computed' | 'computedOrZero'): void {
  const { sections, fileAlignment, sectionAlignment } = image;
  let rawEnd = 0;
  sections.forEach((s, i) => {
    assert.equal(s.virtualAddress % sectionAlignment, 0, `${s.name} VA aligned`);
    assert.equal(s.rawPointer % fileAlignment, 0, `${s.name} raw pointer file-aligned`);
    assert.equal(s.rawSize % fileAlignment, 0, `${s.name} raw size file-aligned`);
    assert.ok(s.rawSize <= alignUp(s.virtualSize, fileAlignment), `${s.name} raw data within its virtual size`);
    if (i > 0) {
      const prev = sections[i - 1]!;
      assert.equal(s.virtualAddress, alignUp(prev.virtualAddress + prev.virtualSize, sectionAlignment), `${s.name} follows ${prev.name} in memory`);
    }
    if (s.rawSize > 0) {
      if (rawEnd > 0) assert.equal(s.rawPointer, rawEnd, `${s.name} follows the previous section in the file`);
      rawEnd = s.rawPointer + s.rawSize;
    }
  });
  assert.equal(rawEnd, file.length, 'the last section ends the file');
  const last = sections[sections.length - 1]!;
  assert.equal(u32(file, image.offsets.sizeOfImage), alignUp(last.virtualAddress + last.virtualSize, sectionAlignment), 'SizeOfImage');
  const stored = u32(file, image.offsets.checksum);
  if (!(checksum === 'computedOrZero' && stored === 0)) assert.equal(stored, independentChecksum(file, image.offsets.checksum), 'PE checksum');
  const rsrcDir = image.directories[DIR_RESOURCE]!;
  const rsrc = sections.find((s) => s.name === '.rsrc')!;
  assert.deepEqual(rsrcDir, { rva: rsrc.virtualAddress, size: rsrc.virtualSize }, 'resource data directory');
  const reloc = sections.find((s) => s.name === '.reloc');
  if (reloc !== undefined) assert.equal(image.directories[DIR_BASERELOC]!.rva, reloc.virtualAddress, 'base relocation directory');
}

for (const { arch, gui, name } of STUBS) {
  test(`${name}: machine, subsystem, manifest, layout`, () => {
    const stub = readStub(arch, gui);
    const image = parsePe(stub, name);
    assert.equal(image.machine, arch);
    assert.equal(u16(stub, u32(stub, 0x3c) + 4), MACHINE_CODES[arch]);
    assert.equal(image.is64, arch !== 'x86');
    assert.equal(image.subsystem, gui ? 2 : 3);
    assert.equal(image.certificate, null);
    const resources = readResources(stub, image, name);
    const manifest = resources.find((r) => r.type === RT_MANIFEST);
    assert.ok(manifest, 'a manifest resource (type 24)');
    const text = Buffer.from(manifest.data).toString('utf8');
    assert.match(text, /level="asInvoker"/);
    assert.match(text, /longPathAware[^<]*>\s*true/);
    assert.equal(resources.some((r) => r.type === RT_RCDATA), false, 'a bare stub carries no payload');
    assertWellFormed(stub, image, 'computedOrZero');
  });

  test(`${name}: replaceResources adds a payload and keeps the PE well-formed`, () => {
    const stub = readStub(arch, gui);
    const before = parsePe(stub);
    const kept = readResources(stub, before);
    // 70 KB: the resource section grows by many pages, so anything after it must move.
    for (const size of [5, 70_000]) {
      const payload: Resource = { type: RT_RCDATA, name: 'BOUNCE', lang: 0, data: pseudoRandomBytes(size, size) };
      const { file, dataFileOffsets } = replaceResources(stub, [...kept, payload]);
      const after = parsePe(file);
      assert.equal(after.machine, before.machine);
      assert.equal(after.subsystem, before.subsystem);
      const read = readResources(file, after);
      assert.deepEqual(comparable(read), comparable([...kept, payload]));
      const added = read.find((r) => r.type === RT_RCDATA)!;
      assert.equal(added.fileOffset, dataFileOffsets[kept.length]);
      assertWellFormed(file, after, 'computed');

      // Sections keep their order and names; everything before the resource section (code and
      // data) is byte for byte the stub's.
      assert.deepEqual(after.sections.map((s) => s.name), before.sections.map((s) => s.name));
      const rsrcBefore = before.sections.find((s) => s.name === '.rsrc')!;
      const rsrcAfter = after.sections.find((s) => s.name === '.rsrc')!;
      assert.equal(rsrcAfter.rawPointer, rsrcBefore.rawPointer);
      assert.equal(rsrcAfter.virtualAddress, rsrcBefore.virtualAddress);
      const headersEnd = before.sections[before.sections.length - 1]!.headerOffset + 40;
      assert.deepEqual(file.subarray(headersEnd, rsrcBefore.rawPointer), stub.subarray(headersEnd, rsrcBefore.rawPointer));

      const relocBefore = before.sections.find((s) => s.name === '.reloc');
      const relocAfter = after.sections.find((s) => s.name === '.reloc');
      assert.equal(relocAfter === undefined, relocBefore === undefined);
      if (relocBefore !== undefined && relocAfter !== undefined) {
        assert.equal(relocAfter.virtualAddress, alignUp(rsrcAfter.virtualAddress + rsrcAfter.virtualSize, after.sectionAlignment));
        assert.equal(relocAfter.rawPointer, rsrcAfter.rawPointer + rsrcAfter.rawSize);
        assert.equal(relocAfter.virtualSize, relocBefore.virtualSize);
        assert.deepEqual(
          file.subarray(relocAfter.rawPointer, relocAfter.rawPointer + relocAfter.rawSize),
          stub.subarray(relocBefore.rawPointer, relocBefore.rawPointer + relocBefore.rawSize),
          'relocation blocks moved unchanged',
        );
        assert.deepEqual(after.directories[DIR_BASERELOC], { rva: relocAfter.virtualAddress, size: before.directories[DIR_BASERELOC]!.size });
        if (size > 4096) assert.ok(relocAfter.virtualAddress > relocBefore.virtualAddress, 'the growth moved .reloc');
      }
      // Other data directories (imports, debug, IAT) point into .text and are untouched.
      before.directories.forEach((d, i) => {
        if (i !== DIR_RESOURCE && i !== DIR_BASERELOC) assert.deepEqual(after.directories[i], d, `data directory ${i}`);
      });
    }
  });
}

test('encodeResources: named entries first, IDs ascending, strings and languages read back', () => {
  const resources: Resource[] = [
    { type: RT_RCDATA, name: 7, lang: 1033, data: Uint8Array.of(1) },
    { type: RT_RCDATA, name: 7, lang: 0, data: Uint8Array.of(2, 2) },
    { type: RT_RCDATA, name: 'ZETA', lang: 0, data: Uint8Array.of(3) },
    { type: RT_RCDATA, name: 'ALPHA', lang: 0, data: new Uint8Array(0) },
    { type: 'MYTYPE', name: 1, lang: 0, data: pseudoRandomBytes(33, 5) },
    { type: RT_MANIFEST, name: 1, lang: 1033, data: Uint8Array.of(4) },
  ];
  const stub = readStub('x64', false);
  const { file } = replaceResources(stub, resources);
  const read = readResources(file, parsePe(file));
  assert.deepEqual(comparable(read), comparable(resources));
  assert.deepEqual(read.map(sortKey), [
    'string:MYTYPE/number:1/0',
    'number:10/string:ALPHA/0',
    'number:10/string:ZETA/0',
    'number:10/number:7/0',
    'number:10/number:7/1033',
    'number:24/number:1/1033',
  ]);
  for (const r of read) assert.equal(r.fileOffset % 8, 0, 'data 8-aligned');
  // Same resources, same bytes (and a duplicate is refused).
  assert.deepEqual(encodeResources(resources, 0x4000).bytes, encodeResources([...resources], 0x4000).bytes);
  assert.throws(() => encodeResources([...resources, { type: RT_RCDATA, name: 'zeta', lang: 0, data: none }], 0x4000), isBadFormat);
});

test('replaceResources refuses a signed file and files it cannot lay out', () => {
  const stub = readStub('x64', false);
  const image = parsePe(stub);
  const signed = new Uint8Array([...stub, ...new Uint8Array(16)]);
  const dv = new DataView(signed.buffer);
  dv.setUint32(image.offsets.directories + 8 * 4, stub.length, true);
  dv.setUint32(image.offsets.directories + 8 * 4 + 4, 16, true);
  assert.throws(() => replaceResources(signed, []), (e: unknown) => isBadFormat(e) && /signed/.test((e as Error).message));
  const trailing = new Uint8Array([...stub, 1, 2, 3]);
  assert.throws(() => replaceResources(trailing, []), (e: unknown) => isBadFormat(e) && /after its last section/.test((e as Error).message));
  // Header values that would size the output (found by the mutation test below).
  for (const [field, value] of [[36, 0xffffffff], [36, 3000], [32, 256]] as const) {
    const odd = new Uint8Array(stub);
    new DataView(odd.buffer).setUint32(image.offsets.optionalHeader + field, value, true);
    assert.throws(() => replaceResources(odd, []), (e: unknown) => isBadFormat(e) && /unsupported alignment/.test((e as Error).message));
  }
});

// ---------------------------------------------------------------------------------------
// hostile input

/** A real launcher (x86: it has a .reloc section after the resources) and its landmarks. */
function launcher(arch: Arch = 'x86'): { file: Uint8Array; image: PeImage; rsrcBase: number; payloadAt: number; payloadRva: number } {
  const file = buildLauncher({ kind: 'exec', arch, program: 'C:\\Program Files\\node\\node.exe', args: ['--x'], script: 'lib\\cli.js' });
  const image = parsePe(file);
  const rsrc = image.sections.find((s) => s.name === '.rsrc')!;
  const payload = readResources(file, image).find((r) => r.name === 'BOUNCE')!;
  return { file, image, rsrcBase: rsrc.rawPointer, payloadAt: payload.fileOffset, payloadRva: payload.fileOffset - rsrc.rawPointer + rsrc.virtualAddress };
}

/** Parsing and reading `file` fails with badFormat; readLauncher reports it as unknown. */
function assertRejected(file: Uint8Array, what: string, re?: RegExp): void {
  assert.throws(
    () => readResources(file, parsePe(file, 'x.exe'), 'x.exe'),
    (e: unknown) => {
      assert.ok(isBadFormat(e), `${what}: ${String(e)}`);
      if (re) assert.match((e as Error).message, re, what);
      return true;
    },
    what,
  );
  assert.throws(() => readBounceLauncher(file), isBadFormat, what);
  const info = readLauncher(file, 'x.exe');
  assert.equal(info.format, 'unknown', what);
}

function patched(file: Uint8Array, at: number, value: number, width: 2 | 4 = 4): Uint8Array {
  const out = new Uint8Array(file);
  const dv = new DataView(out.buffer);
  if (width === 2) dv.setUint16(at, value, true);
  else dv.setUint32(at, value >>> 0, true);
  return out;
}

test('truncated files give badFormat at every structure they cut', () => {
  const { file, image, rsrcBase, payloadAt } = launcher();
  const pe = u32(file, 0x3c);
  const cuts: [number, RegExp][] = [
    [0, /truncated PE file: DOS header/],
    [1, /DOS header/],
    [63, /DOS header/],
    [pe + 10, /PE header/],
    [pe + 30, /optional header/],
    [image.sections[image.sections.length - 1]!.headerOffset + 39, /section table/],
    [rsrcBase, /resource directory/],
    [rsrcBase + 20, /resource directory/],
    [payloadAt + 10, /resource data lies outside the file/],
  ];
  for (const [length, re] of cuts) assertRejected(file.subarray(0, length), `cut at ${length}`, re);
  assertRejected(new TextEncoder().encode('MZ is not enough'), 'short text');
});

test('a resource directory loop, inflated counts, sizes and offsets give badFormat', () => {
  const { file, image, rsrcBase, payloadRva } = launcher();
  const pe = u32(file, 0x3c);
  // Root entries follow the 16-byte root header; an entry is {id or name, target}. The first
  // type is RT_RCDATA: root -> its names directory -> "BOUNCE"'s languages -> the data entry.
  const rootTarget = rsrcBase + 16 + 4;
  const namesDir = rsrcBase + (u32(file, rootTarget) & 0x7fffffff);
  const langDir = rsrcBase + (u32(file, namesDir + 16 + 4) & 0x7fffffff);
  const dataEntry = rsrcBase + u32(file, langDir + 16 + 4);
  assert.equal(u32(file, dataEntry), payloadRva, 'found the payload data entry');
  const stringName = rsrcBase + (u32(file, namesDir + 16) & 0x7fffffff);
  assert.equal(u16(file, stringName), 'BOUNCE'.length);
  const cases: [string, Uint8Array, RegExp][] = [
    ['a type entry pointing back at the root', patched(file, rootTarget, 0x80000000), /loop/],
    ['a name entry pointing at its own directory', patched(file, namesDir + 16 + 4, 0x80000000 | (namesDir - rsrcBase)), /loop/],
    ['named-entry count 0xffff', patched(file, rsrcBase + 12, 0xffff, 2), /entries lie outside/],
    ['id-entry count 0xffff in a subdirectory', patched(file, namesDir + 14, 0xffff, 2), /entries lie outside/],
    ['subdirectory offset 0x7fffffff', patched(file, rootTarget, 0xffffffff), /outside the resource section/],
    ['data entry under the type level', patched(file, rootTarget, 0x00000010), /malformed/],
    ['a fourth level', patched(file, langDir + 16 + 4, 0x80000000 | (dataEntry - rsrcBase)), /deeper than three levels/],
    ['data size 0xfffffff0', patched(file, dataEntry + 4, 0xfffffff0), /resource data lies outside/],
    ['data rva past the image', patched(file, dataEntry, 0x7ffff000), /resource data lies outside/],
    ['string name length 0xffff', patched(file, stringName, 0xffff, 2), /name lies outside/],
    ['resource directory rva 0x10000000', patched(file, image.offsets.directories + 8 * DIR_RESOURCE, 0x10000000), /resource directory lies outside/],
    ['e_lfanew 0xfffffff0', patched(file, 0x3c, 0xfffffff0), /PE header/],
    ['section count 0xffff', patched(file, pe + 6, 0xffff, 2), /section table/],
    ['optional header size 0xffff', patched(file, pe + 20, 0xffff, 2), /optional header/],
    ['optional header size 16', patched(file, pe + 20, 16, 2), /optional header is too small/],
    ['optional header magic', patched(file, pe + 24, 0x1234, 2), /magic/],
    ['PE signature', patched(file, pe, 0x00004551), /no PE signature/],
    ['MZ signature', patched(file, 0, 0x5a4e, 2), /no MZ signature/],
  ];
  for (const [what, bytes, re] of cases) assertRejected(bytes, what, re);
});


test('seeded mutants of real launchers: only BounceError escapes, quickly', () => {
  // PE_MUTANTS and PE_SEED widen the search when hunting bugs; the default run is the seeded 400.
  const MUTANTS = Number(process.env['PE_MUTANTS'] ?? 400);
  const rand = prng(Number(process.env['PE_SEED'] ?? 0xb0c3));
  const int = (n: number): number => Math.floor(rand() * n);
  const targets = [launcher('x86'), launcher('x64')];
  const outcomes = { ok: 0, badFormat: 0 };
  const escaped: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < MUTANTS; i++) {
    const { file, image, rsrcBase } = targets[i % targets.length]!;
    const headersEnd = image.sections[image.sections.length - 1]!.headerOffset + 40;
    // Most mutations go where the parser looks: the headers and the resource directory.
    const hotspot = (): number => (rand() < 0.5 ? int(headersEnd) : rsrcBase + int(Math.min(512, file.length - rsrcBase)));
    let m: Uint8Array = new Uint8Array(file);
    const op = int(4);
    if (op === 0) {
      for (let k = 1 + int(4); k > 0; k--) m[hotspot()]! ^= 1 << int(8);
    } else if (op === 1) {
      m = m.subarray(0, int(file.length));
    } else if (op === 2) {
      const at = Math.min(hotspot() & ~3, file.length - 4);
      const values = [0xffffffff, 0x80000000, 0x7fffffff, 0x7fff0000, file.length, u32(file, at) + 0x1000, u32(file, at) * 16];
      m = patched(m, at, values[int(values.length)]!);
    } else {
      for (let k = 1 + int(8); k > 0; k--) m[int(m.length)] = int(256);
    }
    try {
      const image2 = parsePe(m);
      const resources = readResources(m, image2);
      readBounceLauncher(m);
      // Whatever the writer accepts, it writes as a PE the reader reads back the same.
      const rewritten = replaceResources(m, resources).file;
      assert.deepEqual(comparable(readResources(rewritten, parsePe(rewritten))), comparable(resources));
      outcomes.ok++;
    } catch (e) {
      if (isBadFormat(e)) outcomes.badFormat++;
      else escaped.push(`mutant ${i} (op ${op}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    try {
      readLauncher(m, 'm.exe');
    } catch (e) {
      escaped.push(`mutant ${i} (op ${op}) readLauncher threw: ${String(e)}`);
    }
  }
  const ms = performance.now() - t0;
  assert.deepEqual(escaped.slice(0, 3), []);
  assert.ok(outcomes.badFormat > MUTANTS / 4, `mutants rejected: ${JSON.stringify(outcomes)}`);
  assert.ok(outcomes.ok > 0, `some mutants (e.g. flips in unused bytes) still parse: ${JSON.stringify(outcomes)}`);
  assert.ok(ms < 10_000, `${MUTANTS} mutants took ${Math.round(ms)} ms`);
});

test('peChecksum gives the checksums Microsoft\'s linker stored in distlib\'s launchers', (t) => {
  const found = distlibDir();
  if ('reason' in found) {
    t.skip(found.reason);
    return;
  }
  let checked = 0;
  for (const name of ['t32.exe', 't64.exe', 'w32.exe', 'w64.exe']) {
    const file: Uint8Array = new Uint8Array(readFileSync(join(found.dir, name)));
    const image = parsePe(file);
    const stored = u32(file, image.offsets.checksum);
    if (stored === 0) continue;
    assert.equal(peChecksum(file, image.offsets.checksum), stored, name);
    // An odd view (not 2-aligned in its buffer) takes the byte-wise path: same result.
    const odd = new Uint8Array(file.length + 1).subarray(1);
    odd.set(file);
    assert.equal(peChecksum(odd, image.offsets.checksum), stored, `${name}, unaligned`);
    checked++;
  }
  assert.ok(checked > 0, 'no distlib launcher carries a checksum');
});

test('a script launcher, its payload written in place after the layout, has the right checksum', () => {
  for (const arch of ARCHES) {
    const file = buildPythonLauncher({ python: 'C:\\Python312\\python.exe', entry: 'pkg.cli:main', arch });
    const image = parsePe(file);
    assert.equal(u32(file, image.offsets.checksum), independentChecksum(file, image.offsets.checksum), arch);
  }
});
