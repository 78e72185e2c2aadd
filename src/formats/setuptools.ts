/**
 * setuptools' Windows launchers: decoder and interpreter rewrite.
 *
 * Format (setuptools `command/easy_install.py`, WindowsExecutableLauncherWriter, 65.5 checked on
 * this machine; launcher source `launcher.c`):
 * - `name.exe` is a byte copy of `cli-32/cli-64/cli-arm64.exe` (console) or `gui-*.exe` (GUI),
 *   beside `name-script.py` (console) or `name-script.pyw` (GUI). 32-bit installs also write
 *   `name.exe.manifest` (asInvoker), which is listed in `files` when present.
 * - At run time the launcher takes its own file name, cuts it at the last `.`, and appends
 *   `-script.py`, or `-script.pyw` in the GUI build (a compile-time choice). So a GUI-subsystem
 *   exe pairs with `.pyw` only and a console one with `.py` only; any other pairing is not this
 *   format (null). The exe must also contain that literal (NUL-terminated ASCII), which keeps a
 *   Bounce, distlib or uv launcher that happens to sit beside a `-script.py` from being read as
 *   setuptools'.
 * - The launcher reads the first 256 bytes of the script; the first line ends at `\n`, `\r` or
 *   NUL. Without a leading `#!` it uses `python.exe`. The rest of the line is split by the MS C
 *   rules (`parse_argv`: backslashes count only before a quote, `"` toggles quoting, any
 *   isspace separates; argv[0] gets no special rule): the first word is the interpreter, the
 *   others are its arguments, placed before the script path.
 * - The interpreter is used as-is when it has a drive (`C:`) or starts with a slash (`/` is
 *   turned into `\` first); otherwise it is relative to the PARENT of the script's folder
 *   (`Scripts\..`, the Python home: bdist_wininst's `#!python.exe`), not to the launcher's own
 *   folder. `interpreterRelative` reports that case; use `setuptoolsRelativeBase` for the folder
 *   it is relative to. The launcher never searches PATH (`interpreterSearched` is false), but it
 *   passes the resolved path unquoted to CreateProcessA (setuptools issue 622), so a path with a
 *   space can start `C:\Program.exe`; that is the launcher's bug, not something this reader hides.
 *
 * Decisions:
 * - A shebang line that does not end within the launcher's 256-byte buffer is damaged
 *   (BounceError badFormat): the launcher would overrun its buffer. So is `#!` with no program.
 * - A shebang written unquoted around a space (setuptools does this when the executable is given
 *   as a string, e.g. `#!C:\Program Files\Python\python.exe`) is reported the way the launcher
 *   splits it: interpreter `C:\Program`, argument `Files\Python\python.exe`.
 * - `entryPoint`: the `-script.py` of setuptools' own template calls
 *   `load_entry_point('dist==ver', 'console_scripts', 'name')`: it names a distribution, group and
 *   name, never `module:attr`, which live in the distribution's metadata. So `entryPoint` is
 *   null for it and `parseSetuptoolsEntryScript` returns the reference; a `-script.py` holding a
 *   pip/uv/Bounce entry-point script gives its `module:attr` (parseEntryPointScript).
 * - `script` is the absolute path of the `-script.py[w]` file; `kind` is 'script'.
 *
 * Rewrite (`retargetSetuptools`): returns the script with its first line replaced by `#!` + the new
 * interpreter (quoted when needed) + the old line's arguments verbatim; a script without a
 * shebang gets one inserted. Everything after the first line stays byte-identical. The
 * interpreter must be ASCII: the launcher reads the line in the ANSI code page and Python reads
 * the file as UTF-8, and only ASCII means the same to both. The new line must fit the launcher's
 * buffer (at most 255 bytes).
 */
import { dirname, resolve } from 'node:path';
import { quoteArg } from '../cmdline.js';
import { badFormat, invalidInput } from '../errors.js';
import { parsePe } from '../pe.js';
import { parseEntryPointScript } from '../python/script.js';
import { storedWindowsPath } from '../winpath.js';
import { exeStem, fileExists, readSidecar } from './sidecar.js';
import type { ForeignLauncher } from './types.js';

/** The launcher's read buffer (`char python[256]` in launcher.c). */
const SHEBANG_BUFFER = 256;
/** What the launcher uses when the script has no `#!` line. */
const DEFAULT_INTERPRETER = 'python.exe';

const isCSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

/**
 * launcher.c's `parse_argv`, re-implemented: the words of `line` and the index just past the first
 * word (so a rewrite can keep the rest of the line verbatim).
 */
export function parseLauncherArgv(line: string): { args: string[]; firstEnd: number } {
  const args: string[] = [];
  let i = 0;
  let firstEnd = -1;
  while (isCSpace(line[i])) i++;
  for (;;) {
    let arg = '';
    let backslashes = 0;
    let inQuotes = false;
    for (;;) {
      const c = line[i];
      if (c === undefined || (isCSpace(c) && !inQuotes)) break;
      i++;
      if (c === '\\') {
        backslashes++;
        continue;
      }
      if (c === '"') {
        arg += '\\'.repeat(backslashes >> 1);
        if (backslashes % 2 === 0) inQuotes = !inQuotes;
        else arg += '"';
      } else {
        arg += '\\'.repeat(backslashes) + c;
      }
      backslashes = 0;
    }
    args.push(arg + '\\'.repeat(backslashes));
    if (firstEnd < 0) firstEnd = i;
    while (isCSpace(line[i])) i++;
    if (i >= line.length) return { args, firstEnd };
  }
}

/** The script's first line as the launcher sees it: bytes up to `\n`, `\r` or NUL. */
function firstLine(script: Uint8Array, path?: string): { bytes: Uint8Array; end: number } {
  const limit = Math.min(script.length, SHEBANG_BUFFER);
  for (let i = 0; i < limit; i++) {
    const b = script[i];
    if (b === 0x0a || b === 0x0d || b === 0x00) return { bytes: script.subarray(0, i), end: i };
  }
  if (script.length >= SHEBANG_BUFFER) {
    throw badFormat(`the first line is longer than the ${SHEBANG_BUFFER - 1} bytes setuptools' launcher reads`, path);
  }
  return { bytes: script, end: script.length };
}

/** The interpreter and arguments setuptools' launcher takes from `script` (a `-script.py`). */
export function setuptoolsShebang(script: Uint8Array, path?: string): { interpreter: string; args: string[]; fromShebang: boolean } {
  const line = new TextDecoder().decode(firstLine(script, path).bytes);
  if (!line.startsWith('#!')) return { interpreter: DEFAULT_INTERPRETER, args: [], fromShebang: false };
  const words = parseLauncherArgv(line.slice(2)).args;
  const [interpreter = '', ...args] = words;
  if (interpreter === '') throw badFormat('the #! line names no interpreter', path);
  return { interpreter, args, fromShebang: true };
}

/** Relative for the launcher's `find_exe`: no drive and no leading slash. */
function isLauncherRelative(interpreter: string): boolean {
  return !/^[A-Za-z]:/.test(interpreter) && !/^[\\/]/.test(interpreter);
}

/** The folder a relative setuptools interpreter is resolved against: the launcher's folder's parent. */
export function setuptoolsRelativeBase(launcherPath: string): string {
  return dirname(dirname(resolve(launcherPath)));
}

function contains(haystack: Uint8Array, needle: string): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(Buffer.from(needle, 'latin1'));
}

/**
 * Reads a setuptools launcher: `path` names the `.exe`, `bytes` is its content. Null when it is
 * not one (no matching `-script.py[w]`, or the exe lacks the launcher's suffix literal).
 */
export function readSetuptools(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const stem = exeStem(path);
  if (stem === null) return null;
  const consoleScript = `${stem}-script.py`;
  const guiScript = `${stem}-script.pyw`;
  if (!fileExists(consoleScript) && !fileExists(guiScript)) return null;
  const image = parsePe(bytes, path);
  const gui = image.subsystem === 2;
  const suffix = gui ? '-script.pyw' : '-script.py';
  if (!contains(bytes, `${suffix}\0`)) return null;
  const scriptPath = gui ? guiScript : consoleScript;
  const script = readSidecar(scriptPath);
  if (script === null) return null;
  const { interpreter, args } = setuptoolsShebang(script, scriptPath);
  const text = new TextDecoder().decode(script);
  const ep = parseEntryPointScript(text);
  const files = [resolve(path), resolve(scriptPath)];
  if (fileExists(`${path}.manifest`)) files.push(resolve(`${path}.manifest`));
  return {
    format: 'setuptools',
    kind: 'script',
    arch: image.machine,
    gui,
    interpreter,
    interpreterArgs: args,
    interpreterRelative: isLauncherRelative(interpreter),
    interpreterSearched: false,
    script: resolve(scriptPath),
    entryPoint: ep === null ? null : `${ep.module}:${ep.attr}`,
    signed: image.certificate !== null,
    files,
  };
}

/** A Python string literal as `repr()` writes it, starting at `s[at]`; null if there is none. */
function pyStringLiteral(s: string, at: number): { value: string; end: number } | null {
  const quote = s[at];
  if (quote !== "'" && quote !== '"') return null;
  const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', '0': '\0' };
  const hexLength: Record<string, number> = { x: 2, u: 4, U: 8 };
  let value = '';
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c === '\n') return null;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const e = s[i + 1];
    if (e === undefined) return null;
    const n = hexLength[e];
    if (n !== undefined) {
      const hex = s.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return null;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return null;
      value += String.fromCodePoint(cp);
      i += 1 + n;
    } else {
      value += simple[e] ?? `\\${e}`;
      i += 1;
    }
  }
  return null;
}

/** Parses `lit, lit, lit` (Python literals, optional spaces) at `s[at]`. */
function threeLiterals(s: string, at: number): { values: [string, string, string]; end: number } | null {
  const values: string[] = [];
  let i = at;
  for (let k = 0; k < 3; k++) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    const lit = pyStringLiteral(s, i);
    if (lit === null) return null;
    values.push(lit.value);
    i = lit.end;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (k < 2) {
      if (s[i] !== ',') return null;
      i++;
    }
  }
  return { values: values as [string, string, string], end: i };
}

export interface SetuptoolsEntryScript {
  /** The requirement the script pins, e.g. `spam==1.0`. */
  requirement: string;
  /** The distribution name (the requirement before `==`, as the template itself splits it). */
  distribution: string;
  /** `console_scripts` or `gui_scripts`. */
  group: string;
  /** The entry point's name within the group. */
  name: string;
}

/**
 * Recognises setuptools' own entry-point script (every template since easy_install: a
 * `# EASY-INSTALL-ENTRY-SCRIPT: spec,group,name` comment as the first line or the one after the
 * shebang, `__requires__ = spec`, and a `load_entry_point(spec, group, name)()` call, with the same
 * three values). It names no `module:attr`: that is in the distribution's entry_points.txt.
 */
export function parseSetuptoolsEntryScript(text: string): SetuptoolsEntryScript | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const headerIndex = lines[0]?.startsWith('#!') ? 1 : 0;
  const header = lines[headerIndex] ?? '';
  const marker = '# EASY-INSTALL-ENTRY-SCRIPT:';
  if (!header.startsWith(marker)) return null;
  const fromHeader = threeLiterals(header, marker.length);
  if (fromHeader === null || header.slice(fromHeader.end).trim() !== '') return null;
  const [requirement, group, name] = fromHeader.values;
  const body = lines.slice(headerIndex + 1).join('\n');
  const requires = /^__requires__ = /m.exec(body);
  const requiresLit = requires === null ? null : pyStringLiteral(body, requires.index + requires[0].length);
  if (requiresLit === null || requiresLit.value !== requirement) return null;
  const call = /\bload_entry_point\(/g;
  let found = false;
  for (let m = call.exec(body); m !== null && !found; m = call.exec(body)) {
    const args = threeLiterals(body, m.index + m[0].length);
    if (args === null || body.slice(args.end, args.end + 3) !== ')()') continue;
    found = args.values[0] === requirement && args.values[1] === group && args.values[2] === name;
  }
  if (!found) return null;
  const distribution = requirement.split('==')[0]!.trim();
  return { requirement, distribution, group, name };
}

const CODING_COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/;

/**
 * The `-script.py[w]` content with its interpreter replaced (see the header). `interpreter` is
 * stored as given after the usual checks (forward slashes become backslashes); a relative one is
 * relative to the parent of the launcher's folder. Throws BounceError invalidInput for an
 * interpreter the launcher cannot use, badFormat for a damaged script.
 */
export function retargetSetuptools(script: Uint8Array, interpreter: string, path?: string): Uint8Array {
  const stored = storedWindowsPath(interpreter, 'interpreter');
  if (!/^[\x20-\x7e]*$/.test(stored)) {
    throw invalidInput(`interpreter "${interpreter}" is not ASCII: setuptools' launcher reads it in the ANSI code page, Python as UTF-8`);
  }
  const bom = script[0] === 0xef && script[1] === 0xbb && script[2] === 0xbf;
  const body = bom ? script.subarray(3) : script;
  const { bytes: lineBytes, end } = firstLine(body, path);
  // latin1: one char per byte, so the old line's arguments are kept byte for byte.
  const line = Buffer.from(lineBytes).toString('latin1');
  const hasShebang = line.startsWith('#!');
  let tail = '';
  if (hasShebang) {
    const { args, firstEnd } = parseLauncherArgv(line.slice(2));
    if ((args[0] ?? '') === '') throw badFormat('the #! line names no interpreter', path);
    tail = line.slice(2 + firstEnd);
  } else {
    const second = new TextDecoder().decode(body.subarray(end)).replace(/^\r?\n|^\r/, '').split(/\r\n|\n|\r/)[0] ?? '';
    if (!CODING_COOKIE.test(line) && CODING_COOKIE.test(second)) {
      throw invalidInput('the script declares its encoding on line 2; inserting a #! line would move that declaration out of Python\'s reach', path);
    }
  }
  const newLine = `#!${quoteArg(stored)}${tail}`;
  if (newLine.length > SHEBANG_BUFFER - 1) {
    throw invalidInput(`the #! line would be ${newLine.length} bytes; setuptools' launcher reads at most ${SHEBANG_BUFFER - 1}`);
  }
  const head = new Uint8Array(Buffer.from(newLine, 'latin1'));
  if (hasShebang) return new Uint8Array(Buffer.concat([head, body.subarray(end)]));
  const eol = body[end] === 0x0d && body[end + 1] === 0x0a ? '\r\n' : '\n';
  return new Uint8Array(Buffer.concat([head, new TextEncoder().encode(eol), body]));
}

