/**
 * Building launchers: a stub plus a payload resource, on any operating system.
 */
import { joinArgs } from './cmdline.js';
import { writeFileAtomic } from './atomic.js';
import { badFormat, invalidInput, SignedFileError } from './errors.js';
import { decodePayload, encodePayload, PayloadFlag, PAYLOAD_RESOURCE_NAME, zipOffset, type LauncherKind, type Payload } from './payload.js';
import { parsePe, readResources, replaceResources, RT_RCDATA, writePeChecksum, type Resource } from './pe.js';
import { readStub, type Arch } from './stubs.js';
import { storedWindowsPath } from './winpath.js';
import { decodeZip, encodeZip, zipSize, type ZipEntry } from './zip.js';

export interface LauncherSpec {
  /** script: `"<program>" <args> "<launcher>" <tail>` (the launcher is a zipapp);
   * proxy: `"<program>" <args> <tail>`; exec: `"<program>" <args> ["<script>"] <tail>`. */
  kind: LauncherKind;
  /** Default x64. */
  arch?: Arch;
  /** The GUI stub: no console window. Default false. */
  gui?: boolean;
  /** The interpreter or program: an absolute Windows path or one relative to the launcher's folder. */
  program: string;
  /** Fixed arguments placed after the program; quoted here so the child's C runtime reads them back. */
  args?: readonly string[];
  /** exec kind: a script path relative to the launcher's folder (or absolute). */
  script?: string;
  /** script kind: the files of the zipapp, `__main__.py` among them. */
  files?: readonly ZipEntry[];
  /** Let the child's own children leave the launcher's job and outlive it. Default false. */
  allowBreakaway?: boolean;
  /** Where the stubs are (default: this package's stub/bin). */
  stubDir?: string;
}

function payloadOf(spec: LauncherSpec, zip: Uint8Array): Payload {
  return {
    kind: spec.kind,
    flags: spec.allowBreakaway ? PayloadFlag.allowBreakaway : 0,
    program: storedWindowsPath(spec.program, spec.kind === 'exec' ? 'program path' : 'interpreter path'),
    args: joinArgs(spec.args ?? []),
    script: spec.script === undefined ? '' : storedWindowsPath(spec.script, 'script path'),
    zip,
  };
}

function checkSpec(spec: LauncherSpec): void {
  if (spec.kind !== 'script' && spec.kind !== 'proxy' && spec.kind !== 'exec') {
    throw invalidInput(`unknown launcher kind "${String(spec.kind)}" (use script, proxy or exec)`);
  }
  if (spec.kind === 'script' && !(spec.files ?? []).some((f) => f.name === '__main__.py')) {
    throw invalidInput('a script launcher needs a __main__.py in its files');
  }
  if (spec.kind !== 'script' && spec.files !== undefined) throw invalidInput(`a ${spec.kind} launcher carries no files`);
  if (spec.kind !== 'exec' && spec.script !== undefined) throw invalidInput(`a ${spec.kind} launcher takes no script path`);
}

/** A stub's own resources (its manifest), read once per stub: the stub bytes are cached by
 * readStub, and an installer builds thousands of launchers from the same one. */
const stubResources = new WeakMap<Uint8Array, Resource[]>();

function resourcesToKeep(base: Uint8Array, path?: string): Resource[] {
  let all = stubResources.get(base);
  if (all === undefined) {
    all = readResources(base, parsePe(base, path), path);
    stubResources.set(base, all);
  }
  return all.filter((r) => !(r.type === RT_RCDATA && r.name === PAYLOAD_RESOURCE_NAME));
}

/**
 * `base` (a stub, or a launcher being rewritten) with `payload` as its BOUNCE resource and, for the
 * script kind, `files` as its zip. The zip's offsets are absolute file offsets, so the launcher is
 * an ordinary zip for any tool (CPython's zipimport would also accept relative ones). Its length
 * does not depend on where it lands: the PE is laid out once with a payload of the right length,
 * then the real payload, its zip placed at its final offset, is written into that place and the
 * checksum computed once (one layout instead of two: issue 4's build throughput).
 */
function assemble(base: Uint8Array, payload: Omit<Payload, 'zip'>, files: readonly ZipEntry[], path?: string): Uint8Array {
  const kept = resourcesToKeep(base, path);
  const place = (data: Uint8Array, checksum: boolean) =>
    replaceResources(base, [...kept, { type: RT_RCDATA, name: PAYLOAD_RESOURCE_NAME, lang: 0, data }], path, { checksum });
  if (payload.kind !== 'script') return place(encodePayload({ ...payload, zip: new Uint8Array(0) }), true).file;
  const zipAt = zipOffset(payload);
  const laidOut = place(new Uint8Array(zipAt + zipSize(files)), false);
  const at = laidOut.dataFileOffsets[kept.length]!;
  const data = encodePayload({ ...payload, zip: encodeZip(files, { baseOffset: at + zipAt }) });
  const { file, checksumOffset } = laidOut;
  file.set(data, at);
  writePeChecksum(file, checksumOffset);
  return file;
}

/** Builds a launcher's bytes. Same spec, same bytes. */
export function buildLauncher(spec: LauncherSpec): Uint8Array {
  checkSpec(spec);
  const stub = readStub(spec.arch ?? 'x64', spec.gui ?? false, spec.stubDir);
  return assemble(stub, payloadOf(spec, new Uint8Array(0)), spec.files ?? []);
}

/**
 * A Bounce launcher with its program (interpreter) path replaced, everything else kept: its own
 * stub bytes, flags, arguments, script path and zip entries. A signed launcher is refused
 * (SignedFileError): the caller strips the certificate first if the user asked for that.
 */
export function retargetBounce(bytes: Uint8Array, program: string, path?: string): Uint8Array {
  const image = parsePe(bytes, path);
  if (image.certificate !== null) throw new SignedFileError(path);
  const resource = readResources(bytes, image, path).find((r) => r.type === RT_RCDATA && r.name === PAYLOAD_RESOURCE_NAME);
  if (resource === undefined) throw badFormat('a PE file without a Bounce payload', path);
  const payload = decodePayload(resource.data, path);
  const files = payload.kind === 'script' ? decodeZip(bytes.subarray(0, resource.fileOffset + resource.data.length), path) : [];
  return assemble(bytes, { ...payload, program: storedWindowsPath(program, payload.kind === 'exec' ? 'program path' : 'interpreter path') }, files, path);
}

/** Builds a launcher and writes it atomically: an existing file is replaced whole or not at all. */
export async function writeLauncher(path: string, spec: LauncherSpec): Promise<Uint8Array> {
  const bytes = buildLauncher(spec);
  await writeFileAtomic(path, bytes, { mode: 0o755 });
  return bytes;
}
