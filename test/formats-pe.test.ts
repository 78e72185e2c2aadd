// The launchers whose payload is inside the .exe (src/formats/uv.ts, distlib.ts, posy.ts): read
// back, retargeted, still runnable, and safe on hostile files.
//
// The fixtures come from test/support/fixtures.ts, which says how each is made. Real files:
// distlib launchers written by distlib's own ScriptMaker from this machine's pip (including the
// two other offset conventions written by CPython's zipfile). Constructed files (no uv or posy
// binaries exist here): uv (UV_* resources on a Bounce stub), uv-trailer and posy, from the
// documented layouts, so only the layout is proved, not that uv's trampoline accepts it.
// Proof of running: `python3 file.exe` runs __main__.py after every retarget, and under Wine
// distlib's own t64/w64 stub finds each rewritten shebang and starts the probe with
// `"<probe>" <args> "<launcher>" <tail>`.
import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BounceError, SignedFileError } from '../src/errors.js';
import { readDistlib, retargetDistlib } from '../src/formats/distlib.js';
import { readPosy, retargetPosy } from '../src/formats/posy.js';
import type { ForeignLauncher } from '../src/formats/types.js';
import { readUv, readUvTrailer, retargetUv, retargetUvTrailer } from '../src/formats/uv.js';
import { parsePe, readResources, replaceResources, RT_RCDATA, type Resource } from '../src/pe.js';
import { readStub } from '../src/stubs.js';
import { locateZip } from '../src/zip.js';
import {
  DEMO_ENTRY,
  distlibSkip,
  expectLauncher,
  lengthFields,
  mainZip,
  makeDistlib,
  mutate,
  posyLauncher,
  pythonSkip,
  readBytes as read,
  utf8,
  uvLauncher,
  uvScript,
  uvTrailerLauncher,
  type DistlibJob,
  type MadeScript,
} from './support/fixtures.js';
import { probeAt, probeEnv, REPO, tempDir, windowsSkip } from './support/launchers.js';
import { prng } from './support/prng.js';
import { harnessExec, readProbeReport, toWindowsPath } from './support/wine.js';

const work = tempDir('bounce-formats-pe-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const ascii = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

// ---------------------------------------------------------------------------------------------
// python3 and the entry point every fixture runs.

const PKGS = path.join(work, 'pkgs');
fs.mkdirSync(path.join(PKGS, 'demo_pkg'), { recursive: true });
fs.writeFileSync(path.join(PKGS, 'demo_pkg', '__init__.py'), '');
fs.writeFileSync(path.join(PKGS, 'demo_pkg', 'cli.py'), 'import sys\ndef main():\n    print(repr(sys.argv))\n    return 3\n');

const noPython = pythonSkip();

/** `python3 file args`: demo_pkg.cli:main prints sys.argv and exits with 3. */
function runPython(file: string, args: string[] = ['a', 'b c']): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('python3', [file, ...args], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: PKGS } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `python3 file` runs its __main__.py (demo_pkg.cli:main); without python3, says so in the test's output. */
function assertRuns(t: TestContext, file: string): void {
  if (noPython !== false) {
    t.diagnostic(`not run with python3 (${noPython}): ${path.basename(file)}`);
    return;
  }
  const r = runPython(file);
  assert.equal(r.status, 3, `python3 ${file}: ${r.stderr}`);
  assert.equal(r.stdout.trim(), `[${JSON.stringify(file.replace(/\.exe$/, ''))}, 'a', 'b c']`.replace(/"/g, "'"));
}

/** Writes `bytes` to work/<name> and returns the path. */
function put(name: string, bytes: Uint8Array): string {
  const file = path.join(work, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

// ---------------------------------------------------------------------------------------------
// distlib fixtures, written by ScriptMaker.

const noDistlib = distlibSkip();

const PY312 = 'C:\\Program Files\\Python312\\python.exe';

const DISTLIB_JOBS: DistlibJob[] = [
  { name: 'console', arch: 'x64', python: PY312, variants: true },
  { name: 'gui', arch: 'x64', gui: true, python: PY312 },
  { name: 'x86-console', arch: 'x86', python: 'C:\\Python312-32\\python.exe' },
  { name: 'x86-gui', arch: 'x86', gui: true, python: 'C:\\Python312-32\\python.exe' },
  { name: 'arm64-console', arch: 'arm64', python: PY312 },
  { name: 'arm64-gui', arch: 'arm64', gui: true, python: PY312 },
  { name: 'args', arch: 'x64', python: 'C:\\Python312\\python.exe', args: ['-E', '-s'] },
  { name: 'crlf', arch: 'x64', python: PY312, linesep: '\r\n' },
  { name: 'relative', arch: 'x64', executable: '<launcher_dir>\\..\\python.exe' },
  { name: 'relative-quoted', arch: 'x64', executable: '<launcher_dir>\\"..\\my env\\python.exe"', args: ['-E'] },
  { name: 'env', arch: 'x64', executable: '/usr/bin/env python3' },
  { name: 'unquoted-spaces', arch: 'x64', executable: PY312 },
  { name: 'bare', arch: 'x64', executable: 'python.exe' },
];

/** What each fixture reads back as (beyond format, kind, signed, files, script, entryPoint). */
const DISTLIB_EXPECTED: Record<string, Partial<ForeignLauncher>> = {
  console: { arch: 'x64', gui: false, interpreter: PY312, interpreterRelative: false },
  gui: { arch: 'x64', gui: true, interpreter: 'C:\\Program Files\\Python312\\pythonw.exe', interpreterRelative: false },
  'x86-console': { arch: 'x86', gui: false, interpreter: 'C:\\Python312-32\\python.exe', interpreterRelative: false },
  'x86-gui': { arch: 'x86', gui: true, interpreter: 'C:\\Python312-32\\pythonw.exe', interpreterRelative: false },
  'arm64-console': { arch: 'arm64', gui: false, interpreter: PY312, interpreterRelative: false },
  'arm64-gui': { arch: 'arm64', gui: true, interpreter: 'C:\\Program Files\\Python312\\pythonw.exe', interpreterRelative: false },
  args: { interpreter: 'C:\\Python312\\python.exe', interpreterArgs: ['-E', '-s'], interpreterRelative: false },
  crlf: { interpreter: PY312, interpreterRelative: false },
  relative: { interpreter: '..\\python.exe', interpreterRelative: true },
  // launcher.c drops the arguments of this form (research §1.8 quirk 3): what runs is reported.
  'relative-quoted': { interpreter: '..\\my env\\python.exe', interpreterArgs: [], interpreterRelative: true },
  env: { interpreter: 'python3', interpreterRelative: true, interpreterSearched: true },
  'unquoted-spaces': { interpreter: PY312, interpreterRelative: false },
  bare: { interpreter: 'python.exe', interpreterRelative: true, interpreterSearched: true },
  'console-absolute': { interpreter: PY312, interpreterRelative: false },
  'console-zipapp': { interpreter: PY312, interpreterRelative: false },
};

/** The shebang bytes ScriptMaker wrote, to check the forms exactly. */
const DISTLIB_LINES: Record<string, string> = {
  console: `#!"${PY312}"\n`,
  args: '#!C:\\Python312\\python.exe -E -s\n',
  crlf: `#!"${PY312}"\n\r\n`, // distlib < 0.3.9 on Windows: its own "\n" plus os.linesep (distlib #220)
  relative: '#!<launcher_dir>\\..\\python.exe\n',
  'relative-quoted': '#!<launcher_dir>\\"..\\my env\\python.exe" -E\n',
  env: '#!/usr/bin/env python3\n',
  'unquoted-spaces': `#!${PY312}\n`,
  bare: '#!python.exe\n',
};

const made: Record<string, MadeScript> = noDistlib === false ? makeDistlib(path.join(work, 'distlib'), DISTLIB_JOBS) : {};
const fixture = (name: string): MadeScript => {
  const m = made[name];
  if (m === undefined) throw new Error(`no fixture ${name}`);
  return m;
};

/** The bytes between the base stub and the zip's first local header. */
function shebangBytes(bytes: Uint8Array): string {
  const pe = parsePe(bytes);
  const end = Math.max(...pe.sections.map((s) => s.rawPointer + s.rawSize));
  return ascii(bytes.subarray(end, locateZip(bytes).start));
}

function expectDistlib(name: string, file: string, main: string): ForeignLauncher {
  return expectLauncher({ format: 'distlib', kind: 'script', script: main, entryPoint: DEMO_ENTRY, files: [path.resolve(file)], ...DISTLIB_EXPECTED[name] });
}

describe('distlib: launchers written by ScriptMaker read back', { skip: noDistlib }, () => {
  for (const name of Object.keys(DISTLIB_EXPECTED)) {
    test(name, () => {
      const { file, main } = fixture(name);
      const bytes = read(file);
      if (DISTLIB_LINES[name] !== undefined) assert.equal(shebangBytes(bytes), DISTLIB_LINES[name], 'the shebang ScriptMaker wrote');
      assert.deepEqual(readDistlib(file, bytes), expectDistlib(name, file, main));
      // One format only: the other readers of PE payloads say "not mine".
      assert.equal(readPosy(file, bytes), null);
      assert.equal(readUv(file, bytes), null);
      assert.equal(readUvTrailer(file, bytes), null);
    });
  }

  test("the offset conventions: the stub's case 1 (zipapp) and zipfile's file-relative offsets", () => {
    const zipapp = read(fixture('console-zipapp').file);
    const z1 = locateZip(zipapp);
    assert.equal(ascii(zipapp.subarray(z1.arcOffset, z1.arcOffset + 2)), '#!', 'offsets count from the shebang');
    const absolute = read(fixture('console-absolute').file);
    assert.equal(locateZip(absolute).arcOffset, 0, 'offsets count from the start of the file');
    const relative = read(fixture('console').file);
    const z3 = locateZip(relative);
    assert.equal(z3.arcOffset, z3.start, "ScriptMaker's offsets count from the zip's start");
  });
});

describe("distlib: the stub's shebang parser (launcher.c), on constructed lines", () => {
  const withLine = (line: string): Uint8Array => Buffer.concat([readStub('x64', false), utf8(line), mainZip('print(1)\n')]);
  const cases: [string, Partial<ForeignLauncher>][] = [
    ['#!  "C:\\p q\\python.exe"  -u  -X utf8 \n', { interpreter: 'C:\\p q\\python.exe', interpreterArgs: ['-u', '-X', 'utf8'], interpreterRelative: false }],
    ['#!C:\\PY\\PYTHON.EXE\r\n', { interpreter: 'C:\\PY\\PYTHON.EXE', interpreterRelative: false }],
    ['#!C:\\my.exes\\python.exe -E\n', { interpreter: 'C:\\my.exes\\python.exe', interpreterArgs: ['-E'], interpreterRelative: false }],
    ['#!"<launcher_dir>\\..\\py env\\python.exe" -u\n', { interpreter: '..\\py env\\python.exe', interpreterArgs: ['-u'], interpreterRelative: true }],
    ['#!<LAUNCHER_DIR>\\python.exe\n', { interpreter: 'python.exe', interpreterRelative: true }],
    // §1.8 quirk 2: `.exe` is looked for first, so this is a path, not a search.
    ['#!/usr/bin/env python.exe\n', { interpreter: '/usr/bin/env python.exe', interpreterRelative: null }],
    ['#!/usr/bin/env  python3.12 -I\n', { interpreter: 'python3.12', interpreterArgs: ['-I'], interpreterRelative: true, interpreterSearched: true }],
    ['#!..\\python.exe\n', { interpreter: '..\\python.exe', interpreterRelative: null }],
    ['#!\\\\server\\share\\python.exe\n', { interpreter: '\\\\server\\share\\python.exe', interpreterRelative: false }],
  ];
  for (const [line, expected] of cases) {
    test(JSON.stringify(line), () => {
      const got = readDistlib('c.exe', withLine(line))!;
      assert.deepEqual({ ...got, script: null, files: [] }, expectLauncher({ format: 'distlib', kind: 'script', files: [], ...expected }));
    });
  }

  test("lines the stub rejects are badFormat, with the stub's own message", () => {
    const rejected: [string, RegExp][] = [
      ['#!"C:\\p\\python.exe\n', /Expected terminating double-quote/],
      // (a path of exactly 15 characters would pass: the stub's check also looks at line[15] for `<launcher_dir>\"`)
      ['#!C:\\py\\python.exe"\n', /Terminating quote without starting quote/],
      ['#!python\n', /Expected to find a command ending in '\.exe'/],
      ['#!/usr/bin/env\n', /Expected to find whitespace after '\/usr\/bin\/env'/],
      ['#!<launcher_dir>\\"..\\python.exe\n', /Expected terminating double-quote/],
      [`#!C:\\${'x'.repeat(300)}\\python.exe\n`, /Failed to find shebang/],
    ];
    for (const [line, message] of rejected) {
      assert.throws(() => readDistlib('c.exe', withLine(line)), (e: unknown) => e instanceof BounceError && e.kind === 'badFormat' && e.path === 'c.exe' && message.test(e.message), line);
    }
    const badUtf8 = Buffer.concat([readStub('x64', false), Buffer.from([0x23, 0x21, 0xff, 0x0a]), mainZip('print(1)\n')]);
    assert.throws(() => readDistlib('c.exe', badUtf8), /UTF-8/);
  });
});

// ---------------------------------------------------------------------------------------------
// distlib: retargeting.

interface Target {
  interpreter: string;
  /** What reads back (forward slashes become backslashes). */
  stored: string;
  relative: boolean;
}

const TARGETS: Target[] = [
  { interpreter: 'D:\\Python 3.13\\python.exe', stored: 'D:\\Python 3.13\\python.exe', relative: false },
  { interpreter: 'E:/py/python.exe', stored: 'E:\\py\\python.exe', relative: false },
  { interpreter: '..\\venv dir\\Scripts\\python.exe', stored: '..\\venv dir\\Scripts\\python.exe', relative: true },
  { interpreter: 'C:\\Pythön\\python.exe', stored: 'C:\\Pythön\\python.exe', relative: false },
];

describe('distlib: retargetDistlib rewrites the shebang and keeps the zip runnable', { skip: noDistlib }, () => {
  const retargetable = Object.keys(DISTLIB_EXPECTED);
  for (const name of retargetable) {
    test(name, (ctx) => {
      const { file, main } = fixture(name);
      const bytes = read(file);
      const before = readDistlib(file, bytes)!;
      const zipBefore = locateZip(bytes);
      for (const t of TARGETS) {
        if (name === 'relative-quoted' && !t.relative) {
          // Its arguments are lost by the stub; no absolute form keeps that, so it is refused.
          assert.throws(() => retargetDistlib(bytes, t.interpreter, file), (e: unknown) => e instanceof BounceError && e.kind === 'invalidInput');
          continue;
        }
        const out = retargetDistlib(bytes, t.interpreter, file);
        const target = put(`distlib-retarget/${name}-${TARGETS.indexOf(t)}.exe`, out);
        assert.deepEqual(readDistlib(target, out), {
          ...before,
          interpreter: t.stored,
          interpreterRelative: t.relative,
          interpreterSearched: false,
          files: [path.resolve(target)],
          script: main,
        });
        // The stub is untouched, and so is the zip's convention.
        const stubEnd = Math.max(...parsePe(bytes).sections.map((s) => s.rawPointer + s.rawSize));
        assert.deepEqual(out.subarray(0, stubEnd), bytes.subarray(0, stubEnd));
        const zipAfter = locateZip(out);
        const delta = out.length - bytes.length;
        if (zipBefore.arcOffset === zipBefore.start) {
          assert.equal(zipAfter.arcOffset, zipAfter.start);
          assert.deepEqual(out.subarray(zipAfter.start), bytes.subarray(zipBefore.start), 'a zip-relative archive moves unchanged');
        } else {
          assert.equal(zipAfter.arcOffset, zipBefore.arcOffset, 'offsets still count from the same place');
          assert.equal(zipAfter.start, zipBefore.start + delta);
        }
        assertRuns(ctx, target);
      }
    });
  }

  test('the form is kept: quoted stays quoted, unquoted stays unquoted unless the path has spaces, args and line end stay', () => {
    const cases: [string, string, string][] = [
      ['console', 'E:\\py\\python.exe', '#!"E:\\py\\python.exe"\n'],
      ['args', 'E:\\py\\python.exe', '#!E:\\py\\python.exe -E -s\n'],
      ['args', 'D:\\Python 3.13\\python.exe', '#!"D:\\Python 3.13\\python.exe" -E -s\n'],
      ['crlf', 'E:\\py\\python.exe', '#!"E:\\py\\python.exe"\n\r\n'],
      ['relative', '..\\..\\python.exe', '#!<launcher_dir>\\..\\..\\python.exe\n'],
      ['relative', '..\\my env\\python.exe', '#!"<launcher_dir>\\..\\my env\\python.exe"\n'],
      ['relative-quoted', 'other env\\python.exe', '#!<launcher_dir>\\"other env\\python.exe" -E\n'],
      ['env', 'C:\\py\\python.exe', '#!C:\\py\\python.exe\n'],
      ['bare', 'python.exe', '#!<launcher_dir>\\python.exe\n'],
      ['unquoted-spaces', 'D:\\Python 3.13\\python.exe', '#!"D:\\Python 3.13\\python.exe"\n'],
    ];
    for (const [name, interpreter, line] of cases) {
      const out = retargetDistlib(read(fixture(name).file), interpreter, name);
      assert.equal(shebangBytes(out), line, `${name} -> ${interpreter}`);
    }
  });

  test('refused: not .exe, drive-relative, quotes, #!, .exe followed by a space, too long for the stub, not distlib', () => {
    const bytes = read(fixture('console').file);
    const invalid = (e: unknown): boolean => e instanceof BounceError && e.kind === 'invalidInput';
    for (const bad of ['C:\\py\\python', 'C:python.exe', '\\py\\python.exe', 'C:\\a"b\\python.exe', 'C:\\a#!b\\python.exe', 'C:\\my.exe dir\\python.exe', `C:\\${'x'.repeat(260)}\\python.exe`]) {
      assert.throws(() => retargetDistlib(bytes, bad, 'console.exe'), invalid, bad);
    }
    const stub = readStub('x64', false);
    assert.throws(() => retargetDistlib(stub, 'C:\\py\\python.exe', 'stub.exe'), (e: unknown) => e instanceof BounceError && e.kind === 'badFormat');
  });

  test('a signed launcher (osslsigncode) reads as signed and is refused with SignedFileError', { skip: signSkip() }, (t) => {
    const signed = sign(fixture('console').file);
    const bytes = read(signed);
    const info = readDistlib(signed, bytes)!;
    assert.equal(info.signed, true);
    assert.equal(info.interpreter, PY312);
    assert.throws(() => retargetDistlib(bytes, 'C:\\py\\python.exe', signed), (e: unknown) => e instanceof SignedFileError);
    assertRuns(t, signed);
  });
});

// ---------------------------------------------------------------------------------------------
// Signing (osslsigncode, a throwaway self-signed certificate), as test/sign.test.ts does.

function signSkip(): string | false {
  for (const [tool, args] of [['osslsigncode', ['--version']], ['openssl', ['version']]] as const) {
    const r = spawnSync(tool, args);
    if (r.error || r.status !== 0) return `${tool} is not installed`;
  }
  return false;
}

function sign(file: string): string {
  const key = path.join(work, 'sign-key.pem');
  const cert = path.join(work, 'sign-cert.pem');
  if (!fs.existsSync(cert)) {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=Bounce test']);
    assert.equal(r.status, 0);
  }
  const out = file.replace(/\.exe$/, '-signed.exe');
  const r = spawnSync('osslsigncode', ['sign', '-certs', cert, '-key', key, '-in', file, '-out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return out;
}

// ---------------------------------------------------------------------------------------------
// uv (resources), uv-trailer and posy: constructed.

const UV_PY = 'C:\\Users\\me\\proj\\.venv\\Scripts\\python.exe';

function expectUv(format: 'uv' | 'uv-trailer', file: string, extra: Partial<ForeignLauncher>): ForeignLauncher {
  return expectLauncher({
    format,
    kind: 'script',
    interpreter: UV_PY,
    interpreterRelative: false,
    script: uvScript(UV_PY),
    entryPoint: DEMO_ENTRY,
    files: [path.resolve(file)],
    ...extra,
  });
}

describe('uv >= 0.9.9 (resources, constructed on a Bounce stub)', () => {
  const script = put('uv/script.exe', uvLauncher({ kind: 1, python: UV_PY, zip: mainZip(uvScript(UV_PY)) }));
  const proxyGui = put('uv/proxy.exe', uvLauncher({ kind: 2, python: 'python\\pythonw.exe', arch: 'x86', gui: true }));
  const arm = put('uv/arm.exe', uvLauncher({ kind: 1, python: UV_PY, arch: 'arm64', zip: mainZip(uvScript(UV_PY)) }));

  test('read back: kind, arch, gui, interpreter, relative, script, entry point (uv >= 0.5.19 template)', () => {
    assert.deepEqual(readUv(script, read(script)), expectUv('uv', script, {}));
    assert.deepEqual(
      readUv(proxyGui, read(proxyGui)),
      expectUv('uv', proxyGui, { kind: 'proxy', arch: 'x86', gui: true, interpreter: 'python\\pythonw.exe', interpreterRelative: true, script: null, entryPoint: null }),
    );
    assert.deepEqual(readUv(arm, read(arm)), expectUv('uv', arm, { arch: 'arm64' }));
    for (const f of [script, proxyGui, arm]) {
      for (const other of [readUvTrailer, readDistlib, readPosy]) assert.equal(other(f, read(f)), null, `${other.name} ${f}`);
    }
    assert.equal(readUv('stub.exe', readStub('x64', false)), null, 'a PE without UV_* resources');
    assert.equal(readUv('text.txt', utf8('hello')), null, 'not a PE');
  });

  test('damaged: missing path, unknown kind, bad UTF-8, empty path -> badFormat', () => {
    const stub = readStub('x64', false);
    const base = readResources(stub, parsePe(stub)).map((r) => ({ type: r.type, name: r.name, lang: r.lang, data: r.data }));
    const cases: Resource[][] = [
      [{ type: RT_RCDATA, name: 'UV_TRAMPOLINE_KIND', lang: 0, data: new Uint8Array([1]) }],
      [{ type: RT_RCDATA, name: 'UV_TRAMPOLINE_KIND', lang: 0, data: new Uint8Array([3]) }, { type: RT_RCDATA, name: 'UV_PYTHON_PATH', lang: 0, data: utf8('p.exe') }],
      [{ type: RT_RCDATA, name: 'UV_TRAMPOLINE_KIND', lang: 0, data: new Uint8Array([2]) }, { type: RT_RCDATA, name: 'UV_PYTHON_PATH', lang: 0, data: new Uint8Array([0xc3, 0x28]) }],
      [{ type: RT_RCDATA, name: 'UV_TRAMPOLINE_KIND', lang: 0, data: new Uint8Array([2]) }, { type: RT_RCDATA, name: 'UV_PYTHON_PATH', lang: 0, data: new Uint8Array(0) }],
    ];
    for (const extra of cases) {
      const bytes = replaceResources(stub, [...base, ...extra]).file;
      assert.throws(() => readUv('bad.exe', bytes), (e: unknown) => e instanceof BounceError && e.kind === 'badFormat' && e.path === 'bad.exe');
    }
  });

  test('retargetUv replaces UV_PYTHON_PATH only, python3 still runs the zipapp; bad paths and non-uv files are refused', (t) => {
    for (const [file, to, stored, relative] of [
      [script, 'D:\\other place\\python.exe', 'D:\\other place\\python.exe', false],
      [script, '../python/python.exe', '..\\python\\python.exe', true],
      [proxyGui, 'C:\\Python313\\pythonw.exe', 'C:\\Python313\\pythonw.exe', false],
    ] as const) {
      const bytes = read(file);
      const out = retargetUv(bytes, to, file);
      const target = put(`uv-retarget/${path.basename(file, '.exe')}-${relative}.exe`, out);
      assert.deepEqual(readUv(target, out), { ...readUv(file, bytes), interpreter: stored, interpreterRelative: relative, files: [path.resolve(target)] });
      // Every other resource is the same.
      const others = (b: Uint8Array) => readResources(b, parsePe(b)).filter((r) => r.name !== 'UV_PYTHON_PATH').map((r) => [r.type, r.name, r.lang, Buffer.from(r.data).toString('hex')]);
      assert.deepEqual(others(out), others(bytes));
      if (file === script) assertRuns(t, target);
    }
    assertRuns(t, script);
    assert.throws(() => retargetUv(read(script), 'C:python.exe'), (e: unknown) => e instanceof BounceError && e.kind === 'invalidInput');
    assert.throws(() => retargetUv(readStub('x64', false), 'C:\\py\\python.exe'), (e: unknown) => e instanceof BounceError && e.kind === 'badFormat');
  });

  test('a signed uv launcher (osslsigncode) reads as signed; retargetUv refuses it with SignedFileError', { skip: signSkip() }, (t) => {
    const signed = sign(script);
    const bytes = read(signed);
    assert.equal(readUv(signed, bytes)!.signed, true);
    assert.throws(() => retargetUv(bytes, 'C:\\py\\python.exe', signed), (e: unknown) => e instanceof SignedFileError && e.path === signed);
    assertRuns(t, signed);
  });
});

describe('uv 0.1.8 to 0.9.8 (trailer, constructed)', () => {
  const zip = mainZip(uvScript(UV_PY));
  const uvsc = put('uvt/uvsc.exe', uvTrailerLauncher({ magic: 'UVSC', python: UV_PY, zip }));
  const uvuv = put('uvt/uvuv.exe', uvTrailerLauncher({ magic: 'UVUV', python: UV_PY, zip, gui: true }));
  const uvpy = put('uvt/uvpy.exe', uvTrailerLauncher({ magic: 'UVPY', python: 'python.exe', arch: 'x86' }));

  test('read back: UVSC and UVUV scripts, UVPY proxy', () => {
    assert.deepEqual(readUvTrailer(uvsc, read(uvsc)), expectUv('uv-trailer', uvsc, {}));
    assert.deepEqual(readUvTrailer(uvuv, read(uvuv)), expectUv('uv-trailer', uvuv, { gui: true }));
    assert.deepEqual(
      readUvTrailer(uvpy, read(uvpy)),
      expectUv('uv-trailer', uvpy, { kind: 'proxy', arch: 'x86', interpreter: 'python.exe', interpreterRelative: true, script: null, entryPoint: null }),
    );
    for (const f of [uvsc, uvuv, uvpy]) {
      for (const other of [readUv, readDistlib, readPosy]) assert.equal(other(f, read(f)), null, `${other.name} ${f}`);
    }
  });

  test('damaged trailers: length over 32 KiB, into the PE, past the file, bad UTF-8 -> badFormat', () => {
    const bytes = read(uvsc);
    const withLength = (n: number): Uint8Array => {
      const b = bytes.slice();
      new DataView(b.buffer).setUint32(b.length - 8, n, true);
      return b;
    };
    const badUtf8 = bytes.slice();
    badUtf8[badUtf8.length - 9] = 0xff;
    for (const b of [withLength(32 * 1024 + 1), withLength(bytes.length - 8), withLength(0xffffffff), withLength(zip.length + 8 + utf8(UV_PY).length), badUtf8]) {
      assert.throws(() => readUvTrailer('t.exe', b), (e: unknown) => e instanceof BounceError && e.kind === 'badFormat' && e.path === 't.exe');
    }
  });

  test('retargetUvTrailer rewrites path, length and magic; the zip stays where it was; python3 runs it', (t) => {
    for (const [file, to] of [[uvsc, 'D:\\a much longer path than before\\Python 3.13\\python.exe'], [uvuv, 'py.exe'], [uvpy, 'E:\\x\\python.exe']] as const) {
      const bytes = read(file);
      const out = retargetUvTrailer(bytes, to, file);
      const target = put(`uvt-retarget/${path.basename(file)}`, out);
      const was = readUvTrailer(file, bytes)!;
      assert.deepEqual(readUvTrailer(target, out), { ...was, interpreter: to, interpreterRelative: to === 'py.exe', files: [path.resolve(target)] });
      assert.equal(ascii(out.subarray(out.length - 4)), ascii(bytes.subarray(bytes.length - 4)), 'same magic');
      if (was.kind === 'script') assertRuns(t, target);
    }
    assert.throws(() => retargetUvTrailer(read(uvsc), `C:\\${'x'.repeat(33 * 1024)}.exe`), (e: unknown) => e instanceof BounceError && e.kind === 'invalidInput');
  });

  test("the trailer as pex writes it (zipfile in append mode: offsets count from the file's start)", { skip: noPython }, (t) => {
    const code = String.raw`
import io, struct, sys, zipfile
stub, script, python = sys.argv[1:4]
b = io.BytesIO(); b.write(open(stub, 'rb').read())
with zipfile.ZipFile(b, 'a') as z:
    z.writestr('__main__.py', script)
p = python.encode('utf-8')
b.write(p + struct.pack('<I', len(p)) + b'UVSC')
sys.stdout.buffer.write(b.getvalue())
`;
    const r = spawnSync('python3', ['-c', code, path.join(REPO, 'stub', 'bin', 'x64-console.exe'), uvScript(UV_PY), UV_PY]);
    assert.equal(r.status, 0, String(r.stderr));
    const file = put('uvt/pex.exe', new Uint8Array(r.stdout));
    assert.equal(locateZip(read(file).subarray(0, read(file).length - 8 - utf8(UV_PY).length)).arcOffset, 0);
    assert.deepEqual(readUvTrailer(file, read(file)), expectUv('uv-trailer', file, {}));
    const target = put('uvt-retarget/pex.exe', retargetUvTrailer(read(file), 'D:\\py\\python.exe', file));
    assert.equal(readUvTrailer(target, read(target))!.interpreter, 'D:\\py\\python.exe');
    assertRuns(t, target);
  });
});

describe('posy (constructed: Bounce stub ‖ zip)', () => {
  const script = uvScript('python.exe').replace(/^#!.*\n/, '');
  const posy = put('posy/tool.exe', posyLauncher(script));
  const posyGui = put('posy/gui.exe', posyLauncher(script, { arch: 'arm64', gui: true }));

  test('read back with no interpreter; retargetPosy refuses (invalidInput); python3 runs it', (t) => {
    const expected = expectLauncher({ format: 'posy', kind: 'script', script, entryPoint: DEMO_ENTRY, files: [path.resolve(posy)] });
    assert.deepEqual(readPosy(posy, read(posy)), expected);
    assert.deepEqual(readPosy(posyGui, read(posyGui)), { ...expected, arch: 'arm64', gui: true, files: [path.resolve(posyGui)] });
    assert.throws(() => retargetPosy(read(posy), 'C:\\py\\python.exe', posy), (e: unknown) => e instanceof BounceError && e.kind === 'invalidInput' && /carries no interpreter path/.test(e.message));
    for (const other of [readUv, readUvTrailer, readDistlib]) assert.equal(other(posy, read(posy)), null, other.name);
    assertRuns(t, posy);
  });

  test('the rule between posy and distlib: a `#!` line in front of the zip makes it distlib', () => {
    const withShebang = Buffer.concat([readStub('x64', false), utf8('#!C:\\py\\python.exe\n'), mainZip(script)]);
    assert.equal(readPosy('d.exe', withShebang), null);
    assert.equal(readDistlib('d.exe', withShebang)!.interpreter, 'C:\\py\\python.exe');
    // Data after the zip (uv's trailer) is not posy either, nor a zip inside the image.
    assert.equal(readPosy('t.exe', Buffer.concat([withShebang.subarray(0, readStub('x64', false).length), mainZip(script), utf8('junk')])), null);
    assert.equal(readPosy('s.exe', readStub('x64', false)), null);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile files: seeded mutations of real distlib and constructed uv, uv-trailer and posy launchers.

describe('hostile files: mutated launchers give a result, null or a BounceError, and nothing else', () => {
  test('a deflated __main__.py is read, but one claiming more bytes than the whole file is refused before inflating', { skip: noPython }, () => {
    const code = String.raw`
import io, sys, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('__main__.py', sys.argv[1] * int(sys.argv[2]))
sys.stdout.buffer.write(b.getvalue())
`;
    const zip = (text: string, times: number): Uint8Array => {
      const r = spawnSync('python3', ['-c', code, text, String(times)]);
      assert.equal(r.status, 0, String(r.stderr));
      return new Uint8Array(r.stdout);
    };
    const launcher = (z: Uint8Array): Uint8Array => Buffer.concat([readStub('x64', false), utf8('#!C:\\py\\python.exe\n'), z]);
    const small = launcher(zip('print(1)\n', 3));
    assert.equal(readDistlib('small.exe', small)!.script, 'print(1)\n'.repeat(3));
    const bomb = launcher(zip(' ', 50_000_000));
    assert.ok(bomb.length < 100_000, `the bomb is ${bomb.length} bytes`);
    assert.throws(() => readDistlib('bomb.exe', bomb), (e: unknown) => e instanceof BounceError && e.kind === 'badFormat' && /claims 50000000 bytes/.test(e.message));
  });

  test('seeded mutations of constructed uv, uv-trailer and posy launchers', () => {
    mutateEveryReader(0x5eed_f00d, [
      ['uv script', uvLauncher({ kind: 1, python: UV_PY, zip: mainZip(uvScript(UV_PY)) })],
      ['uv proxy x86', uvLauncher({ kind: 2, python: 'python.exe', arch: 'x86' })],
      ['uv-trailer UVSC', uvTrailerLauncher({ magic: 'UVSC', python: UV_PY, zip: mainZip(uvScript(UV_PY)) })],
      ['uv-trailer UVPY', uvTrailerLauncher({ magic: 'UVPY', python: UV_PY })],
      ['posy', posyLauncher(uvScript('p'))],
    ]);
  });

  test('seeded mutations of real distlib launchers (ScriptMaker)', { skip: noDistlib }, () => {
    const names = ['console', 'gui', 'relative-quoted', 'env', 'x86-console', 'crlf', 'console-zipapp', 'console-absolute'];
    mutateEveryReader(0x5eed_d157, names.map((name): [string, Uint8Array] => [`distlib ${name}`, read(fixture(name).file)]));
  });
});

/**
 * Every reader and rewriter of this file's formats on PER_BASE seeded mutations of each base:
 * each gives a result, null, or a BounceError naming the file, and nothing else. Prints the time taken.
 */
function mutateEveryReader(seed: number, bases: readonly [string, Uint8Array][]): void {
  const readers = { readUv, readUvTrailer, readDistlib, readPosy };
  const rewriters = { retargetUv, retargetUvTrailer, retargetDistlib, retargetPosy };
  const rand = prng(seed);
  const PER_BASE = 150;
  const n = { calls: 0, results: 0, nulls: 0, errors: 0, ms: 0 };
  let slowest = { ms: 0, what: '' };
  for (const [name, base] of bases) {
    const fields = lengthFields(base);
    for (let i = 0; i < PER_BASE; i++) {
      const { how, bytes } = mutate(rand, base, fields, 4096);
      const label = `seed 0x${seed.toString(16)}, ${name} #${i}: ${how}`;
      const attempts: [string, () => unknown][] = [
        ...Object.entries(readers).map(([fn, read_]): [string, () => unknown] => [fn, () => read_('m.exe', bytes)]),
        ...Object.entries(rewriters).map(([fn, rw]): [string, () => unknown] => [fn, () => rw(bytes, 'C:\\new\\python.exe', 'm.exe')]),
      ];
      for (const [fn, call] of attempts) {
        const t0 = performance.now();
        let outcome: unknown;
        try {
          outcome = call();
        } catch (e) {
          if (!(e instanceof BounceError)) assert.fail(`${fn} threw ${e instanceof Error ? e.stack : String(e)} (${label})`);
          assert.equal(e.path, 'm.exe', `${fn}: the error names the file (${label}): ${e.message}`);
          n.errors++;
          outcome = e;
        }
        const ms = performance.now() - t0;
        n.ms += ms;
        n.calls++;
        if (ms > slowest.ms) slowest = { ms, what: `${fn}, ${label}` };
        if (outcome === null) n.nulls++;
        else if (outcome instanceof Uint8Array) n.results++;
        else if (!(outcome instanceof BounceError)) {
          const r = outcome as ForeignLauncher;
          assert.ok(typeof r.format === 'string' && typeof r.kind === 'string' && Array.isArray(r.interpreterArgs), `${fn}: ${label}`);
          assert.ok(r.interpreter === null || typeof r.interpreter === 'string');
          n.results++;
        }
      }
    }
  }
  console.log(
    `${n.calls} calls on ${bases.length * PER_BASE} mutated files (seed 0x${seed.toString(16)}): ${n.results} results, ${n.nulls} null, ${n.errors} BounceError; ` +
      `${n.ms.toFixed(0)} ms in all, slowest ${slowest.ms.toFixed(1)} ms (${slowest.what})`,
  );
}

// ---------------------------------------------------------------------------------------------
// Under Wine: distlib's own stub runs the rewritten shebang.

const wineSkip = noDistlib || (windowsSkip() ?? false);

describe("under Wine: distlib's stub finds the shebang retargetDistlib wrote and starts the probe", { skip: wineSkip }, () => {
  const root = path.join(work, 'wine');
  const probe = probeAt(path.join(root, 'probe dir'));
  const relProbe = probeAt(path.join(root, 'env', 'py env'));

  const cases: { name: string; fixture: string; at: string; interpreter: string; probe: string; args: string }[] = [
    { name: 'absolute, quoted (t64)', fixture: 'console', at: 'abs/tool.exe', interpreter: toWindowsPath(probe), probe, args: '' },
    { name: 'GUI stub (w64)', fixture: 'gui', at: 'gui/tool.exe', interpreter: toWindowsPath(probe), probe, args: '' },
    { name: 'shebang arguments kept', fixture: 'args', at: 'args/tool.exe', interpreter: toWindowsPath(probe), probe, args: '-E -s' },
    { name: 'relative: <launcher_dir>', fixture: 'console', at: 'env/Scripts/tool.exe', interpreter: '..\\py env\\probe.exe', probe: relProbe, args: '' },
    { name: "the stub's case 1 (zipapp offsets)", fixture: 'console-zipapp', at: 'zipapp/tool.exe', interpreter: toWindowsPath(probe), probe, args: '' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const launcher = path.join(root, c.at);
      fs.mkdirSync(path.dirname(launcher), { recursive: true });
      fs.writeFileSync(launcher, retargetDistlib(read(fixture(c.fixture).file), c.interpreter, launcher));
      const { report, env } = probeEnv(root);
      const l = toWindowsPath(launcher);
      const r = await harnessExec(l, `"${l}" a "b c"`, { env });
      assert.equal(r.exitCode, 0);
      // launcher.c: L"\"%ls\" %ls \"%ls\" %ls" with the program, the shebang's arguments, its own path, the tail.
      assert.equal(readProbeReport(report).commandLine, `"${toWindowsPath(c.probe)}" ${c.args} "${l}" a "b c"`);
    });
  }
});
