// Tests for src/atomic.ts: successful writes, and failures at each step (open, write, rename)
// that must leave the target untouched, no temp file behind, and a one-line io error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BounceError } from '../src/errors.js';
import { writeFileAtomic, writeFileAtomicSync, writeFilesAtomic } from '../src/atomic.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function withDir(f: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bounce-atomic-'));
    try {
      await f(dir);
    } finally {
      chmodSync(dir, 0o755);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** An io BounceError about `target`, one line, OS reason with its code, no stack-like text. */
function isIoError(target: string, code?: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof BounceError, String(e));
    assert.equal(e.kind, 'io');
    assert.equal(e.path, target);
    assert.match(e.message, /^.+: cannot write file: [^\n]+ \([A-Z0-9]+\)$/);
    assert.doesNotMatch(e.message, /\n|\bat \w|\.tmp/);
    if (code !== undefined) assert.match(e.message, new RegExp(`\\(${code}\\)$`));
    return true;
  };
}

const variants = [
  ['async', writeFileAtomic],
  ['sync', async (p: string, d: Uint8Array, o?: { mode?: number }) => writeFileAtomicSync(p, d, o)],
] as const;

for (const [name, write] of variants) {
  test(`${name}: creates, replaces, applies mode, leaves no temp file`, withDir(async (dir) => {
    const target = join(dir, 'tool.exe');
    await write(target, bytes('first'));
    assert.equal(readFileSync(target, 'utf8'), 'first');
    await write(target, bytes('second, longer'), { mode: 0o755 });
    assert.equal(readFileSync(target, 'utf8'), 'second, longer');
    if (process.platform !== 'win32') {
      const umask = process.umask();
      assert.equal(statSync(target).mode & 0o777, 0o755 & ~umask);
    }
    const big = new Uint8Array(3_000_000).map((_v, i) => i & 0xff);
    await write(target, big);
    assert.deepEqual(new Uint8Array(readFileSync(target)), big);
    await write(target, new Uint8Array(0));
    assert.equal(readFileSync(target).length, 0);
    assert.deepEqual(readdirSync(dir), ['tool.exe']);
  }));

  test(`${name}: rename onto a directory fails, directory untouched, temp removed`, withDir(async (dir) => {
    const target = join(dir, 'occupied');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'kept');
    await assert.rejects(write(target, bytes('new')), isIoError(target));
    assert.equal(readFileSync(join(target, 'keep'), 'utf8'), 'kept');
    assert.deepEqual(readdirSync(dir), ['occupied']);
  }));

  test(`${name}: missing folder gives ENOENT`, withDir(async (dir) => {
    const target = join(dir, 'no', 'such', 'x');
    await assert.rejects(write(target, bytes('x')), isIoError(target, 'ENOENT'));
    assert.deepEqual(readdirSync(dir), []);
  }));

  test(
    `${name}: read-only folder leaves the target untouched`,
    // root ignores directory permissions, so the failure cannot be provoked that way.
    { skip: process.getuid?.() === 0 || process.platform === 'win32' ? 'needs a non-root POSIX user' : false },
    withDir(async (dir) => {
      const target = join(dir, 'tool.exe');
      writeFileSync(target, 'old');
      chmodSync(dir, 0o555);
      await assert.rejects(write(target, bytes('new')), isIoError(target, 'EACCES'));
      chmodSync(dir, 0o755);
      assert.equal(readFileSync(target, 'utf8'), 'old');
      assert.deepEqual(readdirSync(dir), ['tool.exe']);
    }),
  );
}

test(
  'a write that fails half way (file size limit, EFBIG) leaves the target and no temp file',
  { skip: process.platform === 'win32' ? 'needs ulimit' : false },
  withDir((dir) => {
    const target = join(dir, 'tool.exe');
    writeFileSync(target, 'old');
    const mod = fileURLToPath(new URL('../src/atomic.js', import.meta.url));
    // A child with a 64 KiB file size limit (SIGXFSZ ignored so write() returns EFBIG instead).
    const script = `
      import(${JSON.stringify(mod)}).then(async (m) => {
        const data = new Uint8Array(1 << 20);
        for (const f of [m.writeFileAtomic, async (...a) => m.writeFileAtomicSync(...a)]) {
          try { await f(process.argv[1], data); console.log('no error'); }
          catch (e) { console.log(e.constructor.name + '|' + e.kind + '|' + e.message); }
        }
      });`;
    const r = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 64; exec "$0" -e "$1" "$2"', process.execPath, script, target], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    for (const line of lines) {
      assert.match(line, /^BounceError\|io\|.*tool\.exe: cannot write file: file too large \(EFBIG\)$/);
    }
    assert.equal(readFileSync(target, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['tool.exe']);
  }),
);

// writeFilesAtomic: many files, temp files first, renames only once all are written.

const many = (dir: string, n: number, text: (i: number) => string) =>
  Array.from({ length: n }, (_v, i) => ({ path: join(dir, `tool${i}.exe`), data: bytes(text(i)), mode: 0o755 }));

for (const durable of [true, false]) {
  test(`batch (durable ${durable}): creates and replaces 300 files with their modes, no temp file left`, withDir(async (dir) => {
    writeFileSync(join(dir, 'tool7.exe'), 'old');
    await writeFilesAtomic(many(dir, 300, (i) => `launcher ${i}`), { durable, concurrency: 16 });
    const names = readdirSync(dir).sort();
    assert.equal(names.length, 300);
    assert.ok(names.every((n) => /^tool\d+\.exe$/.test(n)), names.join(' '));
    for (const i of [0, 7, 299]) assert.equal(readFileSync(join(dir, `tool${i}.exe`), 'utf8'), `launcher ${i}`);
    if (process.platform !== 'win32') assert.equal(statSync(join(dir, 'tool0.exe')).mode & 0o777, 0o755 & ~process.umask());
  }));
}

for (const durable of [true, false]) {
  test(`batch (durable ${durable}): a file that cannot be written (missing folder) leaves every target as it was`, withDir(async (dir) => {
  writeFileSync(join(dir, 'tool0.exe'), 'old 0');
  writeFileSync(join(dir, 'tool99.exe'), 'old 99');
  const files = many(dir, 100, (i) => `new ${i}`);
  const bad = join(dir, 'missing', 'tool.exe');
  files.splice(50, 0, { path: bad, data: bytes('x'), mode: 0o755 });
  await assert.rejects(writeFilesAtomic(files, { durable, concurrency: 8 }), isIoError(bad, 'ENOENT'));
  // Nothing renamed: the old files are old, no new one exists, no temp file is left.
  assert.deepEqual(readdirSync(dir).sort(), ['tool0.exe', 'tool99.exe']);
  assert.equal(readFileSync(join(dir, 'tool0.exe'), 'utf8'), 'old 0');
  assert.equal(readFileSync(join(dir, 'tool99.exe'), 'utf8'), 'old 99');
}));
}

test('batch: a rename onto a directory fails with the directory intact and no temp file', withDir(async (dir) => {
  mkdirSync(join(dir, 'tool3.exe'));
  writeFileSync(join(dir, 'tool3.exe', 'keep'), 'kept');
  await assert.rejects(writeFilesAtomic(many(dir, 10, (i) => `new ${i}`)), isIoError(join(dir, 'tool3.exe')));
  assert.equal(readFileSync(join(dir, 'tool3.exe', 'keep'), 'utf8'), 'kept');
  assert.ok(readdirSync(dir).every((n) => !n.endsWith('.tmp')), readdirSync(dir).join(' '));
}));

test('batch: the same path twice is refused before anything is written', withDir(async (dir) => {
  const files = [...many(dir, 3, () => 'a'), ...many(dir, 1, () => 'b')];
  await assert.rejects(writeFilesAtomic(files), (e: unknown) => e instanceof BounceError && e.kind === 'invalidInput' && e.path === join(dir, 'tool0.exe'));
  assert.deepEqual(readdirSync(dir), []);
}));

for (const durable of [true, false]) test(
  `batch (durable ${durable}): a disk that fills half way (file size limit, EFBIG) leaves every target as it was`,
  { skip: process.platform === 'win32' ? 'needs ulimit' : false },
  withDir((dir) => {
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `tool${i}.exe`), `old ${i}`);
    const mod = fileURLToPath(new URL('../src/atomic.js', import.meta.url));
    // 20 small files and, in their midst, one over the child's 64 KiB file size limit.
    const script = `
      import(${JSON.stringify(mod)}).then(async (m) => {
        const dir = process.argv[1];
        const files = Array.from({ length: 20 }, (_v, i) => ({ path: dir + '/tool' + i + '.exe', data: new Uint8Array(i === 10 ? 1 << 20 : 100) }));
        try { await m.writeFilesAtomic(files, { durable: ${durable}, concurrency: 4 }); console.log('no error'); }
        catch (e) { console.log(e.constructor.name + '|' + e.kind + '|' + e.message); }
      });`;
    const r = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 64; exec "$0" -e "$1" "$2"', process.execPath, script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^BounceError\|io\|.*tool10\.exe: cannot write file: file too large \(EFBIG\)$/);
    assert.equal(readdirSync(dir).length, 20, readdirSync(dir).join(' '));
    for (let i = 0; i < 20; i++) assert.equal(readFileSync(join(dir, `tool${i}.exe`), 'utf8'), `old ${i}`);
  }),
);
