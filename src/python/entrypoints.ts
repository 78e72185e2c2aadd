/**
 * Python entry points: the `module:attr.sub` object references and the `entry_points.txt` INI file
 * that lists a distribution's console_scripts and gui_scripts.
 *
 * Validation here is a security boundary. Module and attribute names end up pasted into Python
 * source (the launcher's `__main__.py`) and script names become file names, so both are checked
 * strictly: identifiers must be exactly what Python's parser will read back, names must be plain
 * file names.
 */

import { invalidInput } from '../errors.js';

export type ScriptGroup = 'console_scripts' | 'gui_scripts';

export interface EntryPoint {
  name: string;
  group: ScriptGroup;
  module: string;
  attr: string;
  extras: string[];
}

const KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue',
  'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in',
  'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

const IDENTIFIER = /^[\p{ID_Start}_]\p{ID_Continue}*$/u;
/** Zero-width (non-)joiner: ID_Continue since Unicode 15.1, invisible, refused by older Pythons. */
const ZERO_WIDTH = /[\u200c\u200d]/;

/**
 * Whether `s` is a Python identifier that Python reads back unchanged and that is not a keyword.
 * Python NFKC-normalises identifiers in source, while importlib (which pip's and uv's own loaders
 * use) does not: a non-NFKC name would make the script import something else than the entry
 * point names, so such names are refused. Soft keywords (match, case, type, _) are fine.
 */
export function isPythonIdentifier(s: string): boolean {
  return IDENTIFIER.test(s) && !ZERO_WIDTH.test(s) && s.normalize('NFKC') === s && !KEYWORDS.has(s);
}

function trimBlanks(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * Parse an object reference `module:attr.sub` (spaces around the colon allowed, as the entry points
 * specification requires readers to accept). The module is dotted identifiers; the attribute is one
 * or more dotted identifiers. Throws invalidInput otherwise.
 */
export function parseEntryPointSpec(spec: string): { module: string; attr: string } {
  const colon = spec.indexOf(':');
  if (colon < 0) throw invalidInput(`entry point ${JSON.stringify(spec)} has no ":" (expected module:function)`);
  // Only spaces and tabs are trimmed: a line break has no business in a reference.
  const module = trimBlanks(spec.slice(0, colon));
  const attr = trimBlanks(spec.slice(colon + 1));
  const checkDotted = (what: string, value: string): void => {
    const parts = value.split('.');
    for (const part of parts) {
      if (!isPythonIdentifier(part)) {
        throw invalidInput(
          `entry point ${JSON.stringify(spec)}: ${what} ${JSON.stringify(value)} is not a dotted Python name` +
            (part === '' ? '' : ` (${JSON.stringify(part)} is not an identifier)`),
        );
      }
    }
  };
  checkDotted('module', module);
  checkDotted('attribute', attr);
  // `from m import __debug__` is a SyntaxError ("cannot assign to __debug__").
  if (attr.split('.')[0] === '__debug__') throw invalidInput(`entry point ${JSON.stringify(spec)}: cannot import __debug__`);
  return { module, attr };
}

const RESERVED_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// eslint-disable-next-line no-control-regex
const BAD_FILE_CHARS = /[\\/:*?"<>|\u0000-\u001f]/;

/**
 * Why `name` cannot be a launcher's file name on Windows, or undefined if it can. Besides the
 * characters Windows forbids: `.`/`..`, device names (`nul.exe` is the null device) and a trailing
 * dot or space (Windows strips them, so the file would get another name).
 */
export function scriptNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return 'is not a file name';
  const bad = BAD_FILE_CHARS.exec(name);
  if (bad) return `contains ${JSON.stringify(bad[0])}`;
  if (/[. ]$/.test(name)) return 'ends with a dot or space';
  if (RESERVED_DEVICE.test(name)) return 'is a reserved Windows device name';
  return undefined;
}

const EXTRA = /^[\p{L}\p{N}_.-]+$/u;
const GROUPS: readonly string[] = ['console_scripts', 'gui_scripts'];

/**
 * Parse entry_points.txt and return the console_scripts and gui_scripts entries in file order.
 * Other sections are ignored entirely (they may hold plugin entry points in any format). Lines are
 * `name = module:attr [extra1, extra2]`, with or without whitespace around `=` and before `[`;
 * `#` and `;` start comment lines. An invalid line in a script section is an invalidInput error
 * naming `path` and the line number, and so is a script name given twice (Windows file names are
 * case-insensitive, so `Tool` and `tool` count as the same).
 */
export function parseEntryPoints(text: string, path?: string): EntryPoint[] {
  const out: EntryPoint[] = [];
  const seen = new Map<string, number>();
  let group: ScriptGroup | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const fail: (why: string) => never = (why) => {
      throw invalidInput(`line ${lineNo}: ${why}`, path);
    };
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    if (line.startsWith('[') && line.endsWith(']')) {
      const section = line.slice(1, -1);
      group = GROUPS.includes(section) ? (section as ScriptGroup) : undefined;
      return;
    }
    if (group === undefined) return;
    const eq = line.indexOf('=');
    if (eq < 0) fail(`expected "name = module:function" in [${group}], got ${JSON.stringify(line)}`);
    const name = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const problem = scriptNameProblem(name);
    if (problem !== undefined) fail(`script name ${JSON.stringify(name)} ${problem}`);
    let extras: string[] = [];
    if (value.endsWith(']')) {
      const open = value.lastIndexOf('[');
      if (open < 0) fail(`unbalanced "]" in ${JSON.stringify(value)}`);
      extras = value
        .slice(open + 1, -1)
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      for (const x of extras) if (!EXTRA.test(x)) fail(`bad extra name ${JSON.stringify(x)}`);
      value = value.slice(0, open).trim();
    }
    let ref: { module: string; attr: string };
    try {
      ref = parseEntryPointSpec(value);
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    const key = name.toLowerCase();
    const prev = seen.get(key);
    if (prev !== undefined) fail(`script ${JSON.stringify(name)} is already defined on line ${prev}`);
    seen.set(key, lineNo);
    out.push({ name, group, module: ref.module, attr: ref.attr, extras });
  });
  return out;
}
