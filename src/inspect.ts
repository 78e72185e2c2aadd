/**
 * Reading any launcher: which format a file is in and what it will run. Each format module
 * (src/read.ts for ours, src/formats/*.ts for the others) recognises its own files and owns its
 * decoder; this module tries them in an order that cannot confuse one for another, and finds the
 * launchers in folders.
 *
 * Order (first match wins): formats marked inside the PE come first, Bounce (a BOUNCE resource)
 * and uv (UV_* resources); then uv's older trailer (a magic at the very end), which also ends
 * in a zip; then distlib (a `#!` line before a zip) and posy (a bare zip); then the formats that
 * keep their payload in a file beside the .exe (setuptools, Bun, Scoop); cmd-shim's scripts last.
 * A file a module recognises but finds damaged is reported as `unknown` with the reason, as is a
 * file no module recognises: reading never throws for a bad file.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { BounceError } from './errors.js';
import { readBun } from './formats/bun.js';
import { readCmdShim } from './formats/cmdshim.js';
import { readDistlib } from './formats/distlib.js';
import { readPosy } from './formats/posy.js';
import { readScoop } from './formats/scoop.js';
import { readSetuptools } from './formats/setuptools.js';
import type { ForeignLauncher } from './formats/types.js';
import { readUv, readUvTrailer } from './formats/uv.js';
import { parsePe, readResources, RT_RCDATA } from './pe.js';
import { PAYLOAD_RESOURCE_NAME } from './payload.js';
import { readBounceLauncher, type BounceLauncherInfo } from './read.js';

/** Ours, in the shape every format reports. */
export type BounceLauncher = BounceLauncherInfo & { interpreterSearched: false; files: string[] };

export type Launcher = BounceLauncher | ForeignLauncher;

export interface UnknownFile {
  format: 'unknown';
  reason: string;
}

export type InspectReport = { path: string } & (Launcher | UnknownFile);

type Reader = (path: string, bytes: Uint8Array) => Launcher | null;

function readBounce(path: string, bytes: Uint8Array): BounceLauncher | null {
  let isOurs = false;
  try {
    isOurs = readResources(bytes, parsePe(bytes, path), path).some((r) => r.type === RT_RCDATA && r.name === PAYLOAD_RESOURCE_NAME);
  } catch {
    return null; // not a sane PE: the other readers say what it is, or the end says unknown
  }
  if (!isOurs) return null;
  return { ...readBounceLauncher(bytes, path), interpreterSearched: false, files: [resolve(path)] };
}

/** In this order (see the header). */
const READERS: readonly Reader[] = [readBounce, readUv, readUvTrailer, readDistlib, readPosy, readSetuptools, readBun, readScoop, readCmdShim];

/** What `bytes`, the content of the file at `path`, is. Sidecar files are read from beside it. */
export function inspectBytes(path: string, bytes: Uint8Array): InspectReport {
  try {
    for (const read of READERS) {
      const found = read(path, bytes);
      if (found !== null) return { path, ...found };
    }
  } catch (e) {
    if (e instanceof BounceError) return { path, format: 'unknown', reason: e.message.replace(`${path}: `, '') };
    throw e;
  }
  return { path, format: 'unknown', reason: unknownReason(bytes) };
}

function unknownReason(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0x4d && bytes[1] === 0x5a) return 'a PE file that is not a launcher of a known format';
  return 'not a PE file, nor a launcher script of a known format';
}

/**
 * Reads the file at `path` once and says what it is, handing the bytes back so that a caller
 * rewrites exactly what was inspected. An unreadable file is `unknown` (reason "cannot read: ..."),
 * with bytes null.
 */
export async function readLauncherFile(path: string): Promise<{ report: InspectReport; bytes: Uint8Array | null }> {
  const read = await readFile(path).catch((e: NodeJS.ErrnoException) => e);
  if (read instanceof Error) return { report: { path, format: 'unknown', reason: `cannot read: ${read.code ?? read.message}` }, bytes: null };
  const bytes = new Uint8Array(read);
  return { report: inspectBytes(path, bytes), bytes };
}

/** Reads the file at `path` and says what it is; an unreadable file is `unknown` too. */
export async function inspectPath(path: string): Promise<InspectReport> {
  return (await readLauncherFile(path)).report;
}

/**
 * The files in `dir` that may be launchers: `.exe` files, and cmd-shim's scripts once per
 * launcher (`name.cmd`; `name.ps1` and `name` only where there is no `name.cmd`). Sidecars
 * (`-script.py`, `.bunx`, `.shim`) are read with their .exe, not listed.
 */
export async function launcherCandidates(dir: string, opts: { recursive?: boolean } = {}): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name.toLowerCase()));
  const out: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (opts.recursive) out.push(...(await launcherCandidates(full, opts)));
      continue;
    }
    if (!e.isFile()) continue;
    const ext = extname(e.name).toLowerCase();
    const stem = basename(e.name, extname(e.name)).toLowerCase();
    if (ext === '.exe' || ext === '.cmd') out.push(full);
    else if (ext === '.ps1' && !names.has(`${stem}.cmd`)) out.push(full);
    else if (ext === '' && !names.has(`${e.name.toLowerCase()}.cmd`) && names.has(`${e.name.toLowerCase()}.ps1`)) out.push(full);
  }
  return out;
}

/** Paths named by the user, folders expanded to their candidates. A missing path stays, to be
 * reported as unreadable. */
export async function expandPaths(paths: readonly string[], opts: { recursive?: boolean } = {}): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => null);
    if (info?.isDirectory()) out.push(...(await launcherCandidates(p, opts)));
    else out.push(p);
  }
  return out;
}
