// The dispatcher (src/inspect.ts) and `bounce inspect` over a folder holding one launcher of every
// format: which files are listed (a cmd-shim's three files once, sidecars never, subfolders only
// with --recursive), what each reads back as, the CLI's JSON for the same folder, and seeded
// mutations of every launcher and sidecar through inspectBytes, which must always answer.
//
// Fixtures (test/support/fixtures.ts says how each is made): Bounce script and exec launchers
// built by src/python/launcher.ts and src/build.ts; distlib launchers from pip's real ScriptMaker
// and setuptools launchers from the installed setuptools (each skipped, with the reason, when
// python3 lacks them); npm's and pnpm's real cmd-shim files; uv, uv-trailer, posy, Bun and Scoop
// constructed from their documented layouts; a bare stub from stub/bin (a PE that is no
// launcher) and a text file.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildLauncher } from '../src/build.js';
import type { LauncherFormat } from '../src/formats/types.js';
import { expandPaths, inspectBytes, inspectPath, type InspectReport, type Launcher } from '../src/inspect.js';
import { buildPythonLauncher } from '../src/python/launcher.js';
import { readStub } from '../src/stubs.js';
import {
  bunx,
  bunxFields,
  cmdShimFiles,
  DEMO_ENTRY,
  distlibSkip,
  lengthFields,
  mainZip,
  makeDistlib,
  mutate,
  posyLauncher,
  readBytes,
  setuptoolsSkip,
  uvLauncher,
  uvScript,
  uvTrailerLauncher,
  writeBunShim,
  writeCmdShim,
  writeScoopShim,
  writeSetuptools,
  type Field,
} from './support/fixtures.js';
import { REPO, tempDir } from './support/launchers.js';
import { prng } from './support/prng.js';

const work = tempDir('bounce-inspect-');
after(() => fs.rmSync(work, { recursive: true, force: true }));
const CLI = path.join(REPO, 'build', 'src', 'cli.js');

const PY = 'C:\\Python312\\python.exe';
const PYW = 'C:\\Python312\\pythonw.exe';
const UV_PY = 'C:\\Users\\me\\proj\\.venv\\Scripts\\python.exe';
const noDistlib = distlibSkip();
const noSetuptools = setuptoolsSkip();

/** What inspectPath must report for one launcher (the fields every format has). */
interface Expected {
  format: LauncherFormat;
  kind: Launcher['kind'];
  arch: Launcher['arch'];
  gui: boolean | null;
  interpreter: string | null;
  interpreterArgs: string[];
  interpreterRelative: boolean | null;
  entryPoint: string | null;
  /** Relative to the folder. */
  files: string[];
}

/** One file of the folder that expandPaths lists. */
interface Listed {
  /** Relative to the folder. */
  name: string;
  /** null: not a launcher (reported as unknown). */
  expected: Expected | null;
  /** Why this machine cannot make it, or false. */
  skip: string | false;
}

const launcher = (e: Omit<Expected, 'interpreterArgs'> & Partial<Pick<Expected, 'interpreterArgs'>>): Expected => ({ interpreterArgs: [], ...e });

/** Every launcher of the folder (subfolder `sub` included), in name order as expandPaths lists them. */
const LISTED: Listed[] = [
  {
    name: 'bare.exe',
    expected: null,
    skip: false,
  },
  {
    name: 'bounce-exec.exe',
    expected: launcher({ format: 'bounce', kind: 'exec', arch: 'x86', gui: true, interpreter: '..\\node\\node.exe', interpreterArgs: ['--no-warnings'], interpreterRelative: true, entryPoint: null, files: ['bounce-exec.exe'] }),
    skip: false,
  },
  {
    name: 'bounce-script.exe',
    expected: launcher({ format: 'bounce', kind: 'script', arch: 'x64', gui: false, interpreter: PY, interpreterRelative: false, entryPoint: 'pkg.cli:main', files: ['bounce-script.exe'] }),
    skip: false,
  },
  {
    name: 'bun-tool.exe',
    expected: launcher({ format: 'bun', kind: 'exec', arch: 'arm64', gui: false, interpreter: 'node', interpreterArgs: ['--no-warnings'], interpreterRelative: true, entryPoint: null, files: ['bun-tool.exe', 'bun-tool.bunx'] }),
    skip: false,
  },
  {
    name: 'dl-console.exe',
    expected: launcher({ format: 'distlib', kind: 'script', arch: 'x64', gui: false, interpreter: PY, interpreterRelative: false, entryPoint: DEMO_ENTRY, files: ['dl-console.exe'] }),
    skip: noDistlib,
  },
  {
    name: 'dl-gui.exe',
    expected: launcher({ format: 'distlib', kind: 'script', arch: 'x64', gui: true, interpreter: PYW, interpreterRelative: false, entryPoint: DEMO_ENTRY, files: ['dl-gui.exe'] }),
    skip: noDistlib,
  },
  {
    name: 'npm-tool.cmd',
    expected: launcher({ format: 'cmd-shim', kind: 'exec', arch: null, gui: null, interpreter: 'node', interpreterRelative: true, entryPoint: null, files: cmdShimFiles('npm-tool') }),
    skip: false,
  },
  {
    name: 'pn-tool.cmd',
    expected: launcher({ format: 'cmd-shim', kind: 'exec', arch: null, gui: null, interpreter: 'node', interpreterRelative: true, entryPoint: null, files: cmdShimFiles('pn-tool') }),
    skip: false,
  },
  {
    name: 'posy.exe',
    expected: launcher({ format: 'posy', kind: 'script', arch: 'x86', gui: false, interpreter: null, interpreterRelative: null, entryPoint: DEMO_ENTRY, files: ['posy.exe'] }),
    skip: false,
  },
  {
    name: 'scoop-git.exe',
    expected: launcher({
      format: 'scoop',
      kind: 'exec',
      arch: 'x64',
      gui: true,
      interpreter: 'C:\\Program Files\\Git\\bin\\git.exe',
      interpreterArgs: ['--no-pager'],
      interpreterRelative: false,
      entryPoint: null,
      files: ['scoop-git.exe', 'scoop-git.shim'],
    }),
    skip: false,
  },
  {
    name: 'spam-gui.exe',
    expected: launcher({ format: 'setuptools', kind: 'script', arch: 'x64', gui: true, interpreter: PYW, interpreterRelative: false, entryPoint: null, files: ['spam-gui.exe', 'spam-gui-script.pyw'] }),
    skip: noSetuptools,
  },
  {
    name: 'spam.exe',
    expected: launcher({ format: 'setuptools', kind: 'script', arch: 'x64', gui: false, interpreter: PY, interpreterRelative: false, entryPoint: null, files: ['spam.exe', 'spam-script.py'] }),
    skip: noSetuptools,
  },
  {
    name: path.join('sub', 'deep-proxy.exe'),
    expected: launcher({ format: 'bounce', kind: 'proxy', arch: 'arm64', gui: false, interpreter: 'python\\python.exe', interpreterRelative: true, entryPoint: null, files: [path.join('sub', 'deep-proxy.exe')] }),
    skip: false,
  },
  {
    name: path.join('sub', 'deep-tool.cmd'),
    expected: launcher({ format: 'cmd-shim', kind: 'exec', arch: null, gui: null, interpreter: 'node', interpreterRelative: true, entryPoint: null, files: cmdShimFiles(path.join('sub', 'deep-tool')) }),
    skip: false,
  },
  {
    name: 'uv-trailer.exe',
    expected: launcher({ format: 'uv-trailer', kind: 'script', arch: 'x64', gui: true, interpreter: '..\\python.exe', interpreterRelative: true, entryPoint: DEMO_ENTRY, files: ['uv-trailer.exe'] }),
    skip: false,
  },
  {
    name: 'uv.exe',
    expected: launcher({ format: 'uv', kind: 'script', arch: 'arm64', gui: false, interpreter: UV_PY, interpreterRelative: false, entryPoint: DEMO_ENTRY, files: ['uv.exe'] }),
    skip: false,
  },
];

const inSub = (l: Listed): boolean => l.name.startsWith(`sub${path.sep}`);

/** Writes the folder: every launcher of LISTED this machine can make, their sidecars, and files that are no launchers. */
async function everyFormat(dir: string): Promise<void> {
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  const put = (name: string, bytes: Uint8Array): void => fs.writeFileSync(path.join(dir, name), bytes);
  put('bounce-script.exe', buildPythonLauncher({ python: PY, entry: 'pkg.cli:main' }));
  put('bounce-exec.exe', buildLauncher({ kind: 'exec', program: '..\\node\\node.exe', args: ['--no-warnings'], script: 'lib\\cli.js', gui: true, arch: 'x86' }));
  put(path.join('sub', 'deep-proxy.exe'), buildLauncher({ kind: 'proxy', program: 'python\\python.exe', arch: 'arm64' }));
  put('uv.exe', uvLauncher({ kind: 1, python: UV_PY, arch: 'arm64', zip: mainZip(uvScript(UV_PY)) }));
  put('uv-trailer.exe', uvTrailerLauncher({ magic: 'UVSC', python: '..\\python.exe', gui: true, zip: mainZip(uvScript('..\\python.exe')) }));
  put('posy.exe', posyLauncher(uvScript('python.exe').replace(/^#!.*\n/, ''), { arch: 'x86' }));
  if (noDistlib === false) {
    makeDistlib(dir, [
      { name: 'dl-console', arch: 'x64', python: PY },
      { name: 'dl-gui', arch: 'x64', gui: true, python: PY },
    ]);
  }
  if (noSetuptools === false) writeSetuptools(dir, 'x64', [PY]);
  writeBunShim(dir, 'bun-tool', bunx('node_modules\\typescript\\bin\\tsc', 'node --no-warnings'), readStub('arm64', false));
  writeScoopShim(dir, 'scoop-git', '\uFEFFpath = "C:\\Program Files\\Git\\bin\\git.exe"\r\nargs = --no-pager\r\n', readStub('x64', true));
  // The cmd-shims' target lives outside the folder, so the folder holds only the shims.
  const target = path.join(work, 'pkg', 'bin', 'cli.js');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, '#!/usr/bin/env node\nconsole.log(1)\n');
  await writeCmdShim('npm', target, path.join(dir, 'npm-tool'));
  await writeCmdShim('pnpm', target, path.join(dir, 'pn-tool'));
  await writeCmdShim('npm', target, path.join(dir, 'sub', 'deep-tool'));
  // Not launchers: a bare stub (a PE, listed, unknown) and a text file (not listed).
  fs.copyFileSync(path.join(REPO, 'stub', 'bin', 'x64-console.exe'), path.join(dir, 'bare.exe'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a launcher\n');
}

const folder = path.join(work, 'every format');
await everyFormat(folder);
const made = LISTED.filter((l) => l.skip === false);
const abs = (name: string): string => path.join(folder, name);

/** The fields of `r` an Expected names (null for an unknown report). */
function observed(r: InspectReport): Expected | null {
  if (r.format === 'unknown') return null;
  const { format, kind, arch, gui, interpreter, interpreterArgs, interpreterRelative, entryPoint, files } = r;
  return { format, kind, arch, gui, interpreter, interpreterArgs, interpreterRelative, entryPoint, files };
}

describe('a folder with one launcher of every format', () => {
  test('expandPaths lists each launcher once: a cmd-shim by its .cmd only, no sidecar, no text file, no subfolder', async () => {
    const listed = await expandPaths([folder]);
    assert.deepEqual(listed, made.filter((l) => !inSub(l)).map((l) => abs(l.name)));
    assert.equal(new Set(listed).size, listed.length, 'no file twice');
    for (const f of listed) assert.doesNotMatch(path.basename(f), /-script\.pyw?$|\.bunx$|\.shim$|\.ps1$|^(npm|pn)-tool$|\.txt$/, f);
  });

  test('--recursive lists the launchers of the subfolder too (its cmd-shim once); without it they are not listed', async () => {
    const deep = made.filter(inSub).map((l) => abs(l.name));
    assert.equal(deep.length, 2);
    const recursive = await expandPaths([folder], { recursive: true });
    assert.deepEqual([...recursive].sort(), made.map((l) => abs(l.name)).sort());
    for (const f of deep) assert.equal(recursive.filter((x) => x === f).length, 1, f);
    const flat = await expandPaths([folder]);
    for (const f of deep) assert.ok(!flat.includes(f), f);
    // A subfolder named directly is expanded like any folder.
    assert.deepEqual(await expandPaths([path.join(folder, 'sub')]), deep);
  });

  for (const l of LISTED) {
    const what = l.expected === null ? 'not a launcher: unknown' : `${l.expected.format} ${l.expected.kind}`;
    test(`inspectPath ${l.name}: ${what}`, { skip: l.skip }, async () => {
      const r = await inspectPath(abs(l.name));
      assert.equal(r.path, abs(l.name));
      if (l.expected === null) {
        assert.equal(r.format, 'unknown');
        assert.equal(r.format === 'unknown' ? r.reason : '', 'a PE file that is not a launcher of a known format');
        return;
      }
      assert.deepEqual(observed(r), { ...l.expected, files: l.expected.files.map(abs) });
      // inspectBytes on the same bytes says the same.
      assert.deepEqual(inspectBytes(abs(l.name), readBytes(abs(l.name))), r);
    });
  }

  test('inspectPath of the files that are not listed: the text file and a sidecar are unknown', async () => {
    const text = await inspectPath(abs('notes.txt'));
    assert.deepEqual(text, { path: abs('notes.txt'), format: 'unknown', reason: 'not a PE file, nor a launcher script of a known format' });
    assert.equal((await inspectPath(abs('scoop-git.shim'))).format, 'unknown');
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI, end to end.

function bounce(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The rows of `inspect --json`, each checked to carry the fields every row has. */
function jsonRows(stdout: string): Record<string, unknown>[] {
  const rows: unknown = JSON.parse(stdout);
  assert.ok(Array.isArray(rows), 'one JSON array');
  for (const row of rows as unknown[]) {
    assert.ok(typeof row === 'object' && row !== null && !Array.isArray(row), JSON.stringify(row));
    for (const key of ['path', 'format', 'kind', 'arch', 'gui', 'interpreter']) assert.ok(key in row, `${key} in ${JSON.stringify(row)}`);
  }
  return rows as Record<string, unknown>[];
}

describe('bounce inspect <folder> --json', () => {
  test('one JSON array, a row per listed file with what inspectPath reports; exit 0', async () => {
    const r = bounce(['inspect', folder, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const rows = jsonRows(r.stdout);
    const listed = await expandPaths([folder]);
    assert.deepEqual(rows.map((x) => x.path), listed);
    for (const [i, file] of listed.entries()) {
      const report = await inspectPath(file);
      const row = rows[i]!;
      assert.equal(row.format, report.format, file);
      if (report.format === 'unknown') assert.deepEqual(row, { path: file, format: 'unknown', kind: null, arch: null, gui: null, interpreter: null, reason: report.reason });
      else assert.deepEqual(row, JSON.parse(JSON.stringify(report)), file);
    }
    const formats = new Set(rows.map((x) => x.format));
    const expected = new Set(made.filter((l) => !inSub(l)).map((l) => l.expected?.format ?? 'unknown'));
    assert.deepEqual(formats, expected);
  });

  test('--recursive (and -r) adds the subfolder', () => {
    for (const flag of ['--recursive', '-r']) {
      const r = bounce(['inspect', folder, flag, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const rows = jsonRows(r.stdout);
      assert.equal(rows.length, made.length, flag);
      for (const l of made.filter(inSub)) assert.equal(rows.find((x) => x.path === abs(l.name))?.format, l.expected?.format, `${flag} ${l.name}`);
    }
  });

  test('an unreadable path gives exit 5 and an unknown row; the other rows are still printed', () => {
    const missing = abs('missing.exe');
    const underFile = path.join(abs('notes.txt'), 'x.exe');
    const r = bounce(['inspect', missing, folder, underFile, '--json']);
    assert.equal(r.status, 5, r.stderr);
    const rows = jsonRows(r.stdout);
    assert.equal(rows.length, 2 + made.filter((l) => !inSub(l)).length);
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    assert.deepEqual([first.path, first.format, first.kind, first.interpreter], [missing, 'unknown', null, null]);
    assert.match(String(first.reason), /^cannot read: ENOENT$/);
    assert.deepEqual([last.path, last.format], [underFile, 'unknown']);
    assert.match(String(last.reason), /^cannot read: ENOTDIR$/);
    const plain = bounce(['inspect', missing]);
    assert.equal(plain.status, 5);
    assert.equal(plain.stdout, `${missing}: unknown (cannot read: ENOENT)\n`);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile files through the dispatcher.

const FORMATS: readonly string[] = ['bounce', 'uv', 'uv-trailer', 'distlib', 'setuptools', 'posy', 'bun', 'scoop', 'cmd-shim'];

/** What is mutated: the launcher file itself (its bytes are passed to inspectBytes), or one sidecar on disk. */
interface Base {
  /** The launcher, relative to the folder. */
  launcher: string;
  /** The file mutated: the launcher itself, or a sidecar written beside it before each call. */
  mutated: string;
  fields: (bytes: Uint8Array) => Field[];
}

const PE_FIELDS = (b: Uint8Array): Field[] => lengthFields(b);
const NO_FIELDS = (): Field[] => [];

const CONSTRUCTED_BASES: Base[] = [
  ...['bounce-script.exe', 'bounce-exec.exe', 'uv.exe', 'uv-trailer.exe', 'posy.exe', 'bun-tool.exe', 'scoop-git.exe', 'bare.exe'].map((f) => ({ launcher: f, mutated: f, fields: PE_FIELDS })),
  { launcher: 'bun-tool.exe', mutated: 'bun-tool.bunx', fields: bunxFields },
  { launcher: 'scoop-git.exe', mutated: 'scoop-git.shim', fields: NO_FIELDS },
  ...['npm-tool', 'pn-tool'].flatMap((s) => cmdShimFiles(s).map((f) => ({ launcher: f, mutated: f, fields: NO_FIELDS }))),
];
const DISTLIB_BASES: Base[] = ['dl-console.exe', 'dl-gui.exe'].map((f) => ({ launcher: f, mutated: f, fields: PE_FIELDS }));
const SETUPTOOLS_BASES: Base[] = [
  { launcher: 'spam.exe', mutated: 'spam.exe', fields: PE_FIELDS },
  { launcher: 'spam.exe', mutated: 'spam-script.py', fields: NO_FIELDS },
  { launcher: 'spam-gui.exe', mutated: 'spam-gui-script.pyw', fields: NO_FIELDS },
];

/**
 * PER_BASE seeded mutations of each base (flips, truncations, inflated u16/u32 fields), each read by
 * inspectBytes from a copy of the folder: it must return a report for the path, a launcher of a
 * known format or `unknown` with a reason, and never throw. The time taken is printed.
 */
function mutateThroughInspect(seed: number, bases: readonly Base[]): void {
  const PER_BASE = 150;
  const rand = prng(seed);
  const copy = fs.mkdtempSync(path.join(work, 'mutations-'));
  fs.cpSync(folder, copy, { recursive: true });
  const tally = new Map<string, number>();
  let total = 0;
  let slowest = { ms: 0, what: '' };
  for (const base of bases) {
    const launcherPath = path.join(copy, base.launcher);
    const mutatedPath = path.join(copy, base.mutated);
    const original = readBytes(mutatedPath);
    const fields = base.fields(original);
    const sidecar = base.mutated !== base.launcher;
    const launcherBytes = readBytes(launcherPath);
    try {
      for (let i = 0; i < PER_BASE; i++) {
        const { how, bytes } = mutate(rand, original, fields, sidecar ? original.length : 4096);
        const label = `seed 0x${seed.toString(16)}, ${base.mutated} #${i}: ${how}`;
        if (sidecar) fs.writeFileSync(mutatedPath, bytes);
        const t0 = performance.now();
        let r: InspectReport;
        try {
          r = inspectBytes(launcherPath, sidecar ? launcherBytes : bytes);
        } catch (e) {
          assert.fail(`inspectBytes threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)} (${label})`);
        }
        const ms = performance.now() - t0;
        total += ms;
        if (ms > slowest.ms) slowest = { ms, what: label };
        assert.equal(r.path, launcherPath, label);
        if (r.format === 'unknown') {
          assert.ok(typeof r.reason === 'string' && r.reason.trim() !== '', `an unknown report gives a reason (${label})`);
        } else {
          assert.ok(FORMATS.includes(r.format), `${r.format} (${label})`);
          assert.ok(Array.isArray(r.interpreterArgs) && Array.isArray(r.files) && r.files.length > 0, label);
          assert.ok(r.interpreter === null || typeof r.interpreter === 'string', label);
        }
        tally.set(r.format, (tally.get(r.format) ?? 0) + 1);
      }
    } finally {
      if (sidecar) fs.writeFileSync(mutatedPath, original);
    }
  }
  fs.rmSync(copy, { recursive: true, force: true });
  const counts = [...tally].map(([format, n]) => `${n} ${format}`).join(', ');
  console.log(
    `inspectBytes on ${bases.length * PER_BASE} mutated files (seed 0x${seed.toString(16)}, ${bases.length} bases): ${counts}; ` +
      `${total.toFixed(0)} ms in all, slowest ${slowest.ms.toFixed(1)} ms (${slowest.what})`,
  );
}

describe('hostile files: inspectBytes always answers with a report, never an exception', () => {
  test('mutations of Bounce, uv, uv-trailer, posy, Bun, Scoop, a bare stub, and npm/pnpm cmd-shim files; .bunx and .shim sidecars', () => {
    mutateThroughInspect(0x1e5_9ec7, CONSTRUCTED_BASES);
  });

  test('mutations of real distlib launchers (ScriptMaker)', { skip: noDistlib }, () => {
    mutateThroughInspect(0xd157_11b, DISTLIB_BASES);
  });

  test('mutations of a real setuptools launcher and of its -script.py and -script.pyw sidecars', { skip: noSetuptools }, () => {
    mutateThroughInspect(0x5e7_0075, SETUPTOOLS_BASES);
  });
});
