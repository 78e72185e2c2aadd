/**
 * Atomic file replacement: write a temp file beside the target, fsync it, rename it over the
 * target. Readers (and a launcher being replaced while someone runs it) see the old file or the
 * new one, never a torn one; a failure leaves the target as it was and no temp file behind.
 */

import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import { BounceError } from './errors.js';

export interface AtomicWriteOptions {
  /** File mode for the new file (subject to the umask, like fs.writeFile). Default 0o666. */
  mode?: number;
}

function tempPathFor(target: string): string {
  const rand = randomBytes(6).toString('hex');
  return join(dirname(target), `.${basename(target)}.${process.pid}.${rand}.tmp`);
}

/** The OS's one-line description of an error ("permission denied (EACCES)"), no paths, no stack. */
function osMessage(err: unknown): string {
  if (err instanceof BounceError) return err.message;
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.errno === 'number') {
    const known = getSystemErrorMap().get(e.errno);
    if (known) return `${known[1]} (${known[0]})`;
  }
  if (e && typeof e.code === 'string') return e.code;
  // Node's messages look like "EACCES: permission denied, open '/x'": keep the part before the path.
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split(', ')[0] ?? msg;
}

function ioError(target: string, err: unknown): BounceError {
  return new BounceError('io', `cannot write file: ${osMessage(err)}`, target);
}

/** Windows refuses to replace a file something holds open (antivirus, indexer) for a moment. */
function isTransientRenameError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
}
const RENAME_ATTEMPTS = 5;

/** Write `data` to `path` atomically. Throws BounceError (kind io) naming `path` on any failure. */
export async function writeFileAtomic(path: string, data: Uint8Array, opts?: AtomicWriteOptions): Promise<void> {
  const tmp = tempPathFor(path);
  let created = false;
  try {
    // 'wx': never follow or reuse something already at the temp name.
    const fh = await open(tmp, 'wx', opts?.mode ?? 0o666);
    created = true;
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await rename(tmp, path);
        break;
      } catch (err) {
        if (attempt >= RENAME_ATTEMPTS || !isTransientRenameError(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  } catch (err) {
    if (created) await unlink(tmp).catch(() => undefined);
    throw ioError(path, err);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Synchronous writeFileAtomic, same guarantees. */
export function writeFileAtomicSync(path: string, data: Uint8Array, opts?: AtomicWriteOptions): void {
  const tmp = tempPathFor(path);
  let created = false;
  try {
    const fd = openSync(tmp, 'wx', opts?.mode ?? 0o666);
    created = true;
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        renameSync(tmp, path);
        break;
      } catch (err) {
        if (attempt >= RENAME_ATTEMPTS || !isTransientRenameError(err)) throw err;
        sleepSync(50 * attempt);
      }
    }
  } catch (err) {
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // Nothing more can be done; the original error is the one worth reporting.
      }
    }
    throw ioError(path, err);
  }
}
