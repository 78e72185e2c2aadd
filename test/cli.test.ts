// Tests for the `bounce` command (build/src/cli.js, the package's bin), run as a user runs it:
// help and usage exit codes; `script` and `entry-points` write launchers that `inspect --json`
// reads back (and that are byte for byte what the library builds); `inspect` reports other files
// as unknown; every user error is exactly one `bounce: error:` line on stderr with the documented
// exit code and no stack trace, and leaves an existing output file byte-identical.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes } from '../src/errors.js';
import { buildPythonLauncher } from '../src/python/launcher.js';
import { REPO, tempDir } from './support/launchers.js';

const CLI = path.join(REPO, 'build', 'src', 'cli.js');
const work = tempDir('bounce-cli-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
const PY = 'C:\\Python\\python.exe';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function bounce(args: string[], opts: SpawnSyncOptions = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...opts });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** One row of `inspect --json`. */
type Row = Record<string, unknown> & { path: string; format: string };

function inspect(...files: string[]): Row[] {
  const r = bounce(['inspect', ...files, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const rows: unknown = JSON.parse(r.stdout);
  assert.ok(Array.isArray(rows));
  return rows as Row[];
}

function dir(name: string): string {
  const d = path.join(work, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

function distInfo(parent: string, entryPoints: string | null): string {
  const d = path.join(parent, 'pkg-1.0.dist-info');
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'METADATA'), 'Name: pkg\n');
  if (entryPoints !== null) fs.writeFileSync(path.join(d, 'entry_points.txt'), entryPoints);
  return d;
}

test('--help and -h print the usage and exit 0; no command exits 2', () => {
  for (const args of [['--help'], ['-h'], ['help'], ['script', '--help']]) {
    const r = bounce(args);
    assert.equal(r.status, 0, args.join(' '));
    assert.match(r.stdout, /^Usage:$/m);
    for (const command of ['script', 'proxy', 'exec', 'entry-points', 'inspect']) assert.match(r.stdout, new RegExp(`^  bounce ${command} `, 'm'));
    assert.match(r.stdout, /Exit codes: 0 ok, 2 usage, 3 invalid input, 4 bad file format, 5 I\/O error/);
    assert.equal(r.stderr, '');
  }
  const none = bounce([]);
  assert.equal(none.status, ErrorCodes.usage);
  assert.match(none.stdout, /^Usage:$/m);
});

test('script: writes the launcher the library builds; inspect --json reads it back', () => {
  const d = dir('script');
  const out = path.join(d, 'tool.exe');
  const r = bounce(['script', out, '--python', PY, '--entry', 'pkg.mod:main']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const bytes = fs.readFileSync(out);
  assert.equal(r.stdout, `wrote ${out} (script, x64 console, ${bytes.length} bytes)\n`);
  assert.deepEqual(new Uint8Array(bytes), buildPythonLauncher({ python: PY, entry: 'pkg.mod:main' }));
  const [row, ...rest] = inspect(out);
  assert.deepEqual(rest, []);
  assert.equal(row!.path, out);
  assert.equal(row!.format, 'bounce');
  assert.equal(row!.kind, 'script');
  assert.equal(row!.arch, 'x64');
  assert.equal(row!.gui, false);
  assert.equal(row!.interpreter, PY);
  assert.equal(row!.interpreterRelative, false);
  assert.equal(row!.entryPoint, 'pkg.mod:main');
  assert.equal(row!.signed, false);
});

test('script --gui and --arch x86|arm64; a relative --python', () => {
  const d = dir('variants');
  const cases: [string[], { arch: string; gui: boolean; interpreter: string; interpreterRelative: boolean }][] = [
    [['--gui'], { arch: 'x64', gui: true, interpreter: PY, interpreterRelative: false }],
    [['--arch', 'x86'], { arch: 'x86', gui: false, interpreter: PY, interpreterRelative: false }],
    [['--arch', 'arm64', '--gui'], { arch: 'arm64', gui: true, interpreter: PY, interpreterRelative: false }],
    [['--arch', 'x86', '--python', '..\\venv\\python.exe'], { arch: 'x86', gui: false, interpreter: '..\\venv\\python.exe', interpreterRelative: true }],
  ];
  cases.forEach(([flags, expected], i) => {
    const out = path.join(d, `v${i}.exe`);
    const r = bounce(['script', out, '--python', PY, '--entry', 'pkg:cli', ...flags]);
    assert.equal(r.status, 0, r.stderr);
    const row = inspect(out)[0]!;
    assert.deepEqual(
      { arch: row.arch, gui: row.gui, interpreter: row.interpreter, interpreterRelative: row.interpreterRelative, entryPoint: row.entryPoint },
      { ...expected, entryPoint: 'pkg:cli' },
      flags.join(' '),
    );
  });
});

test('entry-points: one launcher per entry, absolute and --relative; inspect of the folder', () => {
  const root = dir('entry-points');
  const dist = distInfo(root, '[console_scripts]\ntool = pkg.cli:main\n[gui_scripts]\ntool-gui = pkg.gui:run\n');
  const scripts = dir('entry-points/Scripts');
  const r = bounce(['entry-points', dist, '--python', PY, '--scripts', scripts]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    `${path.join(scripts, 'tool.exe')}: console pkg.cli:main via ${PY}\n` +
      `${path.join(scripts, 'tool-gui.exe')}: gui pkg.gui:run via C:\\Python\\pythonw.exe\n` +
      '2 launchers written\n',
  );
  const rows = inspect(scripts); // a folder: its .exe files, sorted
  assert.deepEqual(
    rows.map((x) => [path.basename(x.path), x.format, x.kind, x.gui, x.interpreter, x.entryPoint]),
    [
      ['tool-gui.exe', 'bounce', 'script', true, 'C:\\Python\\pythonw.exe', 'pkg.gui:run'],
      ['tool.exe', 'bounce', 'script', false, PY, 'pkg.cli:main'],
    ],
  );

  const rel = bounce(['entry-points', dist, '--python', path.join(root, 'bin', 'python.exe'), '--scripts', scripts, '--relative', '--arch', 'arm64']);
  assert.equal(rel.status, 0, rel.stderr);
  assert.deepEqual(
    inspect(scripts).map((x) => [path.basename(x.path), x.arch, x.interpreter, x.interpreterRelative]),
    [
      ['tool-gui.exe', 'arm64', '..\\bin\\pythonw.exe', true],
      ['tool.exe', 'arm64', '..\\bin\\python.exe', true],
    ],
  );
});

test('entry-points on a dist-info without entry_points.txt writes nothing and says so', () => {
  const root = dir('no-entry-points');
  const scripts = dir('no-entry-points/Scripts');
  const r = bounce(['entry-points', distInfo(root, null), '--python', PY, '--scripts', scripts]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0 launchers written\n');
  assert.deepEqual(fs.readdirSync(scripts), []);
});

test('inspect: other files are unknown with a reason; an unreadable one is an I/O failure', () => {
  const d = dir('inspect');
  const text = path.join(d, 'notes.txt');
  fs.writeFileSync(text, 'hello\n');
  const missing = path.join(d, 'missing.exe');
  const rows = inspect(text);
  assert.deepEqual(rows, [{ path: text, format: 'unknown', kind: null, arch: null, gui: null, interpreter: null, reason: rows[0]!.reason }]);
  assert.match(String(rows[0]!.reason), /not a PE file/);

  const r = bounce(['inspect', text, missing, '--json']);
  assert.equal(r.status, ErrorCodes.io);
  const both = JSON.parse(r.stdout) as Row[];
  assert.deepEqual(both.map((x) => [x.path, x.format]), [[text, 'unknown'], [missing, 'unknown']]);
  assert.match(String(both[1]!.reason), /cannot read: ENOENT/);

  const plain = bounce(['inspect', text]);
  assert.equal(plain.status, 0);
  assert.match(plain.stdout, /^.*notes\.txt: unknown \(not a PE file.*\)\n$/);
});

/** Runs a failing command: one `bounce: error:` line, the exit code, no stack, nothing on stdout. */
function assertUserError(r: Run, code: number, re: RegExp, what: string): void {
  assert.equal(r.status, code, `${what}: exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', what);
  const lines = r.stderr.split('\n');
  assert.equal(lines.pop(), '', `${what}: stderr ends with a newline`);
  assert.equal(lines.length, 1, `${what}: exactly one line:\n${r.stderr}`);
  assert.match(lines[0]!, /^bounce: error: /, what);
  assert.match(lines[0]!, re, what);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:|internal error/, `${what}: no stack trace`);
}

test('user errors: one line, the documented exit code, an existing output file untouched', () => {
  const d = dir('errors');
  const out = path.join(d, 'tool.exe');
  const old = buildPythonLauncher({ python: 'C:\\Old\\python.exe', entry: 'old:main' });
  fs.writeFileSync(out, old);
  const badDist = distInfo(dir('errors/bad-dist'), '[console_scripts]\ntool = pkg.cli\n');
  const goodDist = distInfo(dir('errors-good-dist'), '[console_scripts]\ntool = pkg.cli:main\n');
  const fileAsDist = path.join(d, 'file.dist-info');
  fs.writeFileSync(fileAsDist, '');
  const script = ['script', out, '--python', PY, '--entry', 'pkg:main'];
  const cases: [string, string[], number, RegExp][] = [
    ['missing --python', ['script', out, '--entry', 'pkg:main'], ErrorCodes.usage, /--python is required/],
    ['missing --entry', ['script', out, '--python', PY], ErrorCodes.usage, /--entry is required/],
    ['bad --entry (no attribute)', ['script', out, '--python', PY, '--entry', 'pkg.mod'], ErrorCodes.invalidInput, /pkg\.mod/],
    ['bad --entry (code)', ['script', out, '--python', PY, '--entry', 'pkg:main; import os'], ErrorCodes.invalidInput, /entry point/],
    ['bad --arch', [...script, '--arch', 'mips'], ErrorCodes.usage, /--arch must be one of x64, x86, arm64, not "mips"/],
    ['unknown flag', [...script, '--frobnicate'], ErrorCodes.usage, /frobnicate/],
    ['unknown command', ['scirpt', out], ErrorCodes.usage, /unknown command "scirpt"/],
    ['two outputs', ['script', out, out, '--python', PY, '--entry', 'pkg:main'], ErrorCodes.usage, /exactly one output file/],
    ['drive-relative --python', ['script', out, '--python', 'C:python.exe', '--entry', 'pkg:main'], ErrorCodes.invalidInput, /relative to a drive/],
    ['--python with a quote', ['script', out, '--python', 'C:\\a"b.exe', '--entry', 'pkg:main'], ErrorCodes.invalidInput, /not allow/],
    ['output into a missing folder', ['script', path.join(d, 'no', 'such', 'tool.exe'), '--python', PY, '--entry', 'pkg:main'], ErrorCodes.io, /no[\\/]such[\\/]tool\.exe: cannot write file: .*\(ENOENT\)/],
    ['entry-points: a bad entry_points line', ['entry-points', badDist, '--python', PY, '--scripts', d], ErrorCodes.invalidInput, /entry_points\.txt: line 2: /],
    ['entry-points: a missing dist-info', ['entry-points', path.join(d, 'nope.dist-info'), '--python', PY, '--scripts', d], ErrorCodes.io, /nope\.dist-info: no such \.dist-info folder/],
    ['entry-points: a file as dist-info', ['entry-points', fileAsDist, '--python', PY, '--scripts', d], ErrorCodes.io, /no such \.dist-info folder/],
    ['entry-points: a missing scripts folder', ['entry-points', goodDist, '--python', PY, '--scripts', path.join(d, 'nope')], ErrorCodes.io, /nope: scripts folder does not exist/],
    ['entry-points without --scripts', ['entry-points', badDist, '--python', PY], ErrorCodes.usage, /--scripts is required/],
    ['inspect without files', ['inspect'], ErrorCodes.usage, /at least one file/],
  ];
  for (const [what, args, code, re] of cases) {
    assertUserError(bounce(args), code, re, what);
    assert.deepEqual(new Uint8Array(fs.readFileSync(out)), old, `${what}: existing output file unchanged`);
    assert.deepEqual(fs.readdirSync(d).sort(), ['bad-dist', 'file.dist-info', 'tool.exe'], `${what}: nothing else written`);
  }
});

test(
  'a write that fails half way (file size limit) leaves the existing launcher byte-identical',
  { skip: process.platform === 'win32' ? 'needs ulimit -f' : false },
  () => {
    const d = dir('efbig');
    const out = path.join(d, 'tool.exe');
    const old = buildPythonLauncher({ python: 'C:\\Old\\python.exe', entry: 'old:main' });
    fs.writeFileSync(out, old);
    // A 4-block file size limit (SIGXFSZ ignored, so write() fails with EFBIG): the launcher,
    // several KB, cannot be written whole.
    const r = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 4; exec "$@"', 'sh', process.execPath, CLI, 'script', out, '--python', PY, '--entry', 'pkg:main'], {
      encoding: 'utf8',
    });
    assertUserError({ status: r.status, stdout: r.stdout, stderr: r.stderr }, ErrorCodes.io, /tool\.exe: cannot write file: .*\(EFBIG\)/, 'EFBIG');
    assert.deepEqual(new Uint8Array(fs.readFileSync(out)), old);
    assert.deepEqual(fs.readdirSync(d), ['tool.exe'], 'no temp file left');
  },
);
