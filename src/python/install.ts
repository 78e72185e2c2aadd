/**
 * Installing a distribution's entry points: one launcher per console_scripts and gui_scripts
 * entry of `<name>.dist-info/entry_points.txt`, as pip and uv do on Windows.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, win32 } from 'node:path';
import { BounceError, invalidInput } from '../errors.js';
import { writeFilesAtomic } from '../atomic.js';
import { buildLauncher } from '../build.js';
import type { Arch } from '../stubs.js';
import { parseEntryPoints, type EntryPoint } from './entrypoints.js';
import { pythonLauncherSpec } from './launcher.js';

export interface InstallOptions {
  /** The interpreter. Without `relative`, stored as given (absolute Windows path, or relative to
   * the scripts folder). With `relative`, a path on this machine, stored relative to `scriptsDir`. */
  python: string;
  /** For gui_scripts; default: python's sibling pythonw*.exe. */
  pythonw?: string;
  scriptsDir: string;
  relative?: boolean;
  arch?: Arch;
  stubDir?: string;
  /** fsync the launchers and the scripts folder before returning (default true); see
   * BatchWriteOptions.durable for what false gives up. */
  durable?: boolean;
}

export interface InstalledLauncher {
  name: string;
  group: EntryPoint['group'];
  entryPoint: string;
  path: string;
  interpreter: string;
}

/** `python.exe` → `pythonw.exe`, `python3.12.exe` → `pythonw3.12.exe`; other names unchanged. */
export function guiInterpreter(python: string): string {
  return python.replace(/(^|[\\/])python([^\\/]*)\.exe$/i, (_m, sep: string, rest: string) => `${sep}pythonw${rest}.exe`);
}

function storedInterpreter(python: string, opts: InstallOptions): string {
  if (!opts.relative) return python;
  if (win32.isAbsolute(python) && /^[A-Za-z]:|^[\\/]{2}/.test(python) && process.platform !== 'win32') {
    throw invalidInput(`--relative needs the interpreter as a path on this machine, not ${python}`);
  }
  const rel = relative(resolve(opts.scriptsDir), resolve(python));
  return rel.split(/[\\/]/).join('\\');
}

export async function readDistEntryPoints(distInfo: string): Promise<EntryPoint[]> {
  const info = await stat(distInfo).catch(() => null);
  if (info === null || !info.isDirectory()) throw new BounceError('io', 'no such .dist-info folder', distInfo);
  const file = join(distInfo, 'entry_points.txt');
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw new BounceError('io', `cannot read: ${e.message}`, file);
  });
  return parseEntryPoints(text, file);
}

/** Writes a launcher per entry point into `scriptsDir`; each file is replaced atomically. */
export async function installEntryPoints(distInfo: string, opts: InstallOptions): Promise<InstalledLauncher[]> {
  const entryPoints = await readDistEntryPoints(distInfo);
  const console = storedInterpreter(opts.python, opts);
  const gui = storedInterpreter(opts.pythonw ?? guiInterpreter(opts.python), opts);
  const dir = await stat(opts.scriptsDir).catch(() => null);
  if (dir === null || !dir.isDirectory()) throw new BounceError('io', 'scripts folder does not exist', opts.scriptsDir);
  // Check every entry before writing any, so a bad line leaves the folder untouched.
  const planned = entryPoints.map((ep) => {
    const isGui = ep.group === 'gui_scripts';
    const spec = pythonLauncherSpec({
      python: isGui ? gui : console,
      entry: { module: ep.module, attr: ep.attr },
      gui: isGui,
      arch: opts.arch ?? 'x64',
      ...(opts.stubDir !== undefined ? { stubDir: opts.stubDir } : {}),
    });
    // Built here, not when written: building is what checks the interpreter paths.
    return { ep, spec, bytes: buildLauncher(spec), path: join(opts.scriptsDir, `${ep.name}.exe`) };
  });
  // All temp files first, renames only when every one is written: a full disk leaves the
  // folder as it was (see writeFilesAtomic).
  await writeFilesAtomic(
    planned.map(({ bytes, path }) => ({ path, data: bytes, mode: 0o755 })),
    { durable: opts.durable ?? true },
  );
  return planned.map(({ ep, spec, path }) => ({ name: ep.name, group: ep.group, entryPoint: `${ep.module}:${ep.attr}`, path, interpreter: spec.program }));
}
