/**
 * npm's cmd-shim and pnpm's @zkochan/cmd-shim: decoder and interpreter rewrite.
 *
 * Format (npm/cmd-shim `lib/index.js` 8.0.0 and 9.x; pnpm/cmd-shim `src/index.ts` 7.0.0 and 9.x;
 * both installed here as dev dependencies, and the files they write are the test fixtures):
 * - Three scripts per bin: `name` (POSIX sh), `name.cmd` (pnpm: `.CMD` when PATHEXT says so)
 *   and `name.ps1`. Each runs `<program> <args> <target> [progArgs] <caller's arguments>`.
 * - The target is written relative to the shim's folder: `"$basedir/<rel>"` (sh, ps1),
 *   `"%dp0%\<rel>"` (npm .cmd, after `CALL :find_dp0`) or `"%~dp0\<rel>"` (pnpm .cmd); pnpm
 *   writes an absolute `"<path>"` when no relative path exists (another drive).
 * - The program comes from the target's shebang: npm's regex takes `#!/usr/bin/env [-S] [A=B ...]
 *   prog args`, the `A=B` assignments becoming `exec A=B ...` (sh) and `@SET A=B` lines (.cmd);
 *   pnpm's takes `#!/usr/bin/env [-S] prog args`, and without a shebang maps the extension
 *   (`.js` → node, `.cmd` → `cmd /C`, `.ps1` → pwsh, `.sh` → sh). Without a program the target
 *   runs itself. A bare program is probed in the shim's folder first, then looked up on PATH:
 *   `if [ -x "$basedir/node" ] ... else exec node` (sh), `IF EXIST "%dp0%\node.exe"` (.cmd),
 *   `Test-Path "$basedir/node$exe"` (ps1; npm 9 sets `$PROGRAM_EXE` instead of branching).
 * - pnpm options: `args`/`preserveSymlinks` add interpreter arguments, `progArgs` words after the
 *   target, `nodePath` sets NODE_PATH, `prependToPath` prepends to PATH (in the .cmd with `:`,
 *   a pnpm bug kept as stored), `nodeExecPath` replaces the probe by that absolute path for
 *   `node` (`"<path>" ... "$@"` without `exec`). pnpm 9 ends the sh file with a
 *   `# cmd-shim-target=<src>` marker line.
 *
 * Decisions:
 * - Recognised by content, not by name: the sh header (`#!/bin/sh` and the `basedir=$(dirname
 *   ...)` line), npm's .cmd head (`@ECHO off`, `GOTO start`, `:find_dp0`), pnpm's `@SETLOCAL`
 *   first line, the ps1 header (`#!/usr/bin/env pwsh`, `$basedir=Split-Path ...`). Not valid
 *   UTF-8, or no such header: null. A header with no command line that can be decoded: damaged
 *   (BounceError badFormat), except for pnpm's `@SETLOCAL`, which any batch file can start
 *   with (null).
 * - Decoding finds the program slots (the probe test, the then/else command lines, npm's
 *   `SET "_prog=..."`, npm 9's `$PROGRAM_EXE=...`) and the command lines (ending in `"$@"`, `%*`
 *   or `$args`). All slots must name the same program and all command lines must carry the same
 *   arguments and target, else the file is damaged. The target is the first double-quoted word
 *   after the program that starts with the folder prefix or is absolute; the text before it is
 *   the interpreter's arguments, after it pnpm's progArgs.
 * - `interpreter`: a bare name (`node`), probed in the shim's folder then searched on PATH
 *   (relative and searched); a path as stored with the folder prefix removed (relative, not
 *   searched); an absolute path (pnpm's nodeExecPath) as stored. `interpreterArgs` split by the
 *   MSVC rules (.cmd) or by blanks and quotes (sh, ps1). `script`: the target as stored, prefix
 *   removed, in that file's separators. `gui` and `arch` are null, `signed` false. Each file is
 *   decoded on its own; `files` lists those of the three that exist. progArgs, the environment
 *   settings and the marker are in `decodeCmdShim`'s result only.
 *
 * Rewrite (`retargetCmdShim`): only the program slots change; every other byte of the three files
 * stays. The new interpreter is a bare name (kept in the probe-then-PATH shape: `bun`), an
 * absolute path, or a path relative to the shim's folder (written with the folder prefix); a path
 * replaces the name in every slot, so the probe tests the path itself. sh gets `/` separators (a
 * `\` is an escape inside sh double quotes); .cmd and ps1 keep absolute paths as given. Characters
 * that each shell would expand inside double quotes (`$`, `` ` ``, `%`) and quotes are refused.
 * A shim without a program (the target runs itself) has no interpreter: BounceError invalidInput.
 * A ps1 carrying an Authenticode signature block is refused (SignedFileError): the rewrite would
 * invalidate it.
 */
import { basename, resolve } from 'node:path';
import { splitMsvc } from '../cmdline.js';
import { badFormat, invalidInput, SignedFileError } from '../errors.js';
import { isAbsoluteWindowsPath } from '../winpath.js';
import { CONTROL_CHARS, decodeUtf8, fileExists } from './sidecar.js';
import type { ForeignLauncher } from './types.js';

export type CmdShimShell = 'sh' | 'cmd' | 'ps1';

interface Syntax {
  /** Prefixes that stand for the shim's folder. */
  bases: readonly string[];
  /** After a bare name probed in the shim's folder. */
  localSuffix: string;
  /** After a bare name looked up on PATH. */
  searchSuffix: string;
  /** Separator for relative paths written by a rewrite. */
  sep: '/' | '\\';
  /** A rewrite turns `\` into `/` in absolute paths too. */
  slashAbsolute: boolean;
  /** The caller's arguments, ending each command line. */
  tail: string;
}

const SYNTAX: Record<CmdShimShell, Syntax> = {
  sh: { bases: ['$basedir/'], localSuffix: '', searchSuffix: '', sep: '/', slashAbsolute: true, tail: '"$@"' },
  cmd: { bases: ['%dp0%\\', '%~dp0\\'], localSuffix: '.exe', searchSuffix: '', sep: '\\', slashAbsolute: false, tail: '%*' },
  ps1: { bases: ['$basedir/'], localSuffix: '$exe', searchSuffix: '$exe', sep: '/', slashAbsolute: false, tail: '$args' },
};

type Role = 'probe' | 'fallback' | 'direct';

interface Word {
  start: number;
  end: number;
  content: string;
  quoted: boolean;
}

/** A place where the program is written: the whole word, or (npm's SET "_prog=...") its inside. */
interface Slot extends Word {
  role: Role;
  inner: boolean;
}

type Program = { kind: 'name'; name: string } | { kind: 'path'; path: string; relative: boolean; searched: boolean };

export interface CmdShim {
  shell: CmdShimShell;
  /** probe: the shim's folder, then PATH; direct: the program as written; none: the target runs itself. */
  form: 'probe' | 'direct' | 'none';
  /** The program (see the header), or null for form none. */
  program: string | null;
  programRelative: boolean | null;
  programSearched: boolean;
  /** Raw text between the program and the target. */
  args: string;
  /** The target as stored, without the folder prefix when relative. */
  target: string;
  targetRelative: boolean;
  /** Raw text between the target and the caller's arguments (pnpm's progArgs). */
  progArgs: string;
  /** npm's `env A=B` assignments from the shebang. */
  env: { name: string; value: string }[];
  /** pnpm's nodePath and prependToPath, as stored in this file. */
  nodePath: string | null;
  prependToPath: string | null;
  /** pnpm 9's `# cmd-shim-target=` marker (sh only). */
  marker: string | null;
}

interface Parsed {
  shim: CmdShim;
  slots: Slot[];
  /** Folder prefix a rewrite uses. */
  base: string;
}

const isName = (s: string): boolean => s !== '' && !/[\\/\s"'$%:]/.test(s);

function wordAt(text: string, i: number): Word | null {
  if (text[i] === '"') {
    const close = text.indexOf('"', i + 1);
    if (close < 0 || /[\r\n]/.test(text.slice(i, close))) return null;
    return { start: i, end: close + 1, content: text.slice(i + 1, close), quoted: true };
  }
  let j = i;
  while (j < text.length && !/[ \t\r\n]/.test(text[j]!)) j++;
  return j === i ? null : { start: i, end: j, content: text.slice(i, j), quoted: false };
}

function wordsIn(text: string, from: number, to: number): Word[] {
  const out: Word[] = [];
  let i = from;
  for (;;) {
    while (i < to && (text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= to) return out;
    const w = wordAt(text, i);
    if (w === null || w.end > to) return out;
    out.push(w);
    i = w.end;
  }
}

function skipBlanks(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

function baseOf(content: string, syn: Syntax): string | null {
  return syn.bases.find((b) => content.startsWith(b)) ?? null;
}

function isAbsolute(p: string): boolean {
  return isAbsoluteWindowsPath(p) || p.startsWith('/');
}

function classify(slot: Slot, syn: Syntax): Program {
  const base = baseOf(slot.content, syn);
  if (base !== null) {
    const rest = slot.content.slice(base.length);
    const name = rest.endsWith(syn.localSuffix) ? rest.slice(0, rest.length - syn.localSuffix.length) : '';
    if (slot.role === 'probe' && isName(name)) return { kind: 'name', name };
    return { kind: 'path', path: rest, relative: true, searched: false };
  }
  const name = syn.searchSuffix !== '' && slot.content.endsWith(syn.searchSuffix) ? slot.content.slice(0, -syn.searchSuffix.length) : slot.content;
  if (isName(name)) return { kind: 'name', name };
  const abs = isAbsolute(slot.content);
  return { kind: 'path', path: slot.content, relative: !abs, searched: !abs };
}

const sameProgram = (a: Program, b: Program): boolean =>
  a.kind === 'name' ? b.kind === 'name' && a.name === b.name : b.kind === 'path' && a.path === b.path && a.relative === b.relative;

interface Line {
  start: number;
  text: string;
}

function linesOf(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (const raw of text.split('\n')) {
    out.push({ start, text: raw.endsWith('\r') ? raw.slice(0, -1) : raw });
    start += raw.length + 1;
  }
  return out;
}

const HEADERS: Record<CmdShimShell, RegExp> = {
  sh: /^#!\/bin\/sh\r?\n/,
  cmd: /^@(?:ECHO off\r?\nGOTO start\r?\n:find_dp0\r?\n|SETLOCAL\r?\n)/i,
  ps1: /^#!\/usr\/bin\/env pwsh\r?\n\$basedir=Split-Path \$MyInvocation\.MyCommand\.Definition -Parent\r?\n/,
};

/** One command line: where its program word is (null: npm's `%_prog%` / `$PROGRAM_EXE`) and the rest. */
interface Command {
  program: Word | null;
  role: Role;
  restStart: number;
  restEnd: number;
}

function parse(text: string, shell: CmdShimShell, path?: string): Parsed | null {
  if (!HEADERS[shell].test(text)) return null;
  if (shell === 'sh' && !/^basedir=.*dirname/m.test(text)) return null;
  const syn = SYNTAX[shell];
  const npmCmd = shell === 'cmd' && /^@ECHO off/i.test(text);
  const slots: Slot[] = [];
  const commands: Command[] = [];
  const env: { name: string; value: string }[] = [];
  let nodePath: string | null = null;
  let prependToPath: string | null = null;
  let marker: string | null = null;
  let programFile: Word | null = null;
  let state: 'none' | 'then' | 'else' = 'none';
  const roleNow = (): Role => (state === 'then' ? 'probe' : state === 'else' ? 'fallback' : 'direct');
  const slotAt = (line: Line, at: number, role: Role): void => {
    const w = wordAt(text, line.start + at);
    if (w === null || !w.quoted) throw badFormat('cmd-shim program test is not a quoted path', path);
    slots.push({ ...w, role, inner: false });
  };
  const first = <T>(old: T | null, m: RegExpExecArray | null, f: (m: RegExpExecArray) => T): T | null => (old !== null || m === null ? old : f(m));

  for (const line of linesOf(text)) {
    const t = line.text;
    const trimmed = t.trimEnd();
    let m: RegExpExecArray | null;
    if (shell === 'sh') {
      if ((m = /^if \[ -x "/.exec(t))) {
        slotAt(line, m[0].length - 1, 'probe');
        state = 'then';
        continue;
      }
      if (state === 'then' && /^else\s*$/.test(t)) state = 'else';
      else if (state !== 'none' && /^fi\s*$/.test(t)) state = 'none';
      prependToPath = first(prependToPath, /^export PATH="(.*):\$PATH"$/.exec(t), (x) => x[1]!);
      nodePath = first(nodePath, /^\s*export NODE_PATH="(.*)"$/.exec(t), (x) => x[1]!);
      marker = first(marker, /^# cmd-shim-target=(.*)$/.exec(t), (x) => x[1]!);
    } else if (shell === 'cmd') {
      if ((m = /^@?IF EXIST "/i.exec(t))) {
        slotAt(line, m[0].length - 1, 'probe');
        state = 'then';
        continue;
      }
      if (state === 'then' && /^\) ELSE \($/i.test(t)) state = 'else';
      else if (state !== 'none' && /^\)$/.test(t)) state = 'none';
      if ((m = /^([ \t]*SET "_prog=)([^"]*)"$/i.exec(t))) {
        const start = line.start + m[1]!.length;
        slots.push({ start, end: start + m[2]!.length, content: m[2]!, quoted: true, role: roleNow(), inner: true });
      }
      if (npmCmd && (m = /^@SET ([^\s"=]+)=(.*)$/i.exec(t)) && m[1]!.toUpperCase() !== 'PATHEXT') env.push({ name: m[1]!, value: m[2]! });
      prependToPath = first(prependToPath, /^@SET "PATH=(.*)[:;]%PATH%"$/i.exec(t), (x) => x[1]!);
      nodePath = first(nodePath, /^\s*@SET "NODE_PATH=([^"]*?)"$/i.exec(t), (x) => x[1]!);
    } else {
      if ((m = /^if \(Test-Path "/.exec(t))) {
        slotAt(line, m[0].length - 1, 'probe');
        state = 'then';
        continue;
      }
      if (state === 'then' && /^\} else \{$/.test(t)) state = 'else';
      else if (state !== 'none' && /^\}$/.test(t)) state = 'none';
      if ((m = /^[ \t]*\$PROGRAM_EXE="/.exec(t))) slotAt(line, m[0].length - 1, state === 'then' ? 'probe' : 'fallback');
      if ((m = /^\$PROGRAM_FILE="/.exec(t))) programFile = wordAt(text, line.start + m[0].length - 1);
      nodePath = first(nodePath, /^\$new_node_path="(.*)"$/.exec(t), (x) => x[1]!);
      prependToPath = first(prependToPath, /^\$prepend_path="(.*)"$/.exec(t), (x) => x[1]!);
    }
    if (!trimmed.endsWith(syn.tail)) continue;
    const restEnd = line.start + trimmed.length - syn.tail.length;
    if (shell === 'cmd' && trimmed.includes('"%_prog%"')) {
      const at = line.start + trimmed.indexOf('"%_prog%"') + '"%_prog%"'.length;
      commands.push({ program: null, role: roleNow(), restStart: at, restEnd });
      continue;
    }
    let i = line.start;
    if (shell === 'ps1') {
      const amp = /(?:^|[ \t|])&[ \t]+"/.exec(t);
      if (amp === null) continue;
      i += amp.index + amp[0].length - 1;
    } else {
      i = skipBlanks(text, i);
      if (shell === 'cmd' && text[i] === '@') i++;
      if (shell === 'sh' && /^exec[ \t]/.test(text.slice(i, i + 5))) i = skipBlanks(text, i + 4);
      // npm: `exec A=B C=D prog ...` from `#!/usr/bin/env A=B C=D prog`
      for (let w = wordAt(text, i); shell === 'sh' && w !== null && !w.quoted && /^[^=]+=/.test(w.content); w = wordAt(text, i)) {
        if (commands.length === 0) env.push({ name: w.content.slice(0, w.content.indexOf('=')), value: w.content.slice(w.content.indexOf('=') + 1) });
        i = skipBlanks(text, w.end);
      }
    }
    const program = wordAt(text, i);
    if (program === null || program.end > restEnd) continue;
    const indirect = shell === 'ps1' && program.content === '$PROGRAM_EXE';
    commands.push({ program: indirect ? null : program, role: roleNow(), restStart: program.end, restEnd });
  }

  if (commands.length === 0) {
    if (shell === 'cmd' && !npmCmd) return null;
    throw badFormat(`a ${shell} cmd-shim header without a command line that can be decoded`, path);
  }
  const rest = text.slice(commands[0]!.restStart, commands[0]!.restEnd);
  if (commands.some((c) => text.slice(c.restStart, c.restEnd) !== rest)) {
    throw badFormat('the command lines of this cmd-shim file run different targets or arguments', path);
  }
  const c0 = commands[0]!;
  const words = wordsIn(text, c0.restStart, c0.restEnd);
  const isTargetWord = (w: Word): boolean => w.quoted && (baseOf(w.content, syn) !== null || isAbsolute(w.content));
  let targetIndex = words.findIndex((w) => (w.quoted && w.content === '$PROGRAM_FILE') || isTargetWord(w));
  let target: Word;
  let form: CmdShim['form'];
  let argsText: string;
  let progArgs: string;
  if (targetIndex >= 0) {
    const w = words[targetIndex]!;
    if (w.content === '$PROGRAM_FILE') {
      if (programFile === null) throw badFormat('the ps1 shim uses $PROGRAM_FILE without setting it', path);
      target = programFile;
    } else {
      target = w;
    }
    argsText = text.slice(c0.restStart, w.start).trim();
    progArgs = text.slice(w.end, c0.restEnd).trim();
    for (const c of commands) if (c.program !== null) slots.push({ ...c.program, role: c.role, inner: false });
    form = 'direct'; // or 'probe', decided below once the program is known
  } else {
    // No program: the first word is the target itself (`exec "$basedir/x" "$@"`).
    const self = c0.program;
    if (self === null || !isTargetWord(self) || slots.length > 0) throw badFormat('cannot find the target in the cmd-shim command line', path);
    target = self;
    argsText = '';
    progArgs = rest.trim();
    form = 'none';
  }
  if (form !== 'none' && slots.length === 0) throw badFormat('the cmd-shim command line names no program', path);
  let program: Program | null = null;
  for (const slot of slots) {
    const p = classify(slot, syn);
    if (program !== null && !sameProgram(program, p)) throw badFormat('the program tests and command lines of this cmd-shim file name different programs', path);
    program = p;
  }
  if (program?.kind === 'name' && slots.some((s) => s.role === 'probe')) form = 'probe';
  const targetBase = baseOf(target.content, syn);
  const slotBase = slots.map((s) => baseOf(s.content, syn)).find((b) => b !== null) ?? null;
  const base = targetBase ?? slotBase ?? (shell === 'cmd' && !npmCmd ? '%~dp0\\' : syn.bases[0]!);
  const shim: CmdShim = {
    shell,
    form,
    program: program === null ? null : program.kind === 'name' ? program.name : program.path,
    programRelative: program === null ? null : program.kind === 'name' ? true : program.relative,
    programSearched: program === null ? false : program.kind === 'name' ? true : program.searched,
    args: argsText,
    target: targetBase === null ? target.content : target.content.slice(targetBase.length),
    targetRelative: targetBase !== null,
    progArgs,
    env,
    nodePath,
    prependToPath,
    marker,
  };
  return { shim, slots, base };
}

/** The shell a cmd-shim file is written for, from its name. */
export function cmdShimShell(path: string): CmdShimShell {
  return /\.cmd$/i.test(path) ? 'cmd' : /\.ps1$/i.test(path) ? 'ps1' : 'sh';
}

function decodeText(bytes: Uint8Array): string | null {
  // Cheap refusal first: every cmd-shim file starts with `#!` or `@`.
  if (bytes.length < 2 || !((bytes[0] === 0x23 && bytes[1] === 0x21) || bytes[0] === 0x40)) return null;
  return decodeUtf8(bytes);
}

/**
 * Decodes one cmd-shim file written for `shell`. Null when it is not one; BounceError badFormat
 * (naming `path`) when it looks like one but cannot be decoded.
 */
export function decodeCmdShim(bytes: Uint8Array, shell: CmdShimShell, path?: string): CmdShim | null {
  const text = decodeText(bytes);
  return text === null ? null : (parse(text, shell, path)?.shim ?? null);
}

/** The sh, .cmd and .ps1 files of the shim `path` belongs to that exist, with `path` itself. */
function shimFiles(path: string): string[] {
  const base = path.replace(/\.(cmd|ps1)$/i, '');
  const cmd = fileExists(`${base}.cmd`) || !fileExists(`${base}.CMD`) ? `${base}.cmd` : `${base}.CMD`;
  return [base, cmd, `${base}.ps1`].filter((p) => p === path || fileExists(p)).map((p) => resolve(p));
}

/** Blank-separated words with `"..."` and `'...'` grouping (sh and ps1 interpreter arguments). */
function splitWords(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/(?:"[^"]*"|'[^']*'|[^\s"'])+/g)) out.push(m[0].replace(/"([^"]*)"|'([^']*)'/g, '$1$2'));
  return out;
}

/**
 * Reads one file of an npm or pnpm cmd-shim: `path` names the sh, .cmd or .ps1 file, `bytes` is
 * its content. Null when it is not one.
 */
export function readCmdShim(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const shim = decodeCmdShim(bytes, cmdShimShell(path), path);
  if (shim === null) return null;
  const args = shim.args === '' ? [] : shim.shell === 'cmd' ? splitMsvc(`x ${shim.args}`).slice(1) : splitWords(shim.args);
  return {
    format: 'cmd-shim',
    kind: 'exec',
    arch: null,
    gui: null,
    interpreter: shim.program,
    interpreterArgs: args,
    interpreterRelative: shim.programRelative,
    interpreterSearched: shim.programSearched,
    script: shim.target,
    entryPoint: null,
    signed: false,
    files: shimFiles(path),
  };
}

function newProgram(interpreter: string): Program {
  if (interpreter === '' || CONTROL_CHARS.test(interpreter) || /["$`%]/.test(interpreter)) {
    throw invalidInput(`interpreter ${JSON.stringify(interpreter)} cannot be written into cmd-shim scripts (empty, a control character, or one of " $ \` %)`);
  }
  if (!/[\\/]/.test(interpreter)) {
    if (!/^[\p{L}\p{N}_.+@-]+$/u.test(interpreter) || interpreter.startsWith('-')) throw invalidInput(`"${interpreter}" is not a plain program name`);
    return { kind: 'name', name: interpreter };
  }
  if (/[\\/]$/.test(interpreter)) throw invalidInput(`interpreter "${interpreter}" names a folder, not a file`);
  if (isAbsolute(interpreter)) return { kind: 'path', path: interpreter, relative: false, searched: false };
  if (/^[A-Za-z]:/.test(interpreter) || interpreter.startsWith('\\')) {
    throw invalidInput(`interpreter "${interpreter}" depends on the current drive; give an absolute path or one relative to the shim's folder`);
  }
  return { kind: 'path', path: interpreter, relative: true, searched: false };
}

function render(slot: Slot, program: Program, syn: Syntax, base: string): string {
  let content: string;
  if (program.kind === 'name') {
    const name = program.name;
    content = slot.role === 'probe' ? `${base}${name}${syn.localSuffix}` : slot.role === 'fallback' ? `${name}${syn.searchSuffix}` : name;
  } else if (program.relative) {
    content = base + program.path.replace(/[\\/]/g, syn.sep);
  } else {
    content = syn.slashAbsolute ? program.path.replace(/\\/g, '/') : program.path;
  }
  if (slot.inner) return content;
  // A name where PATH is searched is written bare in sh and .cmd, as both tools write it; a
  // probe path, any other path, and everything in ps1 (where `$exe` must expand) are quoted.
  if (program.kind === 'name' && slot.role !== 'probe' && syn.tail !== '$args' && isName(content)) return content;
  return `"${content}"`;
}

/**
 * One cmd-shim file with its program replaced by `interpreter` (see the header). `shell` defaults
 * to the one `path` names. Throws invalidInput for an interpreter that cannot be written or a shim
 * without a program, badFormat when the file is not a decodable cmd-shim file.
 */
export function retargetCmdShimFile(bytes: Uint8Array, interpreter: string, path: string, shell: CmdShimShell = cmdShimShell(path)): Uint8Array {
  const program = newProgram(interpreter);
  const text = decodeText(bytes);
  const parsed = text === null ? null : parse(text, shell, path);
  if (text === null || parsed === null) throw badFormat(`not a cmd-shim ${shell} file`, path);
  if (parsed.shim.form === 'none') throw invalidInput(`${basename(path)} runs its target directly: there is no interpreter to replace`, path);
  if (shell === 'ps1' && /^# SIG # Begin signature block$/m.test(text)) throw new SignedFileError(path);
  const syn = SYNTAX[shell];
  let out = '';
  let at = 0;
  for (const slot of [...parsed.slots].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, slot.start) + render(slot, program, syn, parsed.base);
    at = slot.end;
  }
  return new TextEncoder().encode(out + text.slice(at));
}

/**
 * All files of a cmd-shim (any of sh, .cmd, .ps1, as read) with the program replaced; nothing is
 * returned unless every file can be rewritten.
 */
export function retargetCmdShim(files: readonly { path: string; bytes: Uint8Array }[], interpreter: string): { path: string; bytes: Uint8Array }[] {
  return files.map((f) => ({ path: f.path, bytes: retargetCmdShimFile(f.bytes, interpreter, f.path) }));
}
