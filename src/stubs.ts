/**
 * The committed stub binaries (stub/bin/), one per architecture and subsystem. Every launcher
 * of an architecture and subsystem is the same stub plus its payload resource: nothing is
 * patched (facts §7: patched copies were flagged by antivirus).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { invalidInput } from './errors.js';

export const ARCHES = ['x64', 'x86', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

export function isArch(value: string): value is Arch {
  return (ARCHES as readonly string[]).includes(value);
}

/** build/src/stubs.js and src/stubs.ts both sit two levels below the package root. */
export const STUB_DIR = fileURLToPath(new URL('../../stub/bin/', import.meta.url));

const cache = new Map<string, Uint8Array>();

export function stubPath(arch: Arch, gui: boolean, dir = STUB_DIR): string {
  return join(dir, `${arch}-${gui ? 'gui' : 'console'}.exe`);
}

export function readStub(arch: Arch, gui: boolean, dir = STUB_DIR): Uint8Array {
  if (!isArch(arch)) throw invalidInput(`unknown architecture "${String(arch)}" (use ${ARCHES.join(', ')})`);
  const path = stubPath(arch, gui, dir);
  let bytes = cache.get(path);
  if (bytes === undefined) {
    bytes = new Uint8Array(readFileSync(path));
    cache.set(path, bytes);
  }
  return bytes;
}
