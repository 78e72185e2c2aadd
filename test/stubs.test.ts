/**
 * The six committed stubs (stub/bin): size budget, architecture and subsystem, what they import,
 * their manifest, and no writable section. Sizes are deterministic (the build is reproducible),
 * so they are asserted; the figures are also printed for the README and the closing note.
 * arm64 stubs cannot run here: these static checks are what proves them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parsePe, readResources, RT_MANIFEST } from '../src/pe.js';
import { ARCHES, stubPath } from '../src/stubs.js';

/** Issue 2: every stub at most 8,192 bytes. */
const SIZE_BUDGET = 8192;
const IMAGE_SCN_MEM_WRITE = 0x80000000;

const STUBS = ARCHES.flatMap((arch) => [false, true].map((gui) => ({ arch, gui, file: stubPath(arch, gui) })));

/** DLL names and imported function names, from llvm-readobj (installed with llvm). */
function imports(file: string): Map<string, string[]> | null {
  const r = spawnSync('llvm-readobj', ['--coff-imports', file], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const out = new Map<string, string[]>();
  let dll = '';
  for (const line of r.stdout.split('\n')) {
    const name = /^\s*Name: (\S+)/.exec(line);
    if (name) out.set((dll = name[1]!.toLowerCase()), []);
    const sym = /^\s*Symbol: (\S+)/.exec(line);
    if (sym && dll) out.get(dll)!.push(sym[1]!);
  }
  return out;
}

test(`every stub is at most ${SIZE_BUDGET} bytes`, () => {
  const sizes = Object.fromEntries(STUBS.map((s) => [`${s.arch}-${s.gui ? 'gui' : 'console'}`, readFileSync(s.file).length]));
  console.log('stub sizes (bytes):', JSON.stringify(sizes));
  for (const [name, size] of Object.entries(sizes)) assert.ok(size <= SIZE_BUDGET, `${name}: ${size} bytes`);
});

for (const { arch, gui, file } of STUBS) {
  const name = `${arch}-${gui ? 'gui' : 'console'}`;

  test(`${name}: machine, subsystem, no writable section, manifest asInvoker + longPathAware`, () => {
    const bytes = new Uint8Array(readFileSync(file));
    const pe = parsePe(bytes, file);
    assert.equal(pe.machine, arch);
    assert.equal(pe.subsystem, gui ? 2 : 3);
    for (const s of pe.sections) assert.equal(s.characteristics & IMAGE_SCN_MEM_WRITE, 0, `${s.name} is writable`);
    const manifests = readResources(bytes, pe, file).filter((r) => r.type === RT_MANIFEST);
    assert.equal(manifests.length, 1);
    const xml = new TextDecoder().decode(manifests[0]!.data);
    assert.match(xml, /<requestedExecutionLevel level="asInvoker"\/>/);
    assert.match(xml, /<longPathAware [^>]*>true<\/longPathAware>/);
  });

  test(`${name}: imports kernel32 only (no C runtime${gui ? '; user32 is loaded at run time' : ''})`, (t) => {
    const found = imports(file);
    if (found === null) {
      t.skip('llvm-readobj is not installed (Debian package llvm)');
      return;
    }
    assert.deepEqual([...found.keys()].sort(), ['kernel32.dll']);
    assert.ok(found.get('kernel32.dll')!.includes('CreateProcessW'));
    // A static user32 import loads a C runtime DLL that crashes on a hostile fd block (ui_gui.c).
    if (gui) for (const f of ['LoadLibraryW', 'GetProcAddress']) assert.ok(found.get('kernel32.dll')!.includes(f), f);
  });
}
