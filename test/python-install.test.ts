// Tests for src/python/install.ts: installEntryPoints writes one launcher per console_scripts and
// gui_scripts entry of a .dist-info (GUI ones on the GUI stub with pythonw), stores the
// interpreter as given or relative to the scripts folder, writes nothing at all when any line is
// bad, and fails cleanly on missing folders. Then installed launchers run under Wine (natively on
// Windows) with the probe as "python": it is started as `"<python>" "<launcher>" args`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BounceError } from '../src/errors.js';
import { parsePe } from '../src/pe.js';
import { buildPythonLauncher } from '../src/python/launcher.js';
import { installEntryPoints, type InstalledLauncher } from '../src/python/install.js';
import { readBounceLauncher } from '../src/read.js';
import { harnessExec, readProbeReport, toWindowsPath } from './support/wine.js';
import { probeAt, probeEnv, tempDir, windowsSkip } from './support/launchers.js';

const work = tempDir('bounce-install-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

const ENTRY_POINTS = `[console_scripts]
tool = pkg.cli:main
other-tool = pkg.cli:App.run [extra]

[pytest11]
plugin = not checked: at all

[gui_scripts]
tool-gui = pkg.gui:start
`;

let counter = 0;
/** A fresh `<name>.dist-info` with this entry_points.txt (none when text is null) and an empty scripts folder. */
function fixture(text: string | null): { dist: string; scripts: string; root: string } {
  const root = path.join(work, `case-${++counter}`);
  const dist = path.join(root, 'site-packages', 'pkg-1.0.dist-info');
  const scripts = path.join(root, 'Scripts');
  fs.mkdirSync(dist, { recursive: true });
  fs.mkdirSync(scripts);
  fs.writeFileSync(path.join(dist, 'METADATA'), 'Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n');
  if (text !== null) fs.writeFileSync(path.join(dist, 'entry_points.txt'), text);
  return { dist, scripts, root };
}

function isError(kind: BounceError['kind'], re: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof BounceError, String(e));
    assert.equal(e.kind, kind);
    assert.match(e.message, re);
    return true;
  };
}

const read = (file: string) => readBounceLauncher(new Uint8Array(fs.readFileSync(file)), file);

test('one launcher per entry; gui_scripts get the GUI stub and pythonw', async () => {
  const { dist, scripts } = fixture(ENTRY_POINTS);
  const installed = await installEntryPoints(dist, { python: 'C:\\Py\\python.exe', scriptsDir: scripts });
  const expected: InstalledLauncher[] = [
    { name: 'tool', group: 'console_scripts', entryPoint: 'pkg.cli:main', path: path.join(scripts, 'tool.exe'), interpreter: 'C:\\Py\\python.exe' },
    { name: 'other-tool', group: 'console_scripts', entryPoint: 'pkg.cli:App.run', path: path.join(scripts, 'other-tool.exe'), interpreter: 'C:\\Py\\python.exe' },
    { name: 'tool-gui', group: 'gui_scripts', entryPoint: 'pkg.gui:start', path: path.join(scripts, 'tool-gui.exe'), interpreter: 'C:\\Py\\pythonw.exe' },
  ];
  assert.deepEqual(installed, expected);
  assert.deepEqual(fs.readdirSync(scripts).sort(), ['other-tool.exe', 'tool-gui.exe', 'tool.exe']);
  for (const l of expected) {
    const gui = l.group === 'gui_scripts';
    const bytes = new Uint8Array(fs.readFileSync(l.path));
    const info = read(l.path);
    assert.equal(info.kind, 'script');
    assert.equal(info.gui, gui, l.name);
    assert.equal(parsePe(bytes).subsystem, gui ? 2 : 3, l.name);
    assert.equal(info.arch, 'x64');
    assert.equal(info.interpreter, l.interpreter);
    assert.equal(info.interpreterRelative, false);
    assert.equal(info.entryPoint, l.entryPoint);
    // Exactly the launcher the library builds for this entry point.
    assert.deepEqual(bytes, buildPythonLauncher({ python: l.interpreter, entry: l.entryPoint, gui }));
  }
});

test('arch and an explicit pythonw are used for every launcher', async () => {
  const { dist, scripts } = fixture(ENTRY_POINTS);
  await installEntryPoints(dist, { python: 'D:\\venv\\Scripts\\python3.12.exe', pythonw: 'D:\\gui\\pyw.exe', scriptsDir: scripts, arch: 'x86' });
  assert.equal(read(path.join(scripts, 'tool.exe')).interpreter, 'D:\\venv\\Scripts\\python3.12.exe');
  assert.equal(read(path.join(scripts, 'tool-gui.exe')).interpreter, 'D:\\gui\\pyw.exe');
  for (const f of fs.readdirSync(scripts)) assert.equal(read(path.join(scripts, f)).arch, 'x86', f);
  // Without --pythonw, python3.12.exe's GUI sibling is pythonw3.12.exe.
  const other = fixture(ENTRY_POINTS);
  await installEntryPoints(other.dist, { python: 'D:\\venv\\Scripts\\python3.12.exe', scriptsDir: other.scripts });
  assert.equal(read(path.join(other.scripts, 'tool-gui.exe')).interpreter, 'D:\\venv\\Scripts\\pythonw3.12.exe');
});

test('relative mode stores the interpreter relative to the scripts folder', async () => {
  const { dist, scripts, root } = fixture(ENTRY_POINTS);
  await installEntryPoints(dist, { python: path.join(root, 'bin', 'python.exe'), scriptsDir: scripts, relative: true });
  const console = read(path.join(scripts, 'tool.exe'));
  assert.equal(console.interpreter, '..\\bin\\python.exe');
  assert.equal(console.interpreterRelative, true);
  assert.equal(read(path.join(scripts, 'tool-gui.exe')).interpreter, '..\\bin\\pythonw.exe');
  // An interpreter beside the launchers: just its name.
  await installEntryPoints(dist, { python: path.join(scripts, 'python.exe'), scriptsDir: scripts, relative: true });
  assert.equal(read(path.join(scripts, 'tool.exe')).interpreter, 'python.exe');
});

test('a bad line anywhere leaves the scripts folder untouched', async () => {
  const bad = [
    `[console_scripts]\ntool = pkg.cli:main\nbroken = pkg.cli\n`,
    `${ENTRY_POINTS}[gui_scripts]\nnul = pkg:f\n`,
    `[console_scripts]\ntool = pkg.cli:main\n[gui_scripts]\nTOOL = pkg.gui:main\n`,
  ];
  for (const text of bad) {
    const { dist, scripts } = fixture(text);
    fs.writeFileSync(path.join(scripts, 'tool.exe'), 'the old tool');
    await assert.rejects(installEntryPoints(dist, { python: 'C:\\Py\\python.exe', scriptsDir: scripts }), isError('invalidInput', /entry_points\.txt: line \d+: /));
    assert.deepEqual(fs.readdirSync(scripts), ['tool.exe'], text);
    assert.equal(fs.readFileSync(path.join(scripts, 'tool.exe'), 'utf8'), 'the old tool');
  }
  // So does a bad GUI interpreter path, though the console launchers come first.
  const { dist, scripts } = fixture(ENTRY_POINTS);
  await assert.rejects(
    installEntryPoints(dist, { python: 'C:\\Py\\python.exe', pythonw: 'C:pythonw.exe', scriptsDir: scripts }),
    isError('invalidInput', /relative to a drive/),
  );
  assert.deepEqual(fs.readdirSync(scripts), []);
});

test('missing dist-info or scripts folder: an io error naming it, nothing written', async () => {
  const { dist, scripts, root } = fixture(ENTRY_POINTS);
  const noDist = path.join(root, 'site-packages', 'nope-1.0.dist-info');
  await assert.rejects(installEntryPoints(noDist, { python: 'C:\\Py\\python.exe', scriptsDir: scripts }), (e: unknown) => {
    isError('io', /no such \.dist-info folder/)(e);
    assert.equal((e as BounceError).path, noDist);
    return true;
  });
  const noScripts = path.join(root, 'missing', 'Scripts');
  await assert.rejects(installEntryPoints(dist, { python: 'C:\\Py\\python.exe', scriptsDir: noScripts }), isError('io', /scripts folder does not exist/));
  assert.equal(fs.existsSync(path.join(root, 'missing')), false);
  assert.deepEqual(fs.readdirSync(scripts), []);
  // A dist-info without entry_points.txt has no scripts to install.
  const none = fixture(null);
  assert.deepEqual(await installEntryPoints(none.dist, { python: 'C:\\Py\\python.exe', scriptsDir: none.scripts }), []);
  assert.deepEqual(fs.readdirSync(none.scripts), []);
});

const winSkip = windowsSkip();

test('installed launchers run "<python>" "<launcher>" args (probe as python, under Wine)', { skip: winSkip ?? false }, async () => {
  // Folder names with spaces, so every path on the child's command line must be quoted.
  const { dist, root } = fixture(ENTRY_POINTS);
  const env = path.join(root, 'my env');
  const scripts = path.join(env, 'Scripts');
  fs.mkdirSync(scripts, { recursive: true });
  const python = probeAt(path.join(env, 'py bin'), 'python.exe');
  const pythonw = probeAt(path.join(env, 'py bin'), 'pythonw.exe');
  const w = toWindowsPath;

  await installEntryPoints(dist, { python: w(python), scriptsDir: scripts });
  for (const [name, interpreter] of [['tool', python], ['tool-gui', pythonw]] as const) {
    const launcher = path.join(scripts, `${name}.exe`);
    const { report, env: probe } = probeEnv(root, { PROBE_EXIT: '3' });
    const r = await harnessExec(w(launcher), `"${w(launcher)}" a "b c"`, { env: probe });
    assert.equal(r.exitCode, 3, `${name}: the interpreter's exit code comes back`);
    const p = readProbeReport(report);
    assert.equal(p.commandLine, `"${w(interpreter)}" "${w(launcher)}" a "b c"`, name);
    assert.deepEqual(p.argv, [w(interpreter), w(launcher), 'a', 'b c']);
  }

  // Relative mode: the stub resolves the stored ..\py bin\python.exe against its own folder.
  await installEntryPoints(dist, { python, scriptsDir: scripts, relative: true });
  const launcher = path.join(scripts, 'tool.exe');
  assert.equal(read(launcher).interpreter, '..\\py bin\\python.exe');
  const { report, env: probe } = probeEnv(root);
  const r = await harnessExec(w(launcher), `"${w(launcher)}" x`, { env: probe });
  assert.equal(r.exitCode, 0);
  const p = readProbeReport(report);
  assert.equal(p.commandLine, `"${w(scripts)}\\..\\py bin\\python.exe" "${w(launcher)}" x`);
  assert.equal(p.exe.toLowerCase(), w(python).toLowerCase(), 'the probe that ran is the one installed as python');
});
