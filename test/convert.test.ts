/**
 * `bounce convert` (src/convert.ts): distlib, uv and setuptools launchers replaced by Bounce
 * launchers that read back with the same interpreter, arguments, subsystem, machine, script and
 * entry point, and that `python3` runs with the same output and exit code; searched interpreters,
 * signed files and a failed write leave everything as it was; other formats are skipped
 * byte-identical; dryRun writes nothing; and under Wine a converted distlib launcher hands the
 * probe the same command line and exit code as distlib's own t64/w64 stub did.
 *
 * Real files versus constructed ones (the fixtures come from support/fixtures.ts, which says how
 * each is made):
 * - distlib: written by distlib's ScriptMaker from this machine's pip (python3, Windows mode
 *   forced): entry points (console, GUI, x86, arm64, shebang arguments, `<launcher_dir>`), and
 *   here also copied scripts that are no entry point (a `#!pythonw` one gets the GUI stub).
 * - setuptools: written by this machine's setuptools' WindowsExecutableLauncherWriter (x64, and
 *   x86 with its `.exe.manifest`); its `load_entry_point` script is run for real against a fake
 *   `spam-1.0.dist-info`. Scripts of other shapes are written beside a copy of setuptools' own
 *   cli-64.exe.
 * - uv (resources and trailer): constructed from the documented layouts (a Bounce stub plus
 *   UV_* resources; stub ‖ zip ‖ path ‖ length ‖ magic) with uv's own __main__.py template: only
 *   the layout is proved, not that uv's trampoline behaves as the conversion does.
 * - The skipped formats: ours, posy, Scoop and Bun constructed; cmd-shim written by npm's cmd-shim.
 * Tests needing python3, pip's distlib or setuptools are skipped (with the reason) without them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { convert, type ConvertResult } from '../src/convert.js';
import { inspectPath, type InspectReport } from '../src/inspect.js';
import { buildPythonLauncher } from '../src/python/launcher.js';
import { encodeZip } from '../src/zip.js';
import {
  bunx,
  DEMO_ENTRY,
  distlibSkip,
  mainZip,
  makeDistlib,
  posyLauncher,
  pythonSkip,
  setuptoolsSkip,
  utf8,
  uvLauncher,
  uvScript,
  uvTrailerLauncher,
  writeBunShim,
  writeCmdShim,
  writeScoopShim,
  writeSetuptools,
  type DistlibJob,
  folderHashes,
} from './support/fixtures.js';
import { probeAt, probeEnv, REPO, tempDir, windowsSkip } from './support/launchers.js';
import { harnessExec, readProbeReport, toWindowsPath } from './support/wine.js';

const work = tempDir('bounce-convert-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
let dirCount = 0;
function freshDir(name: string): string {
  const dir = path.join(work, `${++dirCount}-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------------------------------------
// python3, the package every entry point runs, and how scripts are run.

const noPython = pythonSkip();
const noDistlib = distlibSkip();
const noSetuptools = setuptoolsSkip();
/** setuptools' own cli-64.exe (when noSetuptools is false). */
const setuptoolsCli = ((): string => {
  if (noSetuptools !== false) return '';
  const r = spawnSync('python3', ['-W', 'ignore', '-c', 'import os, setuptools; print(os.path.dirname(setuptools.__file__))'], { encoding: 'utf8' });
  return path.join(r.stdout.trim(), 'cli-64.exe');
})();

/** demo_pkg.cli:main prints sys.argv and returns 3; `spam` is a distribution whose console and
 * GUI entry points (spam, spam-gui) are that function. */
const PKGS = path.join(work, 'pkgs');
fs.mkdirSync(path.join(PKGS, 'demo_pkg'), { recursive: true });
fs.writeFileSync(path.join(PKGS, 'demo_pkg', '__init__.py'), '');
fs.writeFileSync(path.join(PKGS, 'demo_pkg', 'cli.py'), 'import sys\ndef main():\n    print(repr(sys.argv))\n    return 3\n');
fs.mkdirSync(path.join(PKGS, 'spam-1.0.dist-info'));
fs.writeFileSync(path.join(PKGS, 'spam-1.0.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: spam\nVersion: 1.0\n');
fs.writeFileSync(path.join(PKGS, 'spam-1.0.dist-info', 'entry_points.txt'), '[console_scripts]\nspam = demo_pkg.cli:main\n\n[gui_scripts]\nspam-gui = demo_pkg.cli:main\n');

/** A script that is no entry point: prints its arguments, exits 5. */
const ARGV_BODY = 'import sys\nprint(sys.argv[1:])\nsys.exit(5)\n';
const ARGS = ['a', 'b c', '"q"', 'é'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runPython(file: string): Run {
  const r = spawnSync('python3', [file, ...ARGS], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: PKGS, PYTHONIOENCODING: 'utf-8' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertSameRun(got: Run, expected: Run, what: string): void {
  assert.equal(expected.stderr, '', `${what}: the original runs (${expected.stderr})`);
  assert.equal(got.stderr, '', `${what}: ${got.stderr}`);
  assert.equal(got.stdout, expected.stdout, `${what}: same output`);
  assert.equal(got.status, expected.status, `${what}: same exit code`);
}


function byName(dir: string, results: ConvertResult[]): Map<string, ConvertResult> {
  return new Map(results.map((r) => [path.relative(dir, r.path), r]));
}

/** What must survive a conversion. */
function essence(r: InspectReport): Record<string, unknown> {
  assert.ok(r.format !== 'unknown', `${r.path}: ${'reason' in r ? r.reason : ''}`);
  return { kind: r.kind, interpreter: r.interpreter, interpreterRelative: r.interpreterRelative, interpreterArgs: r.interpreterArgs, gui: r.gui, arch: r.arch, script: r.script, entryPoint: r.entryPoint };
}

/** Asserts `file` is now a Bounce launcher with `expected`'s essence (changes applied). */
async function assertConverted(file: string, expected: Record<string, unknown>): Promise<void> {
  const now = await inspectPath(file);
  assert.equal(now.format, 'bounce', file);
  assert.deepEqual(essence(now), expected, file);
}

// ---------------------------------------------------------------------------------------------
// Fixtures. Entry points, setuptools, uv and the skipped formats come from support/fixtures.ts;
// distlib's copied scripts (no entry point) are written here by the same ScriptMaker.

const SCRIPT_COPIER = String.raw`
import json, os, sys
from pip._vendor.distlib import scripts
from pip._vendor.distlib.scripts import ScriptMaker

STUBS = os.path.dirname(scripts.__file__)
spec = json.loads(sys.argv[1])
for job in spec['jobs']:
    maker = ScriptMaker(spec['source'], spec['dir'], add_launchers=True)
    maker._is_nt = True
    maker.variants = {''}
    maker._get_launcher = lambda kind: open(os.path.join(STUBS, kind + '64.exe'), 'rb').read()
    scripts.get_executable = lambda p=job['python']: p
    saved = os.name, os.linesep
    os.name, os.linesep = 'nt', '\n'
    try:
        maker.make(job['file'])
    finally:
        os.name, os.linesep = saved
`;

/**
 * ScriptMaker copying each script `file` (content `content`) into `dir` as `<stem>.exe`: its
 * first line `#!python` or `#!pythonw` is replaced by a shebang for `python`, and a `pythonw`
 * first line gets distlib's GUI stub (w64), anything else the console one (t64).
 */
function copyScripts(dir: string, jobs: { file: string; content: string; python: string }[]): void {
  const source = freshDir('distlib-src');
  for (const j of jobs) fs.writeFileSync(path.join(source, j.file), j.content);
  const r = spawnSync('python3', ['-c', SCRIPT_COPIER, JSON.stringify({ dir, source, jobs })], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ScriptMaker failed: ${r.stderr}`);
}

/** setuptools' own cli-64.exe at `dir/name.exe` beside `dir/name-script.py` holding `script`. */
function setuptoolsPair(dir: string, name: string, script: string): string {
  fs.copyFileSync(setuptoolsCli, path.join(dir, `${name}.exe`));
  fs.writeFileSync(path.join(dir, `${name}-script.py`), script);
  return path.join(dir, `${name}.exe`);
}

const UV_PY = 'C:\\Users\\me\\proj\\.venv\\Scripts\\python.exe';

function put(file: string, bytes: Uint8Array | string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

/** Launchers convert leaves alone, and files that are no launchers. */
async function skippedFiles(dir: string): Promise<Record<string, string>> {
  put(path.join(dir, 'ours.exe'), buildPythonLauncher({ python: 'C:\\Py\\python.exe', entry: DEMO_ENTRY }));
  put(path.join(dir, 'posy.exe'), posyLauncher('print(1)\n'));
  writeScoopShim(dir, 'sc', 'path = C:\\Py\\python.exe\r\nargs = -E\r\n');
  writeBunShim(dir, 'bn', bunx('..\\node_modules\\tool\\bin\\tool.js', 'node'));
  const target = put(path.join(dir, 'lib', 'cli.js'), '#!/usr/bin/env node\nconsole.log(1)\n');
  await writeCmdShim('npm', target, path.join(dir, 'js-tool'));
  fs.copyFileSync(path.join(REPO, 'stub', 'bin', 'x64-gui.exe'), path.join(dir, 'bare.exe'));
  put(path.join(dir, 'text.exe'), 'not a program\n');
  return { 'ours.exe': 'bounce', 'posy.exe': 'posy', 'sc.exe': 'scoop', 'bn.exe': 'bun', 'js-tool.cmd': 'cmd-shim', 'bare.exe': 'unknown', 'text.exe': 'unknown' };
}

// ---------------------------------------------------------------------------------------------

describe('distlib launchers written by ScriptMaker', { skip: noDistlib }, () => {
  test('console, GUI, x86, arm64, shebang arguments, launcher-relative and copied scripts: converted, read back the same, run the same', async () => {
    const dir = freshDir('distlib');
    const PY = 'C:\\Program Files\\Python312\\python.exe';
    makeDistlib(dir, [
      { name: 'ep-console', arch: 'x64', python: PY },
      { name: 'ep-gui', arch: 'x64', python: PY, gui: true },
      { name: 'ep-x86', arch: 'x86', python: 'C:\\Python312-32\\python.exe' },
      { name: 'ep-arm64', arch: 'arm64', python: PY, gui: true },
      { name: 'ep-args', arch: 'x64', python: 'C:\\Python312\\python.exe', args: ['-E', '-s'] },
      { name: 'ep-rel', arch: 'x64', executable: '<launcher_dir>\\..\\py env\\python.exe' },
    ]);
    copyScripts(dir, [
      { file: 'argv.py', content: `#!python\n${ARGV_BODY}`, python: PY },
      { file: 'argvw.py', content: `#!pythonw\n${ARGV_BODY}`, python: 'C:\\Program Files\\Python312\\pythonw.exe' },
    ]);
    const names = ['ep-console', 'ep-gui', 'ep-x86', 'ep-arm64', 'ep-args', 'ep-rel', 'argv', 'argvw'].map((n) => `${n}.exe`);
    assert.deepEqual(fs.readdirSync(dir).sort(), [...names].sort(), 'ScriptMaker wrote one .exe per job');
    const before = new Map<string, { info: Record<string, unknown>; run: Run }>();
    for (const n of names) {
      const info = await inspectPath(path.join(dir, n));
      assert.equal(info.format, 'distlib', n);
      before.set(n, { info: essence(info), run: runPython(path.join(dir, n)) });
    }
    // The fixtures are what they claim to be.
    assert.deepEqual(before.get('ep-gui.exe')?.info.gui, true);
    assert.deepEqual(before.get('argvw.exe')?.info.gui, true, 'a #!pythonw script gets the GUI stub');
    assert.deepEqual(before.get('ep-args.exe')?.info.interpreterArgs, ['-E', '-s']);
    assert.deepEqual(before.get('ep-rel.exe')?.info.interpreter, '..\\py env\\python.exe');
    assert.deepEqual(before.get('ep-x86.exe')?.info.arch, 'x86');
    assert.deepEqual(before.get('argv.exe')?.info.entryPoint, null);
    assert.equal(before.get('argv.exe')?.run.status, 5);
    assert.equal(before.get('ep-console.exe')?.run.status, 3);

    const results = await convert([dir], {});
    const by = byName(dir, results);
    for (const n of names) {
      const r = by.get(n);
      const b = before.get(n)!;
      assert.deepEqual(r, {
        path: path.join(dir, n),
        format: 'distlib',
        status: 'converted',
        interpreter: b.info.interpreter,
        entryPoint: b.info.entryPoint,
        gui: b.info.gui,
        arch: b.info.arch,
        reason: null,
        removed: [],
      });
      await assertConverted(path.join(dir, n), b.info);
      assertSameRun(runPython(path.join(dir, n)), b.run, n);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), [...names].sort(), 'no other file appeared or went');
  });

  test('searched interpreters (bare name, /usr/bin/env) and current-folder ones fail; the folder is untouched', async () => {
    const dir = freshDir('distlib-searched');
    makeDistlib(dir, [
      { name: 'env', arch: 'x64', executable: '/usr/bin/env python3' },
      { name: 'bare', arch: 'x64', executable: 'python.exe' },
      { name: 'cwd', arch: 'x64', executable: '..\\python.exe' },
    ]);
    const before = folderHashes(dir);
    const by = byName(dir, await convert([dir]));
    for (const [n, reason, interpreter] of [
      ['env.exe', /searched on PATH/, 'python3'],
      ['bare.exe', /searched on PATH/, 'python.exe'],
      ['cwd.exe', /current folder/, '..\\python.exe'],
    ] as const) {
      const r = by.get(n);
      assert.equal(r?.status, 'failed', n);
      assert.match(r?.reason ?? '', reason, n);
      assert.equal(r?.interpreter, interpreter, `${n}: the interpreter as stored`);
      assert.deepEqual(r?.removed, []);
    }
    assert.deepEqual(folderHashes(dir), before);
  });

  test('a signed launcher fails and stays byte-identical', async (t) => {
    for (const [tool, args] of [['osslsigncode', ['--version']], ['openssl', ['version']]] as const) {
      if (spawnSync(tool, args).status !== 0) {
        t.skip(`${tool} is not installed`);
        return;
      }
    }
    const dir = freshDir('distlib-signed');
    makeDistlib(dir, [{ name: 'tool', arch: 'x64', python: 'C:\\Py\\python.exe' }]);
    const key = path.join(work, 'key.pem');
    const cert = path.join(work, 'cert.pem');
    assert.equal(spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=t']).status, 0);
    const unsigned = path.join(dir, 'tool.exe');
    const signed = path.join(dir, 'signed.exe');
    assert.equal(spawnSync('osslsigncode', ['sign', '-certs', cert, '-key', key, '-in', unsigned, '-out', signed]).status, 0);
    fs.rmSync(unsigned);
    const before = folderHashes(dir);
    const [r] = await convert([dir]);
    assert.equal(r?.format, 'distlib');
    assert.equal(r?.status, 'failed');
    assert.match(r?.reason ?? '', /signed/);
    assert.deepEqual(folderHashes(dir), before);
  });
});

describe('setuptools launchers', { skip: noSetuptools }, () => {
  const PY = 'C:\\Py 3\\python.exe';
  for (const arch of ['x64', 'x86'] as const) {
    test(`${arch}: written by WindowsExecutableLauncherWriter: converted, the -script.py${arch === 'x86' ? ' and the manifest' : ''} removed, the real entry-point script runs the same`, async () => {
      const dir = freshDir(`setuptools-${arch}`);
      writeSetuptools(dir, arch, [PY, '-E']);
      const expectFiles = ['spam.exe', 'spam-script.py', 'spam-gui.exe', 'spam-gui-script.pyw', ...(arch === 'x86' ? ['spam.exe.manifest', 'spam-gui.exe.manifest'] : [])];
      assert.deepEqual(fs.readdirSync(dir).sort(), expectFiles.sort());
      const before = new Map<string, { info: Record<string, unknown>; run: Run }>();
      for (const [exe, script] of [['spam.exe', 'spam-script.py'], ['spam-gui.exe', 'spam-gui-script.pyw']] as const) {
        const info = await inspectPath(path.join(dir, exe));
        assert.equal(info.format, 'setuptools');
        // What setuptools' launcher runs: python [args] "<name>-script.py" args.
        before.set(exe, { info: { ...essence(info), script: fs.readFileSync(path.join(dir, script), 'utf8') }, run: runPython(path.join(dir, script)) });
      }
      assert.equal(before.get('spam.exe')?.run.status, 3, 'load_entry_point found demo_pkg.cli:main through spam-1.0.dist-info');

      const by = byName(dir, await convert([dir]));
      for (const [exe, script, gui, python] of [
        ['spam.exe', 'spam-script.py', false, PY],
        ['spam-gui.exe', 'spam-gui-script.pyw', true, 'C:\\Py 3\\pythonw.exe'],
      ] as const) {
        const removed = [path.join(dir, script), ...(arch === 'x86' ? [path.join(dir, `${exe}.manifest`)] : [])];
        assert.deepEqual(by.get(exe), { path: path.join(dir, exe), format: 'setuptools', status: 'converted', interpreter: python, entryPoint: null, gui, arch, reason: null, removed });
        const b = before.get(exe)!;
        await assertConverted(path.join(dir, exe), { ...b.info, interpreter: python, interpreterArgs: ['-E'] });
        assertSameRun(runPython(path.join(dir, exe)), b.run, exe);
      }
      assert.deepEqual(fs.readdirSync(dir).sort(), ['spam-gui.exe', 'spam.exe']);
    });
  }

  test('relative interpreters (resolved from Scripts\\..) gain ..\\; a script that is no entry point runs the same', async () => {
    const dir = freshDir('setuptools-relative');
    const cases = [
      ['rel', `#!python.exe\n${ARGV_BODY}`, '..\\python.exe'],
      ['sub', `#!py/python.exe -E\n${ARGV_BODY}`, '..\\py\\python.exe'],
      ['noshebang', ARGV_BODY, '..\\python.exe'],
      ['abs', `#!C:/Py/python.exe\n${ARGV_BODY}`, 'C:\\Py\\python.exe'],
    ] as const;
    const runs = new Map<string, Run>();
    for (const [name, script] of cases) {
      setuptoolsPair(dir, name, script);
      runs.set(name, runPython(path.join(dir, `${name}-script.py`)));
    }
    const by = byName(dir, await convert([dir]));
    for (const [name, script, interpreter] of cases) {
      const exe = `${name}.exe`;
      assert.equal(by.get(exe)?.status, 'converted', `${exe}: ${by.get(exe)?.reason}`);
      assert.equal(by.get(exe)?.interpreter, interpreter);
      assert.deepEqual(by.get(exe)?.removed, [path.join(dir, `${name}-script.py`)]);
      const info = await inspectPath(path.join(dir, exe));
      assert.ok(info.format === 'bounce');
      assert.equal(info.interpreter, interpreter);
      assert.equal(info.interpreterRelative, !interpreter.startsWith('C:'));
      assert.deepEqual(info.interpreterArgs, name === 'sub' ? ['-E'] : []);
      assert.equal(info.script, script);
      assertSameRun(runPython(path.join(dir, exe)), runs.get(name)!, exe);
    }
    assert.equal(runs.get('rel')?.status, 5);
  });

  test('the -script.py stays when the new .exe cannot be written, or the interpreter cannot be expressed', async () => {
    const dir = freshDir('setuptools-fail');
    // A name whose temp file (".<name>.<pid>.<random>.tmp") is too long for the file system:
    // writing the new launcher fails with ENAMETOOLONG, even for root.
    const long = 'x'.repeat(240);
    setuptoolsPair(dir, long, `#!C:\\Py\\python.exe\n${ARGV_BODY}`);
    // What setuptools itself writes for an executable string with a space: split by its launcher.
    writeSetuptools(dir, 'x64', 'C:\\Program Files\\Python311\\python.exe');
    setuptoolsPair(dir, 'rootrel', `#!/usr/bin/python.exe\n${ARGV_BODY}`);
    const before = folderHashes(dir);
    const by = byName(dir, await convert([dir]));
    assert.equal(by.get(`${long}.exe`)?.status, 'failed');
    assert.match(by.get(`${long}.exe`)?.reason ?? '', /cannot write/);
    assert.equal(by.get('spam.exe')?.status, 'failed');
    assert.equal(by.get('spam.exe')?.interpreter, 'C:\\Program');
    assert.match(by.get('spam.exe')?.reason ?? '', /\.exe/);
    assert.equal(by.get('rootrel.exe')?.status, 'failed');
    assert.match(by.get('rootrel.exe')?.reason ?? '', /current drive/);
    for (const r of by.values()) assert.deepEqual(r.removed, []);
    assert.deepEqual(folderHashes(dir), before, 'every file as it was, the -script.py files included');
  });
});

describe('uv launchers (constructed from the documented layouts)', () => {
  test('resources and trailer, script and proxy: converted with the same kind, interpreter, subsystem and machine; scripts run the same', { skip: noPython }, async () => {
    const dir = freshDir('uv');
    const zip = mainZip(uvScript(UV_PY));
    const files: Record<string, Uint8Array> = {
      'uv-script.exe': uvLauncher({ kind: 1, python: UV_PY, zip }),
      'uv-proxy.exe': uvLauncher({ kind: 2, python: 'python\\pythonw.exe', arch: 'x86', gui: true }),
      'uv-arm.exe': uvLauncher({ kind: 1, python: 'C:/Py/python.exe', arch: 'arm64', zip }),
      'uvsc.exe': uvTrailerLauncher({ magic: 'UVSC', python: UV_PY, zip }),
      'uvuv.exe': uvTrailerLauncher({ magic: 'UVUV', python: '..\\py\\pythonw.exe', zip, gui: true }),
      'uvpy.exe': uvTrailerLauncher({ magic: 'UVPY', python: 'python.exe', arch: 'x86' }),
    };
    const before = new Map<string, { info: Record<string, unknown>; run: Run | null }>();
    for (const [name, bytes] of Object.entries(files)) {
      const file = put(path.join(dir, name), bytes);
      const info = await inspectPath(file);
      assert.ok(info.format === 'uv' || info.format === 'uv-trailer', name);
      before.set(name, { info: essence(info), run: info.kind === 'script' ? runPython(file) : null });
    }
    const by = byName(dir, await convert([dir]));
    for (const [name, b] of before) {
      assert.equal(by.get(name)?.status, 'converted', `${name}: ${by.get(name)?.reason}`);
      // uv stores forward slashes as given; ours stores backslashes (the same path to Windows).
      const interpreter = String(b.info.interpreter).replace(/\//g, '\\');
      assert.equal(by.get(name)?.interpreter, interpreter);
      await assertConverted(path.join(dir, name), { ...b.info, interpreter });
      if (b.run !== null) {
        assert.equal(b.run.status, 3);
        assertSameRun(runPython(path.join(dir, name)), b.run, name);
      }
    }
    const proxy = await inspectPath(path.join(dir, 'uvpy.exe'));
    assert.ok(proxy.format === 'bounce' && proxy.kind === 'proxy' && proxy.arch === 'x86' && proxy.script === null);
  });

  test('a script launcher without its zip, or whose zip holds more than __main__.py, fails untouched', async () => {
    const dir = freshDir('uv-bad');
    put(path.join(dir, 'nozip.exe'), uvLauncher({ kind: 1, python: UV_PY }));
    const two = encodeZip([{ name: '__main__.py', data: utf8('import helper\n') }, { name: 'helper.py', data: utf8('print(1)\n') }]);
    put(path.join(dir, 'two.exe'), uvLauncher({ kind: 1, python: UV_PY, zip: two }));
    put(path.join(dir, 'two-trailer.exe'), uvTrailerLauncher({ magic: 'UVSC', python: UV_PY, zip: two }));
    const before = folderHashes(dir);
    const by = byName(dir, await convert([dir]));
    assert.equal(by.get('nozip.exe')?.status, 'failed');
    assert.match(by.get('nozip.exe')?.reason ?? '', /no zip|no UV_SCRIPT_DATA/);
    for (const n of ['two.exe', 'two-trailer.exe']) {
      assert.equal(by.get(n)?.status, 'failed', n);
      assert.match(by.get(n)?.reason ?? '', /holds 2 files/, n);
    }
    assert.deepEqual(folderHashes(dir), before);
  });
});

test('other formats are skipped and left byte-identical; an unreadable path fails', async () => {
  const dir = freshDir('skipped');
  const formats = await skippedFiles(dir);
  const before = folderHashes(dir);
  const results = await convert([dir, path.join(dir, 'missing.exe')]);
  const by = byName(dir, results);
  for (const [name, format] of Object.entries(formats)) {
    assert.equal(by.get(name)?.format, format, name);
    assert.equal(by.get(name)?.status, 'skipped', name);
    assert.ok((by.get(name)?.reason ?? '') !== '', `${name} says why`);
  }
  assert.match(by.get('ours.exe')?.reason ?? '', /already a Bounce launcher/);
  assert.equal(by.get('missing.exe')?.status, 'failed');
  assert.equal(results.filter((r) => r.status !== 'skipped').length, 1);
  assert.deepEqual(folderHashes(dir), before);
});

test('dryRun reports every conversion (and the files it would delete) and writes nothing', { skip: noDistlib || noSetuptools }, async () => {
  const dir = freshDir('dry');
  makeDistlib(dir, [{ name: 'dl', arch: 'x64', python: 'C:\\Py\\python.exe' }]);
  writeSetuptools(dir, 'x86', ['C:\\Py\\python.exe']);
  put(path.join(dir, 'sub', 'uv.exe'), uvLauncher({ kind: 1, python: UV_PY, zip: mainZip(uvScript(UV_PY)) }));
  put(path.join(dir, 'sub', 'uvpy.exe'), uvTrailerLauncher({ magic: 'UVPY', python: UV_PY }));
  setuptoolsPair(dir, 'searched', '#!/usr/bin/env python\n');
  const formats = await skippedFiles(path.join(dir, 'other'));
  const before = folderHashes(dir);
  const results = await convert([dir], { dryRun: true });
  assert.deepEqual(folderHashes(dir), before, 'nothing written or deleted');
  const by = byName(dir, results);
  for (const n of ['dl.exe', 'spam.exe', 'spam-gui.exe', path.join('sub', 'uv.exe'), path.join('sub', 'uvpy.exe')]) assert.equal(by.get(n)?.status, 'converted', `${n}: ${by.get(n)?.reason}`);
  assert.deepEqual(by.get('spam.exe')?.removed, [path.join(dir, 'spam-script.py'), path.join(dir, 'spam.exe.manifest')]);
  assert.equal(by.get('searched.exe')?.status, 'failed', '#!/usr/bin/env python: setuptools would start \\usr\\bin\\env(.exe), no path Bounce can store');
  for (const n of Object.keys(formats)) assert.equal(by.get(path.join('other', n))?.status, 'skipped', n);
  // The real run gives the same rows.
  const real = await convert([dir]);
  assert.deepEqual(real, results);
  assert.ok(!fs.existsSync(path.join(dir, 'spam-script.py')));
});

// ---------------------------------------------------------------------------------------------
// Under Wine: distlib's own stub and its conversion start the probe the same way.

describe('under Wine: a converted distlib launcher starts its interpreter as distlib\'s stub did', { skip: noDistlib || (windowsSkip() ?? false) }, () => {
  const cases: { name: string; job: Omit<DistlibJob, 'executable' | 'name' | 'arch'> }[] = [
    { name: 'console (t64)', job: {} },
    { name: 'GUI (w64)', job: { gui: true } },
    { name: 'shebang arguments', job: { args: ['-E', '-s'] } },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const root = freshDir('wine');
      const probe = probeAt(path.join(root, 'py env'), c.job.gui ? 'pythonw.exe' : 'python.exe');
      const scripts = path.join(root, 'Scripts');
      fs.mkdirSync(scripts);
      // Absolute for the console ones, <launcher_dir>-relative for the GUI one (for which
      // ScriptMaker itself turns python into pythonw).
      const executable = c.job.gui ? '<launcher_dir>\\"..\\py env\\python.exe"' : `"${toWindowsPath(probe)}"`;
      makeDistlib(scripts, [{ ...c.job, name: 'tool', arch: 'x64', executable }]);
      const launcher = path.join(scripts, 'tool.exe');
      const l = toWindowsPath(launcher);
      const run = async (): Promise<{ exitCode: number; argv: string[]; exe: string }> => {
        const { report, env } = probeEnv(root, { PROBE_EXIT: '7' });
        const r = await harnessExec(l, `"${l}" a "b c" "d\\"e"`, { env });
        const got = readProbeReport(report);
        return { exitCode: r.exitCode, argv: got.argv.slice(1), exe: got.exe.toLowerCase() };
      };
      const info = await inspectPath(launcher);
      assert.ok(info.format === 'distlib' && info.gui === (c.job.gui ?? false), JSON.stringify(info));
      const original = await run();
      assert.equal(original.exitCode, 7, 'the probe exit code came back through distlib');
      assert.equal(original.exe, toWindowsPath(probe).toLowerCase());
      assert.deepEqual(original.argv, [...(c.job.args ?? []), l, 'a', 'b c', 'd"e']);
      const [r] = await convert([launcher]);
      assert.equal(r?.status, 'converted', r?.reason ?? '');
      assert.equal((await inspectPath(launcher)).format, 'bounce');
      assert.deepEqual(await run(), original);
    });
  }
});
