// Tests for src/read.ts: readBounceLauncher / readLauncher give back the spec a launcher was built
// from (kind, arch, gui, interpreter, interpreterRelative, interpreterArgs, script, entryPoint,
// allowBreakaway, signed), and any file that is not a Bounce launcher (empty, text, other
// executables, a bare stub, a corrupt payload or zip, a truncated launcher) is reported as
// {format: 'unknown', reason} by readLauncher and as badFormat by readBounceLauncher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildLauncher, type LauncherSpec } from '../src/build.js';
import { BounceError } from '../src/errors.js';
import { parsePe, readResources } from '../src/pe.js';
import { pythonLauncherSpec } from '../src/python/launcher.js';
import { entryPointScript } from '../src/python/script.js';
import { readBounceLauncher, readLauncher, type BounceLauncherInfo } from '../src/read.js';
import { readStub } from '../src/stubs.js';
import { encodeZip } from '../src/zip.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const base: BounceLauncherInfo = {
  format: 'bounce',
  kind: 'proxy',
  arch: 'x64',
  gui: false,
  interpreter: '',
  interpreterRelative: false,
  interpreterArgs: [],
  script: null,
  entryPoint: null,
  allowBreakaway: false,
  signed: false,
};

const CASES: [string, LauncherSpec, Partial<BounceLauncherInfo>][] = [
  [
    'python entry point, absolute interpreter',
    pythonLauncherSpec({ python: 'C:\\Python312\\python.exe', entry: 'pkg.cli:main' }),
    {
      kind: 'script',
      interpreter: 'C:\\Python312\\python.exe',
      script: entryPointScript({ module: 'pkg.cli', attr: 'main' }, { shebang: 'C:\\Python312\\python.exe' }),
      entryPoint: 'pkg.cli:main',
    },
  ],
  [
    'python gui entry point, relative pythonw, arm64',
    pythonLauncherSpec({ python: '../bin/pythonw.exe', entry: 'páck.gui:App.run', gui: true, arch: 'arm64' }),
    {
      kind: 'script',
      arch: 'arm64',
      gui: true,
      interpreter: '..\\bin\\pythonw.exe',
      interpreterRelative: true,
      script: entryPointScript({ module: 'páck.gui', attr: 'App.run' }, { shebang: '../bin/pythonw.exe' }),
      entryPoint: 'páck.gui:App.run',
    },
  ],
  [
    'script kind with its own __main__.py (no entry point to recognise)',
    { kind: 'script', program: '\\\\server\\share\\py.exe', args: ['-I'], files: [{ name: '__main__.py', data: utf8('print(1)\n') }], arch: 'x86' },
    { kind: 'script', arch: 'x86', interpreter: '\\\\server\\share\\py.exe', interpreterArgs: ['-I'], script: 'print(1)\n' },
  ],
  [
    'proxy with awkward fixed arguments, gui',
    { kind: 'proxy', program: 'C:/Program Files/Python/python.exe', args: ['-E', 'two words', '', 'q"uote', 'trail\\', 'tab\there'], gui: true },
    { interpreter: 'C:\\Program Files\\Python\\python.exe', gui: true, interpreterArgs: ['-E', 'two words', '', 'q"uote', 'trail\\', 'tab\there'] },
  ],
  [
    'exec with a script, relative program, breakaway, x86 gui',
    { kind: 'exec', program: '..\\node\\node.exe', args: ['--enable-source-maps'], script: 'lib/cli.js', allowBreakaway: true, arch: 'x86', gui: true },
    {
      kind: 'exec',
      arch: 'x86',
      gui: true,
      interpreter: '..\\node\\node.exe',
      interpreterRelative: true,
      interpreterArgs: ['--enable-source-maps'],
      script: 'lib\\cli.js',
      allowBreakaway: true,
    },
  ],
  ['exec without a script', { kind: 'exec', program: 'tool.exe' }, { kind: 'exec', interpreter: 'tool.exe', interpreterRelative: true }],
];

for (const [what, spec, expected] of CASES) {
  test(`round trip: ${what}`, () => {
    const file = buildLauncher(spec);
    const info = readBounceLauncher(file, 'C:\\x\\tool.exe');
    assert.deepEqual(info, { ...base, ...expected });
    assert.deepEqual(readLauncher(file, 'tool.exe'), info);
  });
}

function isBadFormat(e: unknown): boolean {
  return e instanceof BounceError && e.kind === 'badFormat';
}

/** A copy of `file` with `edit` applied to its payload resource's bytes. */
function withPayload(file: Uint8Array, edit: (payload: Uint8Array) => void): Uint8Array {
  const out = new Uint8Array(file);
  const r = readResources(out, parsePe(out)).find((x) => x.name === 'BOUNCE')!;
  edit(out.subarray(r.fileOffset, r.fileOffset + r.data.length));
  return out;
}

test('files that are not Bounce launchers: unknown, with the reason, never an exception', () => {
  const launcher = buildLauncher(pythonLauncherSpec({ python: 'C:\\Python\\python.exe', entry: 'm:f' }));
  const eocd = Buffer.from(launcher).lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const brokenZip = new Uint8Array(launcher);
  brokenZip[eocd + 16]! ^= 0x40; // central directory offset
  const cases: [string, Uint8Array, RegExp][] = [
    ['an empty file', new Uint8Array(0), /truncated PE file/],
    ['a text file', utf8('#!/bin/sh\necho hello\n'.repeat(10)), /not a PE file/],
    ['a zip', encodeZip([{ name: '__main__.py', data: utf8('print(1)') }]), /not a PE file/],
    ['this machine’s node binary', new Uint8Array(readFileSync(process.execPath).subarray(0, 4096)), /not a PE file/],
    ['a bare stub', readStub('x64', false), /without a Bounce payload/],
    ['a launcher cut in half', launcher.subarray(0, Math.floor(launcher.length / 2)), /truncated|outside/],
    ['a corrupt payload signature', withPayload(launcher, (p) => (p[0] = 0x58)), /corrupt Bounce payload: no BNCE signature/],
    ['a payload from a newer format', withPayload(launcher, (p) => (p[4] = 2)), /format version 2 is not supported/],
    ['a script launcher whose zip is broken', brokenZip, /zip|central directory/i],
  ];
  for (const [what, bytes, re] of cases) {
    const info = readLauncher(bytes, '/some/where/file.exe');
    assert.equal(info.format, 'unknown', what);
    assert.ok(info.format === 'unknown');
    assert.match(info.reason, re, what);
    assert.ok(!info.reason.startsWith('/some/where/file.exe'), `${what}: the reason does not repeat the path`);
    assert.throws(() => readBounceLauncher(bytes, 'file.exe'), isBadFormat, what);
  }
});

test('signed is false for unsigned launchers, and true once a certificate table is present', () => {
  const file = buildLauncher({ kind: 'proxy', program: 'C:\\p.exe' });
  assert.equal(readBounceLauncher(file).signed, false);
  // A certificate table, as a signer appends it (sign.test.ts does it for real with osslsigncode).
  const image = parsePe(file);
  const signed = new Uint8Array(file.length + 16);
  signed.set(file);
  const dv = new DataView(signed.buffer);
  dv.setUint32(image.offsets.directories + 8 * 4, file.length, true);
  dv.setUint32(image.offsets.directories + 8 * 4 + 4, 16, true);
  assert.deepEqual(readBounceLauncher(signed), { ...readBounceLauncher(file), signed: true });
});
