/**
 * Bun's Windows bin shims: decoder and interpreter rewrite.
 *
 * Format (oven-sh/bun `src/install/windows-shim/BinLinkingShim.zig`, the `.bunx` encoder, and
 * `bun_shim_impl.zig`, its reader in the shim; read, not copied):
 * - `node_modules\.bin\name.exe` is a byte copy of `bun_shim_impl.exe`; beside it `name.bunx`
 *   (the shim replaces the `exe` of its own path with `bunx`). All text is UTF-16LE.
 * - Layout: `bin_path` (relative to `node_modules`, no leading slash), then the code units `"`
 *   and NUL, then, only when the target has a shebang: the launcher command (e.g. `node` or
 *   `node --no-warnings`) followed by one space, u32 LE byte length of `bin_path`, u32 LE byte
 *   length of the command including that space. Last a u16 LE flags word: bit 0 `is_node_or_bun`
 *   (the command's program is exactly `node` or `bun`), bit 1 `is_node` (since v4: the command
 *   is `node` or starts with `node `; in v1 this bit was a constant `is_version_1 = 1`), bit 2
 *   `has_shebang`, bits 3-15 a version tag: v1 5474, v2 5475, v3 5476, v4 5477, v5 5478 (the
 *   shim checks its own version only; the encoder's comment calls the values random on purpose,
 *   to catch off-by-one reads).
 * - The shim checks, with a shebang: args_len != 0 and args_len + bin_path_len + 14 == file size.
 *   It then runs `<command> "<node_modules>\<bin_path>" <caller's argument tail>`, the
 *   `node_modules` folder being the parent of the exe's folder (it strips `\.bin\name.exe`).
 *   Without a shebang it runs `"<node_modules>\<bin_path>" <tail>`: the target itself.
 * - The command is pasted into CreateProcessW's command line with no application name, so its
 *   program is found by CreateProcess's own search (the exe's folder, the current folder, the
 *   system folders, PATH). With `is_node` set and node missing, the shim retries with `bun`.
 *
 * Decisions:
 * - Accepted: the five known tags; a `.bunx` beside a PE with any other tag, a failed length or
 *   bounds check, a missing `"`+NUL separator, or a command not ending in a space is damaged
 *   (BounceError badFormat). The reader checks more than the shim (separator, trailing space),
 *   because a file that passes only the shim's checks still runs something nobody wrote.
 * - `interpreter` is the command's first word split the way CreateProcess splits a command line
 *   (quotes removed); `interpreterArgs` the remaining words (MSVC rules); both null/empty
 *   without a shebang. A bare name or a relative path is searched (`interpreterSearched`).
 * - `script` is `bin_path` as stored (relative to the `node_modules` folder above the exe).
 * - UTF-16 is decoded leniently (an unpaired surrogate becomes U+FFFD in the report); a rewrite
 *   copies `bin_path`'s bytes unchanged.
 *
 * Rewrite (`retargetBun`): replaces the command's first word and keeps the rest of the command
 * verbatim, recomputes `is_node_or_bun` and (v4 and later) `is_node` the way the encoder sets them,
 * and keeps the version tag. A `.bunx` without a shebang has no interpreter: BounceError
 * invalidInput.
 */
import { resolve } from 'node:path';
import { argv0End, quoteArg, splitMsvc } from '../cmdline.js';
import { badFormat, invalidInput } from '../errors.js';
import { isAbsoluteWindowsPath } from '../winpath.js';
import { CONTROL_CHARS, exeWithSidecar } from './sidecar.js';
import type { ForeignLauncher } from './types.js';

/** Version tags of the `.bunx` flags word (top 13 bits), v1 to v5. */
export const BUNX_VERSION_TAGS = [5474, 5475, 5476, 5477, 5478] as const;
const V4 = 5477;

const FLAG_NODE_OR_BUN = 1;
const FLAG_NODE = 2;
const FLAG_SHEBANG = 4;

/** CreateProcessW's command-line limit, less the terminator. */
const MAX_COMMAND_CHARS = 32766;

export interface Bunx {
  /** The target, relative to `node_modules`, as stored. */
  binPath: string;
  /** The command placed before the target (without its trailing space), or null. */
  command: string | null;
  /** The whole flags word and its parts. */
  flags: number;
  versionTag: number;
  isNodeOrBun: boolean;
  isNode: boolean;
  /** `bin_path`'s raw UTF-16LE bytes. */
  binPathBytes: Uint8Array;
}

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

function utf16(bytes: Uint8Array): string {
  return new TextDecoder('utf-16le').decode(bytes);
}

/** Decodes a `.bunx` file. Throws BounceError badFormat (naming `path`) when it is damaged. */
export function decodeBunx(bytes: Uint8Array, path?: string): Bunx {
  const size = bytes.length;
  if (size < 6 || size % 2 !== 0) throw badFormat(`a .bunx file of ${size} bytes cannot hold a path, separator and flags`, path);
  const flags = u16(bytes, size - 2);
  const versionTag = flags >>> 3;
  if (!(BUNX_VERSION_TAGS as readonly number[]).includes(versionTag)) {
    throw badFormat(`unknown .bunx version tag ${versionTag} (known: ${BUNX_VERSION_TAGS.join(', ')})`, path);
  }
  const hasShebang = (flags & FLAG_SHEBANG) !== 0;
  let binLength: number;
  let command: string | null = null;
  if (hasShebang) {
    if (size < 2 + 4 + 8 + 2) throw badFormat('a .bunx file with a shebang flag is too short for its lengths', path);
    binLength = u32(bytes, size - 10);
    const argsLength = u32(bytes, size - 6);
    // The shim's own checks (bun_shim_impl.zig): both lengths and the file size agree.
    if (argsLength === 0 || binLength + argsLength + 14 !== size) {
      throw badFormat(`.bunx lengths (path ${binLength}, command ${argsLength}) do not add up to its size ${size}`, path);
    }
    if (binLength % 2 !== 0 || argsLength % 2 !== 0) throw badFormat('.bunx lengths are not whole UTF-16 code units', path);
    const commandBytes = bytes.subarray(binLength + 4, binLength + 4 + argsLength);
    if (u16(commandBytes, argsLength - 2) !== 0x20) throw badFormat('.bunx command does not end with the space the encoder writes', path);
    command = utf16(commandBytes.subarray(0, argsLength - 2));
    if (command.trim() === '') throw badFormat('.bunx shebang command is empty', path);
    if (/^[ \t]/.test(command)) throw badFormat('.bunx shebang command starts with a blank', path);
  } else {
    binLength = size - 6;
  }
  if (binLength === 0) throw badFormat('.bunx names no target', path);
  if (u16(bytes, binLength) !== 0x22 || u16(bytes, binLength + 2) !== 0) {
    throw badFormat('.bunx target is not followed by the `"` and NUL separator', path);
  }
  const binPathBytes = bytes.subarray(0, binLength);
  return {
    binPath: utf16(binPathBytes),
    command,
    flags,
    versionTag,
    isNodeOrBun: (flags & FLAG_NODE_OR_BUN) !== 0,
    isNode: (flags & FLAG_NODE) !== 0,
    binPathBytes,
  };
}

/**
 * Reads a Bun shim: `path` names the `.exe`, `bytes` is its content. Null when there is no
 * `.bunx` beside it.
 */
export function readBun(path: string, bytes: Uint8Array): ForeignLauncher | null {
  const found = exeWithSidecar(path, bytes, '.bunx');
  if (found === null) return null;
  const { image, sidecar, data } = found;
  const bunx = decodeBunx(data, sidecar);
  const words = bunx.command === null ? [] : splitMsvc(bunx.command);
  const interpreter = words[0] ?? null;
  return {
    format: 'bun',
    kind: 'exec',
    arch: image.machine,
    gui: image.subsystem === 2,
    interpreter,
    interpreterArgs: words.slice(1),
    interpreterRelative: interpreter === null ? null : !isAbsoluteWindowsPath(interpreter),
    interpreterSearched: interpreter !== null && !isAbsoluteWindowsPath(interpreter),
    script: bunx.binPath,
    entryPoint: null,
    signed: image.certificate !== null,
    files: [resolve(path), resolve(sidecar)],
  };
}

function encodeUtf16(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >>> 8;
  }
  return out;
}

/**
 * The `.bunx` content with the shebang command's program replaced by `interpreter` (quoted when it
 * holds a space or tab); the command's arguments, the target and the version tag are kept. Throws
 * invalidInput for a `.bunx` without a shebang (it runs its target directly) or an interpreter
 * that cannot be stored, badFormat for a damaged `.bunx`.
 */
export function retargetBun(bunxBytes: Uint8Array, interpreter: string, path?: string): Uint8Array {
  const bunx = decodeBunx(bunxBytes, path);
  if (bunx.command === null) throw invalidInput('this Bun shim has no shebang command: it runs its target directly, so there is no interpreter to replace', path);
  if (interpreter === '' || CONTROL_CHARS.test(interpreter) || interpreter.includes('"')) {
    throw invalidInput(`interpreter ${JSON.stringify(interpreter)} cannot be stored in a Bun shim (empty, a control character or a quote)`);
  }
  const rest = bunx.command.slice(argv0End(bunx.command));
  const command = quoteArg(interpreter) + rest;
  if (command.length + bunx.binPath.length + 4 > MAX_COMMAND_CHARS) throw invalidInput('the Bun shim command would exceed the Windows command-line limit');
  let flags = (bunx.versionTag << 3) | FLAG_SHEBANG;
  if (interpreter === 'node' || interpreter === 'bun') flags |= FLAG_NODE_OR_BUN;
  if (bunx.versionTag >= V4) {
    if (command === 'node' || command.startsWith('node ')) flags |= FLAG_NODE;
  } else {
    flags |= bunx.flags & FLAG_NODE; // v1-v3: bit 1 is not is_node; keep it as written
  }
  const commandBytes = encodeUtf16(`${command} `);
  const out = new Uint8Array(bunx.binPathBytes.length + 4 + commandBytes.length + 10);
  const view = new DataView(out.buffer);
  out.set(bunx.binPathBytes, 0);
  let at = bunx.binPathBytes.length;
  view.setUint16(at, 0x22, true);
  view.setUint16(at + 2, 0, true);
  at += 4;
  out.set(commandBytes, at);
  at += commandBytes.length;
  view.setUint32(at, bunx.binPathBytes.length, true);
  view.setUint32(at + 4, commandBytes.length, true);
  view.setUint16(at + 8, flags, true);
  return out;
}
