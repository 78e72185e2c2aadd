/**
 * Python launchers: a Bounce `script` launcher whose zip holds the entry-point script, so
 * `"<python>" "<launcher>" args` runs it as a zipapp (facts §1, §5).
 */
import { buildLauncher, type LauncherSpec } from '../build.js';
import type { Arch } from '../stubs.js';
import { parseEntryPointSpec } from './entrypoints.js';
import { entryPointScript } from './script.js';

export interface PythonLauncherOptions {
  /** python.exe (pythonw.exe for GUI): absolute Windows path or relative to the launcher's folder. */
  python: string;
  /** `module:attr` or its parts. */
  entry: string | { module: string; attr: string };
  gui?: boolean;
  arch?: Arch;
  stubDir?: string;
}

export function pythonLauncherSpec(opts: PythonLauncherOptions): LauncherSpec {
  const entry = typeof opts.entry === 'string' ? parseEntryPointSpec(opts.entry) : parseEntryPointSpec(`${opts.entry.module}:${opts.entry.attr}`);
  const main = entryPointScript(entry, { shebang: opts.python });
  const spec: LauncherSpec = {
    kind: 'script',
    program: opts.python,
    gui: opts.gui ?? false,
    arch: opts.arch ?? 'x64',
    files: [{ name: '__main__.py', data: new TextEncoder().encode(main) }],
  };
  if (opts.stubDir !== undefined) spec.stubDir = opts.stubDir;
  return spec;
}

export function buildPythonLauncher(opts: PythonLauncherOptions): Uint8Array {
  return buildLauncher(pythonLauncherSpec(opts));
}
