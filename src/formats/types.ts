/**
 * What every launcher format module (src/formats/*.ts) reports about one launcher: what it will
 * run and where that is written. One module owns each format, its decoder and its encoder (the
 * rewrite of the interpreter path) side by side; src/inspect.ts dispatches between them.
 *
 * A format module never throws anything but BounceError: a file that is not in its format gives
 * null from its detector, and a file that is but is damaged gives BounceError (badFormat).
 */
import type { Machine } from '../pe.js';

/** The formats `bounce inspect` recognises (issue 3), with `bounce` for our own. */
export type LauncherFormat = 'bounce' | 'uv' | 'uv-trailer' | 'distlib' | 'setuptools' | 'posy' | 'bun' | 'scoop' | 'cmd-shim';

/**
 * script: a Python launcher running its own zipapp or a `-script.py` beside it; proxy: runs the
 * interpreter with the caller's arguments (uv's python.exe); exec: runs a program, maybe with
 * fixed arguments and a target script (Bun, Scoop, cmd-shim, Bounce exec).
 */
export type ForeignKind = 'script' | 'proxy' | 'exec';

export interface ForeignLauncher {
  format: Exclude<LauncherFormat, 'bounce'>;
  kind: ForeignKind;
  /** PE machine of the .exe; null for formats without one (cmd-shim). */
  arch: Machine | null;
  /** GUI subsystem (or pythonw / a `.pyw` script); null when the format does not say. */
  gui: boolean | null;
  /** The interpreter or program exactly as stored (distlib: the shebang's path part); null when
   * the format stores none (posy; a Bun shim without a shebang runs the target directly). */
  interpreter: string | null;
  /** Arguments stored after the interpreter (shebang arguments, Scoop `args`, cmd-shim's). */
  interpreterArgs: string[];
  /** True when `interpreter` is relative to the launcher's folder (or resolved by search, e.g.
   * a bare `python.exe` or `/usr/bin/env python`: see `interpreterSearched`). */
  interpreterRelative: boolean | null;
  /** True when the launcher searches PATH (or the current directory) for the interpreter. */
  interpreterSearched: boolean;
  /** The embedded `__main__.py` text (zipapp formats), or the target path as stored (shims,
   * setuptools' `-script.py` path). */
  script: string | null;
  /** `module:attr` when the script is a standard entry-point script (pip's, uv's, ours,
   * setuptools' `load_entry_point` form with its distribution), else null. */
  entryPoint: string | null;
  /** The PE file has an Authenticode certificate table. */
  signed: boolean;
  /** Every file that makes up this launcher (the .exe and its sidecars), absolute paths. */
  files: string[];
}
