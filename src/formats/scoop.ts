/**
 * Scoop's shims: decoder and interpreter rewrite.
 *
 * Format (ScoopInstaller/Shim README; Scoop `lib/core.ps1` function `shim`; kiennq's
 * scoop-better-shimexe `shim.cpp` 3.x, Scoop's default shim; read, not copied):
 * - `name.exe` is a copy of a shim executable (kiennq's by default; the C# `scoopcs` and `71`
 *   variants read the same file), its subsystem patched to GUI when the target is a GUI program.
 *   Beside it `name.shim`: the shim replaces the `exe` at the end of its own path with `shim`.
 * - `name.shim` is UTF-8 text (a BOM is allowed: `_wfopen_s(..., "r,ccs=UTF-8")`), one
 *   `key = value` per line: the separator is exactly ` = `, lines end in LF or CRLF.
 *   `path = <program>` (Scoop writes it in double quotes), optional `args = <arguments>`; since
 *   kiennq 3.2 every other key is an environment variable set for the child. The last line of a
 *   key wins. kiennq expands `%VAR%` in `path` and in variables, `%~dp0` (the shim's folder, first
 *   occurrence) in `args`, and quotes `path` when it holds a space and is not quoted already.
 * - The command line is `path + " " + args + <caller's argument tail>`, given to CreateProcessW
 *   with no application name: a bare program name is searched (the shim's folder first, then the
 *   current folder, the system folders, PATH); a relative path with a folder is relative to the
 *   caller's current folder.
 *
 * Decisions:
 * - A PE named `*.exe` with a `.shim` beside it is this format; a `.shim` that is not UTF-8,
 *   holds a NUL, a line longer than the shim's 16,383-character line buffer, or no `path` line is
 *   damaged (BounceError badFormat). Lines without ` = ` are ignored, as the shim does.
 * - `interpreter`: the program as kiennq's shim starts it (its quoting rule applied, then split off
 *   by the MSVC rules, quotes removed); `interpreterArgs`: the rest of `path` (rare) and `args`
 *   split by the MSVC rules, with `%~dp0` and `%VAR%` left as stored. `script` is null: Scoop has
 *   no separate target (a script, if any, is among the arguments). Absolute (`C:\`, UNC): not
 *   relative, not searched; starting with `%VAR%`: unknown (null), not searched; anything else
 *   is searched.
 * - `decodeScoopShim` also returns the environment entries.
 *
 * Rewrite (`retargetScoop`): every `path` line gets the new program; every other byte (BOM, other
 * lines, line endings) is kept. The value is quoted when the old one was quoted or the new one
 * holds a space. The program must be absolute, start with `%VAR%`, or be a bare file name: a
 * relative path with a folder would be resolved against the caller's current folder, and kiennq 3.2 does not expand `%~dp0`
 * in `path`, so Scoop has no way to say "relative to the shim" (BounceError invalidInput).
 */
import { resolve } from 'node:path';
import { splitMsvc } from '../cmdline.js';
import { badFormat, invalidInput } from '../errors.js';
import { isAbsoluteWindowsPath, storedWindowsPath } from '../winpath.js';
import { decodeUtf8, exeWithSidecar } from './sidecar.js';
import type { ForeignLauncher } from './types.js';

/** fgetws' buffer in kiennq's shim is 1 << 14 wide characters, one of them the terminator. */
const MAX_LINE_UNITS = (1 << 14) - 1;
const SEPARATOR = ' = ';

export interface ScoopShim {
  /** The `path` value as stored (quotes included), from the last `path` line. */
  path: string;
  /** The `args` value as stored, or null without an `args` line. */
  args: string | null;
  /** Every other key, in file order: environment variables for the child (kiennq 3.2+). */
  env: { name: string; value: string }[];
}

interface Line {
  /** Text without its line ending. */
  text: string;
  /** The line ending as stored (`\n`, `\r\n` or `` at the end of the file). */
  eol: string;
  key: string | null;
  /** Index in `text` where the value starts. */
  valueAt: number;
}

function splitLines(text: string, path?: string): Line[] {
  const lines: Line[] = [];
  const re = /([^\n]*)(\n|$)/g;
  for (let m = re.exec(text); m !== null && m[0] !== ''; m = re.exec(text)) {
    let body = m[1] ?? '';
    let eol = m[2] ?? '';
    if (body.endsWith('\r')) {
      body = body.slice(0, -1);
      eol = `\r${eol}`;
    }
    if (body.length + 1 > MAX_LINE_UNITS) throw badFormat(`a line of ${body.length} characters is longer than the shim's line buffer`, path);
    const sep = body.indexOf(SEPARATOR);
    const key = sep > 0 ? body.slice(0, sep) : null;
    lines.push({ text: body, eol, key, valueAt: sep + SEPARATOR.length });
  }
  return lines;
}

function decodeText(bytes: Uint8Array, path?: string): string {
  const text = decodeUtf8(bytes);
  if (text === null) throw badFormat('.shim file is not UTF-8', path);
  if (text.includes('\0')) throw badFormat('.shim file contains a NUL character', path);
  return text;
}

/** Decodes a `.shim` file. Throws BounceError badFormat (naming `path`) when it is damaged. */
export function decodeScoopShim(bytes: Uint8Array, path?: string): ScoopShim {
  const text = decodeText(bytes, path).replace(/^\uFEFF/, '');
  let program: string | null = null;
  let args: string | null = null;
  const env: { name: string; value: string }[] = [];
  for (const line of splitLines(text, path)) {
    if (line.key === null) continue;
    const value = line.text.slice(line.valueAt);
    if (line.key === 'path') program = value;
    else if (line.key === 'args') args = value;
    else env.push({ name: line.key, value });
  }
  if (program === null || program.trim() === '') throw badFormat('.shim file has no `path = ` line', path);
  return { path: program, args, env };
}

/** The command line kiennq's shim builds before the caller's arguments, split by the MSVC rules. */
function commandWords(shim: ScoopShim): string[] {
  const quoted = shim.path.includes(' ') && !shim.path.startsWith('"') ? `"${shim.path}"` : shim.path;
  return splitMsvc(shim.args === null ? quoted : `${quoted} ${shim.args}`);
}

/**
 * Reads a Scoop shim: `path` names the `.exe`, `bytes` is its content. Null when there is no
 * `.shim` beside it.
 */
export function readScoop(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const found = exeWithSidecar(path, bytes, '.shim');
  if (found === null) return null;
  const { image, sidecar, data } = found;
  const shim = decodeScoopShim(data, sidecar);
  const [interpreter = '', ...interpreterArgs] = commandWords(shim);
  if (interpreter === '') throw badFormat('.shim `path` names no program', sidecar);
  const absolute = isAbsoluteWindowsPath(interpreter);
  const fromEnv = /^%[^%]+%/.test(interpreter) && !interpreter.startsWith('%~');
  return {
    format: 'scoop',
    kind: 'exec',
    arch: image.machine,
    gui: image.subsystem === 2,
    interpreter,
    interpreterArgs,
    interpreterRelative: absolute ? false : fromEnv ? null : true,
    interpreterSearched: !absolute && !fromEnv,
    script: null,
    entryPoint: null,
    signed: image.certificate !== null,
    files: [resolve(path), resolve(sidecar)],
  };
}

/**
 * The `.shim` content with the program of every `path` line replaced (see the header). Throws
 * invalidInput for a program Scoop's shim cannot locate reliably, badFormat for a damaged file.
 */
export function retargetScoop(bytes: Uint8Array, interpreter: string, path?: string): Uint8Array {
  const stored = storedWindowsPath(interpreter, 'interpreter');
  if (!isAbsoluteWindowsPath(stored) && !/^%[^%~]+%/.test(stored) && stored.includes('\\')) {
    throw invalidInput(`Scoop's shim would resolve "${interpreter}" against the caller's current folder; give an absolute path or a bare program name`);
  }
  const text = decodeText(bytes, path);
  decodeScoopShim(bytes, path); // validates, and guarantees a path line
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = splitLines(text.slice(bom.length), path);
  const out = lines.map((line) => {
    if (line.key !== 'path') return line.text + line.eol;
    const old = line.text.slice(line.valueAt);
    const quote = old.startsWith('"') || /[ \t]/.test(stored);
    return line.text.slice(0, line.valueAt) + (quote ? `"${stored}"` : stored) + line.eol;
  });
  return new TextEncoder().encode(bom + out.join(''));
}
