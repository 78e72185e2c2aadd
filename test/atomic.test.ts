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
import { writeFileAtomic, writeFileAtomicSync } from '../src/atomic.js';

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
