/**
 * Test support for launcher tests: temporary folders, launchers built with the library around
 * the probe, the negative-control stubs, and distlib's real launcher from this machine's pip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLauncher, type LauncherSpec } from '../../src/build.js';
import { encodeZip } from '../../src/zip.js';
import { toWindowsPath, winProgs, windowsRuntime, type Runtime } from './wine.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function tempDir(prefix = 'bounce-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Skip reason for tests that run Windows programs, or null when they can run. */
export function windowsSkip(): string | null {
  const rt: Runtime = windowsRuntime();
  return rt.ok ? null : rt.reason;
}

/** A copy of the probe at `dir/name` (so interpreter paths can hold spaces, `&`, non-ASCII...). */
export function probeAt(dir: string, name = 'probe.exe'): string {
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, name);
  fs.copyFileSync(winProgs().probe, target);
  return target;
}

/** Builds a launcher from `spec` into `file` (Linux path) and returns the file. */
export function writeSpec(file: string, spec: LauncherSpec): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, buildLauncher(spec));
  return file;
}

/** A script launcher whose "python" is the probe: the probe is started as `"probe" "launcher" tail`. */
export function probeScriptLauncher(file: string, probe: string, extra: Partial<LauncherSpec> = {}): string {
  return writeSpec(file, {
    kind: 'script',
    program: toWindowsPath(probe),
    files: [{ name: '__main__.py', data: new TextEncoder().encode('print("hello")\n') }],
    ...extra,
  });
}

/** The report path for a probe run (Linux path) and the env that makes the probe write it. */
export function probeEnv(dir: string, extra: Record<string, string> = {}): { report: string; env: Record<string, string> } {
  const report = path.join(dir, `report-${Math.random().toString(36).slice(2)}.json`);
  return { report, env: { PROBE_REPORT: toWindowsPath(report), ...extra } };
}

const controlCache = new Map<string, string>();

/**
 * A stub compiled from the same sources with a BOUNCE_CONTROL_* switch that breaks one step:
 * the negative control that shows a test can fail. Built into build/controls/<define>/.
 */
export function controlStubDir(define: string): string {
  const cached = controlCache.get(define);
  if (cached !== undefined) return cached;
  const hash = createHash('sha256');
  for (const f of fs.readdirSync(path.join(REPO, 'stub', 'src')).sort()) hash.update(fs.readFileSync(path.join(REPO, 'stub', 'src', f)));
  const out = path.join(REPO, 'build', 'controls', `${define}-${hash.digest('hex').slice(0, 12)}`);
  if (!fs.existsSync(path.join(out, 'x64-console.exe'))) {
    execFileSync('sh', [path.join(REPO, 'stub', 'build.sh'), 'x64-console'], {
      env: { ...process.env, OUT: out, CFLAGS_EXTRA: `-D${define}` },
      stdio: 'pipe',
    });
  }
  controlCache.set(define, out);
  return out;
}

/** distlib's base launchers in this machine's pip, or the reason they are not there. */
export function distlibDir(): { dir: string } | { reason: string } {
  const r = spawnSync('python3', ['-c', 'import os, pip._vendor.distlib as d; print(os.path.dirname(d.__file__))'], { encoding: 'utf8' });
  const dir = r.stdout?.trim();
  if (r.status !== 0 || !dir || !fs.existsSync(path.join(dir, 't64.exe'))) {
    return { reason: 'no distlib launchers: python3 with pip (pip/_vendor/distlib/t64.exe) is not installed' };
  }
  return { dir };
}

/** A distlib launcher as ScriptMaker writes it: t64.exe + `#!"<python>"\n` + a zip with __main__.py. */
export function distlibLauncher(file: string, baseDir: string, python: string): string {
  const base = fs.readFileSync(path.join(baseDir, 't64.exe'));
  const shebang = Buffer.from(`#!"${toWindowsPath(python)}"\n`, 'utf8');
  // distlib finds the shebang by the zip's own offsets, which are relative to the zip's start.
  const zip = encodeZip([{ name: '__main__.py', data: new TextEncoder().encode('print("hello")\n') }]);
  fs.writeFileSync(file, Buffer.concat([base, shebang, zip]));
  return file;
}
