// Tests for src/build.ts: buildLauncher is deterministic, takes the stub of the requested
// architecture and subsystem unchanged (only the resource section differs), refuses invalid
// specs with invalidInput, writes atomically, and the script kind's launcher file is itself a zip
// that Info-ZIP's `unzip -t` accepts and a zipapp that real CPython (`python3 launcher.exe a b`)
// runs, for every architecture; with its end record broken, CPython refuses it (negative control).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildLauncher, writeLauncher, type LauncherSpec } from '../src/build.js';
import { BounceError } from '../src/errors.js';
import { parsePe, type PeImage } from '../src/pe.js';
import { pythonLauncherSpec } from '../src/python/launcher.js';
import { ARCHES, readStub, type Arch } from '../src/stubs.js';
import { tempDir } from './support/launchers.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const work = tempDir('bounce-build-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const MAIN_PY = 'import sys\nprint(repr(sys.argv[1:]))\nsys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)\n';
const scriptSpec = (arch: Arch = 'x64', gui = false): LauncherSpec => ({
  kind: 'script',
  arch,
  gui,
  program: 'C:\\Python312\\python.exe',
  files: [
    { name: '__main__.py', data: utf8(MAIN_PY) },
    { name: 'helper/data.txt', data: utf8('x'.repeat(3000)) },
  ],
});

/** The bytes of the code and data sections, which a launcher must take from its stub untouched. */
function codeBytes(file: Uint8Array, image: PeImage = parsePe(file)): Uint8Array {
  const rsrc = image.sections.find((s) => s.name === '.rsrc')!;
  const headersEnd = image.sections[image.sections.length - 1]!.headerOffset + 40;
  return file.subarray(headersEnd, rsrc.rawPointer);
}

function isInvalid(e: unknown): boolean {
  return e instanceof BounceError && e.kind === 'invalidInput';
}

test('same spec, same bytes; a different spec, different bytes', () => {
  const specs: LauncherSpec[] = [
    scriptSpec(),
    pythonLauncherSpec({ python: '..\\python.exe', entry: 'pkg.cli:main', gui: true, arch: 'arm64' }),
    { kind: 'proxy', program: 'C:\\Python\\python.exe', args: ['-E', 'two words'], arch: 'x86' },
    { kind: 'exec', program: 'node.exe', args: ['--x'], script: 'lib\\cli.js', allowBreakaway: true },
  ];
  for (const spec of specs) {
    const a = buildLauncher(spec);
    const b = buildLauncher(structuredClone(spec));
    assert.deepEqual(a, b, `${spec.kind} ${spec.arch ?? 'x64'}`);
  }
  const one = buildLauncher({ kind: 'proxy', program: 'C:\\a.exe' });
  assert.notDeepEqual(buildLauncher({ kind: 'proxy', program: 'C:\\b.exe' }), one);
  assert.notDeepEqual(buildLauncher({ kind: 'proxy', program: 'C:\\a.exe', allowBreakaway: true }), one);
});

test('each arch x gui takes its own stub: machine, subsystem and the stub code unchanged', () => {
  const variants = ARCHES.flatMap((arch) => [false, true].map((gui) => ({ arch, gui })));
  const codes = new Set<string>();
  for (const { arch, gui } of variants) {
    for (const spec of [scriptSpec(arch, gui), { kind: 'proxy', arch, gui, program: 'p.exe' } satisfies LauncherSpec]) {
      const file = buildLauncher(spec);
      const image = parsePe(file);
      assert.equal(image.machine, arch, `${arch} ${gui}`);
      assert.equal(image.subsystem, gui ? 2 : 3, `${arch} ${gui}`);
      const stub = readStub(arch, gui);
      assert.deepEqual(codeBytes(file, image), codeBytes(stub), `${arch} ${gui ? 'gui' : 'console'}: code from its stub, byte for byte`);
    }
    codes.add(Buffer.from(codeBytes(readStub(arch, gui))).toString('hex'));
  }
  assert.equal(codes.size, 6, 'the six stubs differ, so the comparison above tells them apart');
  // Defaults: x64 console.
  const image = parsePe(buildLauncher({ kind: 'proxy', program: 'p.exe' }));
  assert.deepEqual([image.machine, image.subsystem], ['x64', 3]);
});

test('invalid specs throw BounceError invalidInput', () => {
  const main = [{ name: '__main__.py', data: utf8('pass\n') }];
  const bad: [string, LauncherSpec][] = [
    ['unknown kind', { kind: 'shell' as LauncherSpec['kind'], program: 'p.exe' }],
    ['unknown arch', { kind: 'proxy', program: 'p.exe', arch: 'mips' as Arch }],
    ['script without files', { kind: 'script', program: 'p.exe' }],
    ['script without __main__.py', { kind: 'script', program: 'p.exe', files: [{ name: 'main.py', data: utf8('') }] }],
    ['script with a script path', { kind: 'script', program: 'p.exe', files: main, script: 'x.py' }],
    ['proxy with files', { kind: 'proxy', program: 'p.exe', files: main }],
    ['proxy with a script path', { kind: 'proxy', program: 'p.exe', script: 'x.py' }],
    ['empty program', { kind: 'proxy', program: '' }],
    ['drive-relative program', { kind: 'proxy', program: 'C:python.exe' }],
    ['root-relative program', { kind: 'proxy', program: '\\Python\\python.exe' }],
    ['program with a quote', { kind: 'proxy', program: 'C:\\a"b\\python.exe' }],
    ['program with a NUL', { kind: 'proxy', program: 'C:\\py\0.exe' }],
    ['program with a line break', { kind: 'proxy', program: 'C:\\py\n.exe' }],
    ['program that names a folder', { kind: 'proxy', program: 'C:\\Python\\' }],
    ['script path with a wildcard', { kind: 'exec', program: 'p.exe', script: 'lib\\*.js' }],
    ['program longer than a command line', { kind: 'proxy', program: `C:\\${'x'.repeat(32767)}` }],
  ];
  for (const [what, spec] of bad) assert.throws(() => buildLauncher(spec), isInvalid, what);
});

test('writeLauncher writes the built bytes, replacing an existing file, executable', async () => {
  const file = path.join(work, 'write', 'tool.exe');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'old contents');
  const bytes = await writeLauncher(file, scriptSpec());
  assert.deepEqual(new Uint8Array(fs.readFileSync(file)), buildLauncher(scriptSpec()));
  assert.deepEqual(bytes, buildLauncher(scriptSpec()));
  if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o111, 0o111 & ~process.umask());
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['tool.exe'], 'no temp file left');
});

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
const python = spawnSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 8))'], { encoding: 'utf8' });
const pythonSkip = python.status !== 0 ? 'python3 is not installed' : python.stdout.trim() !== 'True' ? 'python3 is older than 3.8 (zipimport needs the end record at the very end)' : false;

for (const arch of ARCHES) {
  test(`${arch}: the launcher file passes unzip -t and holds the files given`, { skip: hasUnzip ? false : 'unzip is not installed (apt-get install unzip)' }, () => {
    const file = path.join(work, `zip-${arch}.exe`);
    fs.writeFileSync(file, buildLauncher(scriptSpec(arch)));
    const t = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /testing: __main__\.py +OK/);
    assert.match(t.stdout, /No errors detected/);
    const p = spawnSync('unzip', ['-p', file, '__main__.py'], { encoding: 'utf8' });
    assert.equal(p.stdout, MAIN_PY);
  });

  test(`${arch}: python3 launcher.exe a b runs the embedded __main__.py`, { skip: pythonSkip }, () => {
    const file = path.join(work, `py-${arch}.exe`);
    fs.writeFileSync(file, buildLauncher(scriptSpec(arch)));
    const r = spawnSync('python3', [file, '7', 'two words', 'é'], { encoding: 'utf8', env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, "['7', 'two words', 'é']\n");
    assert.equal(r.status, 7);
    assert.equal(spawnSync('python3', [file], { encoding: 'utf8' }).status, 0);
  });
}

test('negative control: with its end-of-central-directory record broken, python3 cannot run the launcher', { skip: pythonSkip }, () => {
  const bytes = buildLauncher(scriptSpec());
  const eocd = Buffer.from(bytes).lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd > 0);
  bytes[eocd + 3] = 0x07;
  const file = path.join(work, 'broken.exe');
  fs.writeFileSync(file, bytes);
  const r = spawnSync('python3', [file, '7'], { encoding: 'utf8' });
  assert.notEqual(r.status, 7);
  assert.notEqual(r.status, 0);
  assert.equal(r.stdout, '');
});
