/**
 * `bounce relocate` (src/relocate.ts): the prefix mapping; a folder holding launchers of several
 * formats relocated in one run, each rewritten in its own format and read back with the new
 * interpreter; Python zipapps still run; --dry-run, non-launchers and failures leave files
 * byte-identical; a signed launcher is refused unless --force, which removes the signature; and
 * under Wine, relocated launchers (distlib's real t64 stub and ours) start the interpreter at
 * its new place with the right command line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { buildPythonLauncher } from '../src/python/launcher.js';
import { inspectPath } from '../src/inspect.js';
import { mapPrefix, relocate } from '../src/relocate.js';
import { folderHashes } from './support/fixtures.js';
import { harnessExec, readProbeReport, toWindowsPath } from './support/wine.js';
import { distlibDir, distlibLauncher, probeAt, probeEnv, REPO, tempDir, windowsSkip } from './support/launchers.js';

const work = tempDir('bounce-relocate-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
const CLI = path.join(REPO, 'build', 'src', 'cli.js');
const npmCmdShim = createRequire(import.meta.url)('cmd-shim') as (from: string, to: string) => Promise<void>;
const distlib = distlibDir();
/** setuptools' own cli-64.exe from this machine's python3, or null. */
const setuptoolsCli = ((): string | null => {
  const r = spawnSync('python3', ['-c', 'import os, setuptools; print(os.path.dirname(setuptools.__file__))'], { encoding: 'utf8' });
  const file = path.join(r.stdout?.trim() ?? '', 'cli-64.exe');
  return r.status === 0 && fs.existsSync(file) ? file : null;
})();
const noDistlib = 'reason' in distlib ? distlib.reason : false;


function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('mapPrefix: case-insensitive, either slash, whole components, the separators of NEW', () => {
  assert.equal(mapPrefix('C:\\Old\\py\\python.exe', 'c:/old', 'D:\\new'), 'D:\\new\\py\\python.exe');
  assert.equal(mapPrefix('C:/old/py/python.exe', 'C:\\OLD\\', 'D:\\new env'), 'D:\\new env\\py\\python.exe');
  assert.equal(mapPrefix('C:\\old\\python.exe', 'C:\\old', '../env'), '../env/python.exe');
  assert.equal(mapPrefix('C:\\old', 'C:\\old', 'D:\\x'), 'D:\\x');
  assert.equal(mapPrefix('C:\\older\\python.exe', 'C:\\old', 'D:\\new'), null, 'C:\\old is not a prefix of C:\\older');
  assert.equal(mapPrefix('python.exe', 'C:\\old', 'D:\\new'), null);
  assert.equal(mapPrefix('C:\\x\\python.exe', '', 'D:\\new'), null);
});

/** A folder with a launcher of each format we can make here, all using C:\old\py\python.exe. */
async function mixedFolder(name: string): Promise<string> {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tool.exe'), buildPythonLauncher({ python: 'C:\\old\\py\\python.exe', entry: 'pkg.cli:main' }));
  if ('dir' in distlib) distlibLauncher(path.join(dir, 'sub', 'dl.exe'), distlib.dir, 'C:\\OLD\\py\\python.exe');
  // setuptools: its own cli-64.exe beside a -script.py; Scoop: any .exe beside a .shim.
  if (setuptoolsCli !== null) fs.copyFileSync(setuptoolsCli, path.join(dir, 'st.exe'));
  fs.writeFileSync(path.join(dir, 'st-script.py'), '#!C:/old/py/python.exe\nimport sys\nprint(sys.argv)\n');
  fs.copyFileSync(path.join(REPO, 'stub', 'bin', 'x64-console.exe'), path.join(dir, 'sc.exe'));
  fs.writeFileSync(path.join(dir, 'sc.shim'), 'path = C:\\old\\py\\python.exe\r\nargs = -E\r\n');
  // npm's real cmd-shim, for a target whose shebang names an interpreter by absolute path.
  const target = path.join(dir, 'lib', 'cli.js');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, '#!/usr/bin/env node\nconsole.log(1)\n');
  await npmCmdShim(target, path.join(dir, 'sub', 'js-tool'));
  // Not launchers: a bare stub and a text file named .exe.
  fs.copyFileSync(path.join(REPO, 'stub', 'bin', 'x64-gui.exe'), path.join(dir, 'bare.exe'));
  fs.writeFileSync(path.join(dir, 'text.exe'), 'not a program\n');
  return dir;
}

describe('relocate a folder of launchers', () => {
  test('every launcher is rewritten in its own format; zipapps still run; the rest is left alone', async () => {
    const dir = await mixedFolder('mixed');
    const before = folderHashes(dir);
    const results = await relocate([dir], { from: 'c:/old', to: 'D:\\new env' });
    const by = new Map(results.map((r) => [path.relative(dir, r.path), r]));
    // (distlib and setuptools only where this machine's python3 has them)
    const changed = ['tool.exe', 'sc.exe', ...(setuptoolsCli ? ['st.exe'] : []), ...('dir' in distlib ? [path.join('sub', 'dl.exe')] : [])];
    for (const f of changed) {
      assert.equal(by.get(f)?.status, 'changed', f);
      const info = await inspectPath(path.join(dir, f));
      assert.ok(info.format !== 'unknown', f);
      assert.equal(info.interpreter, 'D:\\new env\\py\\python.exe', f);
    }
    // cmd-shim names a bare `node`: no C:\old prefix, nothing to do.
    assert.equal(by.get(path.join('sub', 'js-tool.cmd'))?.status, 'unchanged');
    assert.equal(by.get('bare.exe')?.status, 'skipped');
    assert.equal(by.get('text.exe')?.status, 'skipped');
    const after = folderHashes(dir);
    for (const f of ['bare.exe', 'text.exe', 'sub/js-tool', 'sub/js-tool.cmd', 'sub/js-tool.ps1', 'lib/cli.js', 'sc.exe']) {
      assert.equal(after.get(path.join(dir, f)), before.get(path.join(dir, f)), `${f} byte-identical`);
    }
    // The sidecars were rewritten, the .exe files beside them not (sc.exe above; st.exe here).
    if (setuptoolsCli) assert.deepEqual(fs.readFileSync(path.join(dir, 'st.exe')), fs.readFileSync(setuptoolsCli));
    assert.equal(fs.readFileSync(path.join(dir, 'st-script.py'), 'utf8').split('\n')[0], setuptoolsCli ? '#!"D:\\new env\\py\\python.exe"' : '#!C:/old/py/python.exe');
    const run = spawnSync('python3', [path.join(dir, 'st-script.py')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    // The zipapps' zips are intact (ours, and distlib's after its #! line changed length).
    for (const f of ['tool.exe', ...('dir' in distlib ? [path.join('sub', 'dl.exe')] : [])]) {
      const r = spawnSync('python3', ['-c', 'import zipfile,sys; print(zipfile.ZipFile(sys.argv[1]).read("__main__.py")[:10])', path.join(dir, f)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    }
  });

  test('--dry-run reports the same changes and writes nothing', async () => {
    const dir = await mixedFolder('dry');
    const before = folderHashes(dir);
    const r = cli(['relocate', dir, '--from', 'C:\\old', '--to', 'D:\\new', '--dry-run']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /tool\.exe: bounce would change: C:\\old\\py\\python\.exe -> D:\\new\\py\\python\.exe/);
    assert.match(r.stdout, /\n\d+ to change, \d+ unchanged, \d+ skipped, 0 failed\n$/);
    assert.deepEqual(folderHashes(dir), before);
  });

  test('a signed launcher is refused (exit 6, byte-identical) unless --force, which removes the signature', async (t) => {
    if (spawnSync('osslsigncode', ['--version']).status !== 0) {
      t.skip('osslsigncode is not installed (apt-get install osslsigncode openssl)');
      return;
    }
    const dir = path.join(work, 'signed');
    fs.mkdirSync(dir, { recursive: true });
    const unsigned = path.join(dir, 'u.exe');
    const signed = path.join(dir, 'tool.exe');
    fs.writeFileSync(unsigned, buildPythonLauncher({ python: 'C:\\old\\python.exe', entry: 'pkg:main' }));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    assert.equal(spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=t']).status, 0);
    assert.equal(spawnSync('osslsigncode', ['sign', '-certs', cert, '-key', key, '-in', unsigned, '-out', signed]).status, 0);
    fs.rmSync(unsigned);
    const before = fs.readFileSync(signed);

    const refused = cli(['relocate', signed, '--from', 'C:\\old', '--to', 'D:\\new']);
    assert.equal(refused.status, 6);
    assert.match(refused.stdout, /failed: .*signed/);
    assert.deepEqual(fs.readFileSync(signed), before);

    const forced = cli(['relocate', signed, '--from', 'C:\\old', '--to', 'D:\\new', '--force', '--json']);
    assert.equal(forced.status, 0, forced.stderr);
    const [row] = JSON.parse(forced.stdout) as { status: string; signatureRemoved: boolean }[];
    assert.equal(row?.status, 'changed');
    assert.equal(row?.signatureRemoved, true);
    const info = await inspectPath(signed);
    assert.ok(info.format === 'bounce');
    assert.equal(info.signed, false);
    assert.equal(info.interpreter, 'D:\\new\\python.exe');
    assert.equal(info.entryPoint, 'pkg:main');
  });
});

test('--relative and --absolute: launcher-relative paths (setuptools: from the folder above), refused where a format cannot', async () => {
  const dir = await mixedFolder('relative');
  const at = 'D:\\env\\Scripts';
  const fix = (f: string) => path.join(dir, f);
  // First put the interpreter next to the Scripts folder the launchers will live in.
  await relocate([dir], { from: 'C:\\old\\py', to: 'D:\\env\\py' });
  const rel = await relocate([dir], { relative: true, at });
  const by = new Map(rel.map((r) => [path.relative(dir, r.path), r]));
  assert.equal(by.get('tool.exe')?.after, '..\\py\\python.exe');
  if (setuptoolsCli) assert.equal(by.get('st.exe')?.after, 'py\\python.exe', 'setuptools resolves from Scripts\\..');
  if ('dir' in distlib) assert.equal(by.get(path.join('sub', 'dl.exe'))?.after, '..\\..\\py\\python.exe', 'sub is D:\\env\\Scripts\\sub');
  assert.equal(by.get('sc.exe')?.status, 'failed', "Scoop's shim resolves relative paths against the current folder");
  assert.equal(by.get(path.join('sub', 'js-tool.cmd'))?.status, 'unchanged', 'node is searched on PATH');
  const info = await inspectPath(fix('tool.exe'));
  assert.ok(info.format === 'bounce' && info.interpreterRelative === true);

  const abs = await relocate([dir], { absolute: true, at: 'E:\\moved\\Scripts' });
  assert.equal(abs.find((r) => r.path === fix('tool.exe'))?.after, 'E:\\moved\\py\\python.exe');
  const moved = await inspectPath(fix('tool.exe'));
  assert.ok(moved.format === 'bounce' && moved.interpreter === 'E:\\moved\\py\\python.exe');

  await assert.rejects(relocate([dir], { relative: true }), /--at/, 'on Linux --relative needs --at');
  await assert.rejects(relocate([dir], { relative: true, from: 'C:\\x', to: 'D:\\y', at }), /exactly one/);
});

describe('relocated launchers run under Wine', { skip: windowsSkip() ?? false }, () => {
  test('distlib (its own t64 stub) and Bounce launchers start the interpreter at its new place', { skip: noDistlib }, async () => {
    const dir = path.join(work, 'wine');
    const oldDir = path.join(dir, 'old-env');
    const newDir = path.join(dir, 'new env');
    const probe = probeAt(newDir, 'python.exe');
    fs.mkdirSync(path.join(dir, 'Scripts'), { recursive: true });
    const dl = distlibLauncher(path.join(dir, 'Scripts', 'dl.exe'), (distlib as { dir: string }).dir, path.join(oldDir, 'python.exe'));
    const ours = path.join(dir, 'Scripts', 'ours.exe');
    fs.writeFileSync(ours, buildPythonLauncher({ python: toWindowsPath(path.join(oldDir, 'python.exe')), entry: 'pkg:main' }));
    const r = cli(['relocate', path.join(dir, 'Scripts'), '--from', toWindowsPath(oldDir), '--to', toWindowsPath(newDir)]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const l of [dl, ours]) {
      const { report, env } = probeEnv(dir);
      const run = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" a "b c"`, { env });
      assert.equal(run.exitCode, 0, l);
      const got = readProbeReport(report);
      assert.equal(got.exe.toLowerCase(), toWindowsPath(probe).toLowerCase(), `${l} started the moved interpreter`);
      assert.deepEqual(got.argv.slice(-3), [toWindowsPath(l), 'a', 'b c']);
    }
  });

  test('after --relative, the whole environment can move: the launchers follow their interpreter', { skip: noDistlib }, async () => {
    const env0 = path.join(work, 'venv-before');
    const probe = probeAt(path.join(env0, 'py'), 'python.exe');
    fs.mkdirSync(path.join(env0, 'Scripts'), { recursive: true });
    const dl = distlibLauncher(path.join(env0, 'Scripts', 'dl.exe'), (distlib as { dir: string }).dir, probe);
    fs.writeFileSync(path.join(env0, 'Scripts', 'ours.exe'), buildPythonLauncher({ python: toWindowsPath(probe), entry: 'pkg:main' }));
    const r = cli(['relocate', path.join(env0, 'Scripts'), '--relative', '--at', toWindowsPath(path.join(env0, 'Scripts'))]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const moved = path.join(work, 'venv moved');
    fs.renameSync(env0, moved);
    for (const name of [path.basename(dl), 'ours.exe']) {
      const l = path.join(moved, 'Scripts', name);
      const { report, env } = probeEnv(work);
      const run = await harnessExec(toWindowsPath(l), `"${toWindowsPath(l)}" x`, { env });
      assert.equal(run.exitCode, 0, name);
      assert.equal(readProbeReport(report).exe.toLowerCase(), toWindowsPath(path.join(moved, 'py', 'python.exe')).toLowerCase(), name);
    }
  });
});
