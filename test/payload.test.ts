// Tests for src/payload.ts, the launcher's payload codec (docs/format.md): exact bytes of the
// header and texts, round trips of every kind, every rejection of the decoder and the encoder,
// and a cross-check against the stub's own decoder (stub/src/payload.c compiled natively): on
// valid payloads, each rejection and a few thousand mutants, both decoders give the same verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BounceError } from '../src/errors.js';
import { decodePayload, encodePayload, PayloadFlag, zipOffset, type Payload } from '../src/payload.js';
import { REPO } from './support/launchers.js';
import { prng } from './support/prng.js';

const utf16 = (s: string): number[] => [...Buffer.from(s, 'utf16le')];
const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const none = new Uint8Array(0);

function payload(p: Partial<Payload> & Pick<Payload, 'kind'>): Payload {
  return { flags: 0, program: 'python.exe', args: '', script: '', zip: none, ...p };
}

function badFormat(re: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof BounceError, String(e));
    assert.equal(e.kind, 'badFormat');
    assert.match(e.message, re);
    return true;
  };
}

function invalidInput(e: unknown): boolean {
  return e instanceof BounceError && e.kind === 'invalidInput';
}

test('exact bytes: exec kind with flags, texts and padding', () => {
  const bytes = encodePayload({ kind: 'exec', flags: PayloadFlag.allowBreakaway, program: 'p.exe', args: '-a', script: 's.js', zip: none });
  assert.deepEqual([...bytes], [
    ...[0x42, 0x4e, 0x43, 0x45], // "BNCE"
    ...[1, 0], // version 1
    3, // exec
    1, // allow breakaway
    ...u32(5), ...u32(2), ...u32(4), ...u32(0),
    ...utf16('p.exe'), ...utf16('-a'), ...utf16('s.js'),
    0, 0, // 24 + 22 = 46, padded to 48
  ]);
});

test('exact bytes: script kind, zip right after aligned texts; proxy kind', () => {
  const zip = Uint8Array.of(0x50, 0x4b, 9);
  assert.deepEqual([...encodePayload(payload({ kind: 'script', program: 'py', zip }))], [
    ...[0x42, 0x4e, 0x43, 0x45, 1, 0, 1, 0], ...u32(2), ...u32(0), ...u32(0), ...u32(3), ...utf16('py'), 0x50, 0x4b, 9,
  ]);
  assert.deepEqual([...encodePayload(payload({ kind: 'proxy', program: 'é😀', args: '-E' }))], [
    ...[0x42, 0x4e, 0x43, 0x45, 1, 0, 2, 0], ...u32(3), ...u32(2), ...u32(0), ...u32(0), ...utf16('é😀'), ...utf16('-E'), 0, 0,
  ]);
  assert.equal(zipOffset({ program: 'py', args: '', script: '' }), 28);
  assert.equal(zipOffset({ program: 'p', args: '', script: '' }), 28);
  assert.equal(zipOffset({ program: 'p.exe', args: '-a', script: 's.js' }), 48);
});

test('round trip of every kind, flag and text shape', () => {
  const zip = Uint8Array.from({ length: 1000 }, (_v, i) => (i * 13) & 0xff);
  const cases: Payload[] = [
    payload({ kind: 'script', program: 'C:\\Python312\\python.exe', zip }),
    payload({ kind: 'script', program: '..\\python.exe', args: '-E -s', zip: Uint8Array.of(1), flags: 1 }),
    payload({ kind: 'proxy', program: 'C:\\Program Files\\Python\\python.exe' }),
    payload({ kind: 'proxy', program: 'python.exe', args: '-X utf8 "two words"', flags: 1 }),
    payload({ kind: 'exec', program: 'node.exe', args: '--enable-source-maps', script: '..\\lib\\tsc.js' }),
    payload({ kind: 'exec', program: '\\\\server\\share\\日本\\😀.exe' }),
    payload({ kind: 'exec', program: 'x'.repeat(32766), args: 'y'.repeat(32766), script: 'z'.repeat(32766) }),
  ];
  for (const p of cases) {
    const bytes = encodePayload(p);
    assert.equal(bytes.length, zipOffset(p) + p.zip.length);
    const back = decodePayload(bytes);
    assert.deepEqual({ ...back, zip: [...back.zip] }, { ...p, zip: [...p.zip] });
  }
});

test('decoding a payload that sits inside a larger buffer (a resource in a file)', () => {
  const bytes = encodePayload(payload({ kind: 'script', program: 'py.exe', zip: Uint8Array.of(7, 8, 9) }));
  const file = new Uint8Array(bytes.length + 13);
  file.set(bytes, 5);
  const back = decodePayload(file.subarray(5, 5 + bytes.length));
  assert.equal(back.program, 'py.exe');
  assert.deepEqual([...back.zip], [7, 8, 9]);
});

/** One valid payload of each kind to break in the rejection cases. */
const validScript = (): Uint8Array => encodePayload(payload({ kind: 'script', program: 'py', zip: Uint8Array.of(1, 2, 3) }));
const validExec = (): Uint8Array => encodePayload(payload({ kind: 'exec', program: 'p.exe', args: '-a', script: 's.js' }));

function edited(base: Uint8Array, edit: (b: Uint8Array, v: DataView) => void): Uint8Array {
  const b = new Uint8Array(base);
  edit(b, new DataView(b.buffer));
  return b;
}

/** Every rejection the stub makes (payload.c), with the message the decoder gives. */
const REJECTIONS: [string, Uint8Array, RegExp][] = [
  ['empty', none, /truncated/],
  ['23 bytes', validExec().subarray(0, 23), /truncated/],
  ['magic', edited(validExec(), (b) => (b[3] = 0x46)), /no BNCE signature/],
  ['version 0', edited(validExec(), (_b, v) => v.setUint16(4, 0, true)), /version 0 is not supported/],
  ['version 2', edited(validExec(), (_b, v) => v.setUint16(4, 2, true)), /version 2 is not supported/],
  ['version 0x101', edited(validExec(), (_b, v) => v.setUint16(4, 0x101, true)), /version 257/],
  ['kind 0', edited(validExec(), (b) => (b[6] = 0)), /unknown kind 0/],
  ['kind 4', edited(validExec(), (b) => (b[6] = 4)), /unknown kind 4/],
  ['flags 2', edited(validExec(), (b) => (b[7] = 2)), /unknown flags 0x2/],
  ['flags 0x80', edited(validExec(), (b) => (b[7] = 0x81)), /unknown flags 0x81/],
  ['program length 0', edited(validExec(), (_b, v) => v.setUint32(8, 0, true)), /text lengths out of range/],
  ['program length 32767', edited(validExec(), (_b, v) => v.setUint32(8, 32767, true)), /text lengths out of range/],
  ['args length 32767', edited(validExec(), (_b, v) => v.setUint32(12, 32767, true)), /text lengths out of range/],
  ['script length 0xffffffff', edited(validExec(), (_b, v) => v.setUint32(16, 0xffffffff, true)), /text lengths out of range/],
  ['script in a proxy', edited(validExec(), (b) => (b[6] = 2)), /do not fit its kind/],
  ['zip in an exec', edited(validScript(), (b) => (b[6] = 3)), /do not fit its kind/],
  ['zip in a proxy', edited(validScript(), (b) => (b[6] = 2)), /do not fit its kind/],
  ['one byte more', Uint8Array.from([...validScript(), 0]), /do not match its size/],
  ['one byte less', validScript().subarray(0, validScript().length - 1), /do not match its size/],
  ['padding cut off', validExec().subarray(0, 46), /do not match its size/],
  ['zip length field too large', edited(validScript(), (_b, v) => v.setUint32(20, 4, true)), /do not match its size/],
  ['zip length field 0xffffffff', edited(validScript(), (_b, v) => v.setUint32(20, 0xffffffff, true)), /do not match its size/],
  ['texts longer than the payload', edited(validExec(), (_b, v) => v.setUint32(12, 200, true)), /do not match its size/],
  ['NUL in program', edited(validExec(), (b) => b.set([0, 0], 24)), /NUL/],
  ['NUL in args', edited(validExec(), (b) => b.set([0, 0], 24 + 10)), /NUL/],
  ['NUL in script', edited(validExec(), (b) => b.set([0, 0], 24 + 14 + 6)), /NUL/],
];

test('decodePayload: every rejection of the stub, as a badFormat error naming the file', () => {
  for (const [name, bytes, re] of REJECTIONS) {
    assert.throws(() => decodePayload(bytes, 'C:/x/tool.exe'), (e: unknown) => {
      badFormat(re)(e);
      assert.match((e as BounceError).message, /^C:\/x\/tool\.exe: corrupt Bounce payload: /);
      return true;
    }, name);
  }
  // A zero byte that is only half of a UTF-16 unit is not a NUL character.
  assert.equal(decodePayload(encodePayload(payload({ kind: 'proxy', program: 'Ā\u0100' }))).program, '\u0100\u0100');
});

test('encodePayload refuses what the stub would refuse, as invalidInput', () => {
  const bad: Payload[] = [
    payload({ kind: 'proxy', program: '' }),
    payload({ kind: 'proxy', program: 'py\0.exe' }),
    payload({ kind: 'proxy', program: 'py', args: 'a\0' }),
    payload({ kind: 'exec', program: 'py', script: 's\0' }),
    payload({ kind: 'proxy', program: 'x'.repeat(32767) }),
    payload({ kind: 'proxy', program: 'py', args: 'x'.repeat(32767) }),
    payload({ kind: 'script', program: 'py', script: 's.py' }),
    payload({ kind: 'proxy', program: 'py', script: 's.py' }),
    payload({ kind: 'proxy', program: 'py', zip: Uint8Array.of(1) }),
    payload({ kind: 'exec', program: 'py', zip: Uint8Array.of(1) }),
    payload({ kind: 'proxy', program: 'py', flags: 2 }),
    payload({ kind: 'proxy', program: 'py', flags: 0x100 }),
  ];
  for (const p of bad) assert.throws(() => encodePayload(p), invalidInput, JSON.stringify({ ...p, program: p.program.slice(0, 20), args: p.args.slice(0, 20) }));
});

/** Statuses of payload.c's payload_status enum, by the decoder's message. */
function tsStatus(bytes: Uint8Array): string {
  try {
    const p = decodePayload(bytes);
    const kind = { script: 1, proxy: 2, exec: 3 }[p.kind];
    return `0 ${kind} ${p.flags} ${p.program.length} ${p.args.length} ${p.script.length} ${p.zip.length}`;
  } catch (e) {
    assert.ok(e instanceof BounceError && e.kind === 'badFormat', String(e));
    const table: [RegExp, number][] = [
      [/truncated/, 1], [/signature/, 2], [/version/, 3], [/kind \d/, 4], [/flags/, 5], [/lengths/, 6], [/NUL/, 7],
    ];
    const hit = table.find(([re]) => re.test(e.message));
    assert.ok(hit, `unmapped message ${e.message}`);
    return String(hit[1]);
  }
}

const C_MAIN = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include "payload.h"
/* Reads records (u32 LE length, bytes) from stdin; prints payload_parse's verdict for each. */
int main(void)
{
    unsigned char h[4];
    while (fread(h, 1, 4, stdin) == 4) {
        size_t n = h[0] | h[1] << 8 | h[2] << 16 | (size_t)h[3] << 24;
        unsigned char *b = malloc(n ? n : 1);
        if (b == NULL || (n && fread(b, 1, n, stdin) != n)) return 2;
        payload p;
        payload_status st = payload_parse(b, n, &p);
        printf("%d", (int)st);
        if (st == PAYLOAD_OK)
            printf(" %u %u %u %u %u %u", p.kind, p.flags, p.program.len, p.args.len, p.script.len, p.zip_size);
        printf("\n");
        free(b);
    }
    return 0;
}
`;


function mutants(count: number, seed: number): Uint8Array[] {
  const rand = prng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const bases = [validScript(), validExec(), encodePayload(payload({ kind: 'proxy', program: 'C:\\py.exe', args: '-E' }))];
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(bases[int(bases.length)]!);
    const v = new DataView(b.buffer);
    switch (int(4)) {
      case 0: // flip bits in the header, where every byte matters
        for (let k = 1 + int(3); k > 0; k--) b[int(24)]! ^= 1 << int(8);
        break;
      case 1: // a length field set to a nearby or extreme value
        v.setUint32(8 + 4 * int(4), [0, 1, v.getUint32(8, true) + 1, 32766, 32767, 0x7fffffff, 0xffffffff][int(7)]!, true);
        break;
      case 2: // truncated
        out.push(b.subarray(0, int(b.length)));
        continue;
      default: // any byte, texts included
        b[int(b.length)] = [0, 0xff, int(256)][int(3)]!;
    }
    out.push(b);
  }
  return out;
}

const cc = spawnSync('cc', ['--version']).status === 0 ? 'cc' : spawnSync('clang', ['--version']).status === 0 ? 'clang' : null;

test('the stub decoder (payload.c, compiled here) gives the same verdict on valid, rejected and mutated payloads', { skip: cc === null ? 'no C compiler (cc or clang) to build stub/src/payload.c natively' : false }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bounce-payload-'));
  try {
    writeFileSync(join(dir, 'main.c'), C_MAIN);
    const exe = join(dir, 'decode');
    const src = join(REPO, 'stub', 'src');
    const built = spawnSync(cc!, ['-std=c11', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', `-I${src}`, '-o', exe, join(dir, 'main.c'), join(src, 'payload.c')], { encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const inputs = [validScript(), validExec(), ...REJECTIONS.map(([, b]) => b), ...mutants(3000, 20260804)];
    const records = Buffer.concat(inputs.flatMap((b) => [Buffer.from(u32(b.length)), Buffer.from(b)]));
    const r = spawnSync(exe, [], { input: records, encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const c = r.stdout.trimEnd().split('\n');
    assert.equal(c.length, inputs.length);
    const differ = inputs.map((b, i) => ({ i, ts: tsStatus(b), c: c[i] })).filter((x) => x.ts !== x.c);
    assert.deepEqual(differ.slice(0, 5), [], 'TypeScript and C decoders disagree');
    // The mutants exercise both outcomes and every kind of rejection.
    const seen = new Set(c.map((line) => line.split(' ')[0]));
    assert.deepEqual([...seen].sort(), ['0', '1', '2', '3', '4', '5', '6', '7']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
