/**
 * The Bounce payload: what a launcher starts. It is stored as the PE resource RT_RCDATA
 * "BOUNCE" of a stub; docs/format.md documents it and stub/src/payload.c is the decoder the
 * launcher runs. This module is the encoder and a decoder for reading launchers back.
 *
 *   0   "BNCE"                      4   u16 version (1)    6  u8 kind    7  u8 flags
 *   8   u32 program units           12  u32 args units     16 u32 script units
 *   20  u32 zip bytes               24  program, args, script (UTF-16LE), pad to 4, zip
 */
import { badFormat, invalidInput } from './errors.js';

export const PAYLOAD_RESOURCE_NAME = 'BOUNCE';
export const PAYLOAD_VERSION = 1;
const HEADER = 24;
/** CreateProcessW's limit, including the NUL: no single text may reach it. */
const MAX_UNITS = 32767;

export type LauncherKind = 'script' | 'proxy' | 'exec';
const KIND_CODES: Record<LauncherKind, number> = { script: 1, proxy: 2, exec: 3 };
const KIND_NAMES: Record<number, LauncherKind> = { 1: 'script', 2: 'proxy', 3: 'exec' };

export const PayloadFlag = {
  /** Grandchildren may leave the launcher's job (SILENT_BREAKAWAY_OK) and outlive it. */
  allowBreakaway: 0x01,
} as const;

export interface Payload {
  kind: LauncherKind;
  flags: number;
  /** Interpreter or program path: absolute, or relative to the launcher's folder. */
  program: string;
  /** Fixed arguments as a command-line fragment, already quoted. */
  args: string;
  /** exec kind: script path relative to the launcher's folder ('' = none). */
  script: string;
  /** script kind: the zip CPython runs (the launcher file itself is the zipapp). */
  zip: Uint8Array;
}

function checkText(what: string, s: string, allowEmpty: boolean): void {
  if (!allowEmpty && s.length === 0) throw invalidInput(`${what} must not be empty`);
  if (s.length >= MAX_UNITS) throw invalidInput(`${what} is longer than a Windows command line allows`);
  if (s.includes('\0')) throw invalidInput(`${what} contains a NUL character`);
}

/** Offset of the zip inside an encoded payload with these texts. */
export function zipOffset(p: Pick<Payload, 'program' | 'args' | 'script'>): number {
  return Math.ceil((HEADER + 2 * (p.program.length + p.args.length + p.script.length)) / 4) * 4;
}

export function encodePayload(p: Payload): Uint8Array {
  checkText('program path', p.program, false);
  checkText('arguments', p.args, true);
  checkText('script path', p.script, true);
  if (p.kind !== 'exec' && p.script !== '') throw invalidInput(`a ${p.kind} launcher has no script path`);
  if (p.kind !== 'script' && p.zip.length > 0) throw invalidInput(`a ${p.kind} launcher carries no zip`);
  if ((p.flags & ~PayloadFlag.allowBreakaway) !== 0) throw invalidInput(`unknown payload flags 0x${p.flags.toString(16)}`);
  const start = zipOffset(p);
  const out = new Uint8Array(start + p.zip.length);
  const view = new DataView(out.buffer);
  out.set([0x42, 0x4e, 0x43, 0x45]);
  view.setUint16(4, PAYLOAD_VERSION, true);
  out[6] = KIND_CODES[p.kind];
  out[7] = p.flags;
  view.setUint32(8, p.program.length, true);
  view.setUint32(12, p.args.length, true);
  view.setUint32(16, p.script.length, true);
  view.setUint32(20, p.zip.length, true);
  let at = HEADER;
  for (const s of [p.program, p.args, p.script]) {
    for (let i = 0; i < s.length; i++, at += 2) view.setUint16(at, s.charCodeAt(i), true);
  }
  out.set(p.zip, start);
  return out;
}

/** Decodes a payload with the same checks as the stub (payload.c). */
export function decodePayload(bytes: Uint8Array, path?: string): Payload {
  const fail = (why: string) => badFormat(`corrupt Bounce payload: ${why}`, path);
  if (bytes.length < HEADER) throw fail('truncated');
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4e || bytes[2] !== 0x43 || bytes[3] !== 0x45) throw fail('no BNCE signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== PAYLOAD_VERSION) throw fail(`format version ${version} is not supported`);
  const kind = KIND_NAMES[bytes[6]!];
  if (kind === undefined) throw fail(`unknown kind ${bytes[6]}`);
  const flags = bytes[7]!;
  if ((flags & ~PayloadFlag.allowBreakaway) !== 0) throw fail(`unknown flags 0x${flags.toString(16)}`);
  const [programUnits, argUnits, scriptUnits, zipSize] = [8, 12, 16, 20].map((o) => view.getUint32(o, true)) as [
    number,
    number,
    number,
    number,
  ];
  if (programUnits === 0 || programUnits >= MAX_UNITS || argUnits >= MAX_UNITS || scriptUnits >= MAX_UNITS) {
    throw fail('text lengths out of range');
  }
  if ((kind !== 'exec' && scriptUnits !== 0) || (kind !== 'script' && zipSize !== 0)) throw fail('lengths do not fit its kind');
  const textEnd = HEADER + 2 * (programUnits + argUnits + scriptUnits);
  const start = Math.ceil(textEnd / 4) * 4;
  if (start > bytes.length || bytes.length - start !== zipSize) throw fail('lengths do not match its size');
  const text = (from: number, units: number): string => {
    let s = '';
    for (let i = 0; i < units; i++) s += String.fromCharCode(view.getUint16(from + 2 * i, true));
    if (s.includes('\0')) throw fail('text contains a NUL character');
    return s;
  };
  const program = text(HEADER, programUnits);
  const args = text(HEADER + 2 * programUnits, argUnits);
  const script = text(HEADER + 2 * (programUnits + argUnits), scriptUnits);
  return { kind, flags, program, args, script, zip: bytes.subarray(start) };
}
