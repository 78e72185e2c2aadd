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
  // Keyed without path.join: an installer asks once per launcher (issue 4's throughput).
  const key = `${dir}\0${arch}\0${gui ? 'gui' : 'console'}`;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    bytes = new Uint8Array(readFileSync(stubPath(arch, gui, dir)));
    cache.set(key, bytes);
  }
  return bytes;
}
