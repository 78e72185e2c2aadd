/**
 * Sizes (issue 4, part 2): the six Bounce stubs in stub/bin, distlib's six base launchers from
 * this machine's pip and setuptools' cli-64/gui-64/cli-32/cli-arm64 from its setuptools (all
 * measured), and uv's and Bun's published sizes quoted from launcher-facts.md §8. pip and
 * setuptools are located by separate python3 processes (importing both in one trips setuptools'
 * distutils hack); what cannot be found is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARCHES, stubPath } from '../src/index.js';
import type { SizeResult } from './types.js';

export interface SizesRun {
  sizes: SizeResult[];
  skipped: { candidate: string; reason: string }[];
}

const DISTLIB = ['t64', 'w64', 't32', 'w32', 't64-arm', 'w64-arm'];
const SETUPTOOLS = ['cli-64', 'gui-64', 'cli-32', 'cli-arm64'];

/** launcher-facts.md §8, in bytes. */
const QUOTED: [string, number][] = [
  ['uv x64 console', 45056],
  ['uv x64 GUI', 46080],
  ['uv x86', 37888],
  ['uv arm64', 45056],
  ['Bun shim', 13824],
];

/** The folder of a python3 module, or why not. */
function moduleDir(module: string): string | { reason: string } {
  const code = `import os, warnings; warnings.simplefilter('ignore'); import ${module} as m; print(os.path.dirname(m.__file__))`;
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  if (r.error !== undefined) return { reason: `python3 is not on PATH (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { reason: `python3 cannot import ${module}: ${r.stderr.trim().split('\n').pop() ?? ''}` };
  return r.stdout.trim();
}

function measure(run: SizesRun, label: string, dir: string | { reason: string }, names: string[], prefix: string): void {
  if (typeof dir !== 'string') {
    run.skipped.push({ candidate: label, reason: dir.reason });
    return;
  }
  for (const n of names) {
    const file = path.join(dir, `${n}.exe`);
    if (fs.existsSync(file)) run.sizes.push({ name: `${prefix} ${n}`, bytes: fs.statSync(file).size, source: 'measured' });
    else run.skipped.push({ candidate: `${prefix} ${n}`, reason: `${file} does not exist` });
  }
}

export function runSizes(): SizesRun {
  const run: SizesRun = { sizes: [], skipped: [] };
  for (const arch of ARCHES) {
    for (const gui of [false, true]) {
      run.sizes.push({ name: `bounce ${arch}-${gui ? 'gui' : 'console'}`, bytes: fs.statSync(stubPath(arch, gui)).size, source: 'measured' });
    }
  }
  measure(run, 'distlib', moduleDir('pip._vendor.distlib.scripts'), DISTLIB, 'distlib');
  measure(run, 'setuptools', moduleDir('setuptools'), SETUPTOOLS, 'setuptools');
  for (const [name, bytes] of QUOTED) run.sizes.push({ name, bytes, source: 'quoted' });
  return run;
}
