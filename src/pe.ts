/**
 * PE files: a bounds-checked reader of the headers and the resource tree, and a writer that
 * replaces the resource section of a stub (the only change the builder ever makes to one).
 *
 * Why our own code and not a PE library: the reader faces hostile files (issue 3: truncated,
 * looping, inflated lengths) and must fail with a typed error, never allocate by untrusted
 * sizes; the writer only has to handle the stubs' own simple layout. Both are small.
 */
import { badFormat } from './errors.js';

export type Machine = 'x64' | 'x86' | 'arm64' | 'other';

export interface Section {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawPointer: number;
  rawSize: number;
  characteristics: number;
  /** File offset of this section's 40-byte header. */
  headerOffset: number;
}

export interface DataDirectory {
  rva: number;
  size: number;
}

export interface PeImage {
  machine: Machine;
  is64: boolean;
  /** 2 = Windows GUI, 3 = console. */
  subsystem: number;
  sections: Section[];
  directories: DataDirectory[];
  fileAlignment: number;
  sectionAlignment: number;
  /** File offsets of fields the writer updates. */
  offsets: { optionalHeader: number; checksum: number; sizeOfImage: number; directories: number };
  /** The Authenticode certificate table (file offset and size), if the file is signed. */
  certificate: { offset: number; size: number } | null;
}

export const DIR_RESOURCE = 2;
export const DIR_SECURITY = 4;
export const DIR_BASERELOC = 5;
export const RT_RCDATA = 10;
export const RT_MANIFEST = 24;

const MACHINES: Record<number, Machine> = { 0x8664: 'x64', 0x14c: 'x86', 0xaa64: 'arm64' };

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}

function need(file: Uint8Array, at: number, length: number, what: string, path?: string): void {
  if (at < 0 || length < 0 || at + length > file.length) {
    throw badFormat(`truncated PE file: ${what} lies outside the file`, path);
  }
}

const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/** Parses the PE headers. Throws a BounceError (badFormat) for anything that is not a sane PE. */
export function parsePe(file: Uint8Array, path?: string): PeImage {
  // A file that does not start with MZ is not a PE file, however short it is.
  if (file.length >= 2 && (file[0] !== 0x4d || file[1] !== 0x5a)) throw badFormat('not a PE file (no MZ signature)', path);
  need(file, 0, 64, 'DOS header', path);
  const pe = u32(file, 0x3c);
  need(file, pe, 24, 'PE header', path);
  if (u32(file, pe) !== 0x4550) throw badFormat('not a PE file (no PE signature)', path);
  const machine = MACHINES[u16(file, pe + 4)] ?? 'other';
  const sectionCount = u16(file, pe + 6);
  const optionalSize = u16(file, pe + 20);
  const opt = pe + 24;
  need(file, opt, optionalSize, 'optional header', path);
  const magic = u16(file, opt);
  if (magic !== 0x10b && magic !== 0x20b) throw badFormat('unknown optional header magic', path);
  const is64 = magic === 0x20b;
  const dirsAt = opt + (is64 ? 112 : 96);
  if (optionalSize < dirsAt - opt) throw badFormat('optional header is too small for its fields', path);
  const dirCountField = u32(file, dirsAt - 4);
  const dirCount = Math.min(dirCountField, 16, Math.floor((opt + optionalSize - dirsAt) / 8));
  const directories: DataDirectory[] = [];
  for (let i = 0; i < dirCount; i++) {
    directories.push({ rva: u32(file, dirsAt + 8 * i), size: u32(file, dirsAt + 8 * i + 4) });
  }
  const sectionsAt = opt + optionalSize;
  need(file, sectionsAt, sectionCount * 40, 'section table', path);
  const sections: Section[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const h = sectionsAt + 40 * i;
    let name = '';
    for (let k = 0; k < 8 && file[h + k] !== 0; k++) name += String.fromCharCode(file[h + k]!);
    sections.push({
      name,
      virtualSize: u32(file, h + 8),
      virtualAddress: u32(file, h + 12),
      rawSize: u32(file, h + 16),
      rawPointer: u32(file, h + 20),
      characteristics: u32(file, h + 36),
      headerOffset: h,
    });
  }
  const security = directories[DIR_SECURITY];
  const certificate =
    security !== undefined && security.rva !== 0 && security.size !== 0
      ? { offset: security.rva, size: security.size } // for this directory "rva" is a file offset
      : null;
  return {
    machine,
    is64,
    subsystem: u16(file, opt + 68),
    sections,
    directories,
    fileAlignment: u32(file, opt + 36) || 512,
    sectionAlignment: u32(file, opt + 32) || 4096,
    offsets: { optionalHeader: opt, checksum: opt + 64, sizeOfImage: opt + 56, directories: dirsAt },
    certificate,
  };
}

/** Maps an RVA to a file offset, or -1 when no section holds it in the file. */
export function rvaToOffset(image: PeImage, rva: number, length = 1): number {
  for (const s of image.sections) {
    // Only the part of a section stored in the file can be read (the rest is zero-filled).
    if (rva >= s.virtualAddress && rva + length <= s.virtualAddress + s.rawSize) {
      return s.rawPointer + (rva - s.virtualAddress);
    }
  }
  return -1;
}

export type ResourceId = number | string;

export interface Resource {
  type: ResourceId;
  name: ResourceId;
  lang: number;
  data: Uint8Array;
  codePage?: number;
}

/** Resource entries with their data's file offsets, as read back. */
export interface ReadResource extends Resource {
  fileOffset: number;
}

const MAX_RESOURCES = 4096;

/**
 * Reads the three-level resource tree (type / name / language). Hostile input: every offset is
 * checked, a directory seen twice is a loop, and the number of entries is bounded by the file.
 */
export function readResources(file: Uint8Array, image: PeImage, path?: string): ReadResource[] {
  const dir = image.directories[DIR_RESOURCE];
  if (dir === undefined || dir.rva === 0) return [];
  const base = rvaToOffset(image, dir.rva, 16);
  if (base < 0) throw badFormat('resource directory lies outside the file', path);
  const section = image.sections.find((s) => dir.rva >= s.virtualAddress && dir.rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  const end = section ? section.rawPointer + section.rawSize : file.length;
  const limit = Math.min(end, file.length);
  const seen = new Set<number>();
  const out: ReadResource[] = [];

  const readName = (field: number): ResourceId => {
    if ((field & 0x80000000) === 0) return field & 0xffff;
    const at = base + (field & 0x7fffffff);
    if (at + 2 > limit) throw badFormat('resource name lies outside the resource section', path);
    const n = u16(file, at);
    if (at + 2 + 2 * n > limit) throw badFormat('resource name lies outside the resource section', path);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(u16(file, at + 2 + 2 * i));
    return s;
  };

  const walk = (offset: number, level: number, ids: ResourceId[]): void => {
    const at = base + offset;
    if (seen.has(at)) throw badFormat('resource directory contains a loop', path);
    seen.add(at);
    if (at + 16 > limit) throw badFormat('resource directory lies outside the resource section', path);
    const count = u16(file, at + 12) + u16(file, at + 14);
    if (at + 16 + 8 * count > limit) throw badFormat('resource directory entries lie outside the resource section', path);
    for (let i = 0; i < count; i++) {
      const e = at + 16 + 8 * i;
      const id = readName(u32(file, e));
      const target = u32(file, e + 4);
      const isDir = (target & 0x80000000) !== 0;
      if (level < 2) {
        if (!isDir) throw badFormat('resource tree is malformed (data entry above the language level)', path);
        walk(target & 0x7fffffff, level + 1, [...ids, id]);
        continue;
      }
      if (isDir) throw badFormat('resource tree is deeper than three levels', path);
      const d = base + target;
      if (d + 16 > limit) throw badFormat('resource data entry lies outside the resource section', path);
      const size = u32(file, d + 4);
      const dataAt = rvaToOffset(image, u32(file, d), Math.max(size, 1));
      if (dataAt < 0 || dataAt + size > file.length) throw badFormat('resource data lies outside the file', path);
      if (out.length >= MAX_RESOURCES) throw badFormat('too many resources', path);
      out.push({
        type: ids[0]!,
        name: ids[1]!,
        lang: typeof id === 'number' ? id : 0,
        data: file.subarray(dataAt, dataAt + size),
        codePage: u32(file, d + 8),
        fileOffset: dataAt,
      });
    }
  };
  walk(0, 0, []);
  return out;
}

/** Resource directories sort named entries first (by upper-cased name), then IDs ascending. */
function compareIds(a: ResourceId, b: ResourceId): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string') return -1;
  if (typeof b === 'string') return 1;
  return a - b;
}

interface Node {
  id: ResourceId;
  children: Node[];
  resource?: Resource;
}

function groupTree(resources: readonly Resource[], path?: string): Node[] {
  const root: Node[] = [];
  const child = (list: Node[], id: ResourceId): Node => {
    let n = list.find((c) => c.id === id);
    if (n === undefined) {
      n = { id, children: [] };
      list.push(n);
    }
    return n;
  };
  for (const r of resources) {
    const type = typeof r.type === 'string' ? r.type.toUpperCase() : r.type;
    const name = typeof r.name === 'string' ? r.name.toUpperCase() : r.name;
    const leaf = child(child(child(root, type).children, name).children, r.lang);
    if (leaf.resource !== undefined) throw badFormat(`duplicate resource ${String(type)}/${String(name)}/${r.lang}`, path);
    leaf.resource = r;
  }
  const sort = (list: Node[]): void => {
    list.sort((x, y) => compareIds(x.id, y.id));
    for (const n of list) sort(n.children);
  };
  sort(root);
  return root;
}

export interface EncodedResources {
  bytes: Uint8Array;
  /** Offset of each resource's data within `bytes`, in input order. */
  dataOffsets: number[];
}

/**
 * Encodes a resource section to be loaded at `sectionRva`: directories, then strings, then data
 * entries, then the data, each blob 8-aligned.
 */
export function encodeResources(resources: readonly Resource[], sectionRva: number, path?: string): EncodedResources {
  const tree = groupTree(resources, path);
  const dirs: Node[][] = [];
  const queue: Node[][] = [tree];
  while (queue.length > 0) {
    const list = queue.shift()!;
    dirs.push(list);
    for (const n of list) if (n.resource === undefined) queue.push(n.children);
  }
  const dirOffset = new Map<Node[], number>();
  let size = 0;
  for (const d of dirs) {
    dirOffset.set(d, size);
    size += 16 + 8 * d.length;
  }
  const strings = new Map<string, number>();
  for (const d of dirs) {
    for (const n of d) {
      if (typeof n.id === 'string' && !strings.has(n.id)) {
        strings.set(n.id, size);
        size += 2 + 2 * n.id.length;
      }
    }
  }
  size = alignUp(size, 4);
  const leaves: Node[] = [];
  for (const d of dirs) for (const n of d) if (n.resource !== undefined) leaves.push(n);
  const entryOffset = new Map<Node, number>();
  for (const leaf of leaves) {
    entryOffset.set(leaf, size);
    size += 16;
  }
  const dataOffset = new Map<Resource, number>();
  for (const leaf of leaves) {
    size = alignUp(size, 8);
    dataOffset.set(leaf.resource!, size);
    size += leaf.resource!.data.length;
  }
  const bytes = new Uint8Array(alignUp(size, 8));
  for (const d of dirs) {
    const at = dirOffset.get(d)!;
    put16(bytes, at + 12, d.filter((n) => typeof n.id === 'string').length);
    put16(bytes, at + 14, d.filter((n) => typeof n.id === 'number').length);
    d.forEach((n, i) => {
      const e = at + 16 + 8 * i;
      put32(bytes, e, typeof n.id === 'string' ? (0x80000000 | strings.get(n.id)!) >>> 0 : n.id);
      put32(bytes, e + 4, n.resource !== undefined ? entryOffset.get(n)! : (0x80000000 | dirOffset.get(n.children)!) >>> 0);
    });
  }
  for (const [s, at] of strings) {
    put16(bytes, at, s.length);
    for (let i = 0; i < s.length; i++) put16(bytes, at + 2 + 2 * i, s.charCodeAt(i));
  }
  for (const leaf of leaves) {
    const r = leaf.resource!;
    const e = entryOffset.get(leaf)!;
    put32(bytes, e, sectionRva + dataOffset.get(r)!);
    put32(bytes, e + 4, r.data.length);
    put32(bytes, e + 8, r.codePage ?? 0);
    bytes.set(r.data, dataOffset.get(r)!);
  }
  return { bytes, dataOffsets: resources.map((r) => dataOffset.get(r)!) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The standard PE checksum: the file summed as little-endian 16-bit words with end-around carry,
 * the checksum field skipped, plus the file's length. The carries are folded once at the end
 * (the same result: both are the sum modulo 0xffff in 1..0xffff unless every word is 0); a
 * 10 KB launcher sums in a few microseconds, which matters when an installer writes thousands.
 */
export function peChecksum(file: Uint8Array, checksumOffset: number): number {
  let sum = 0;
  const even = file.length & ~1;
  if (LITTLE_ENDIAN && file.byteOffset % 2 === 0) {
    // The words as the host reads them: the same little-endian words, summed without shifts.
    const words = new Uint16Array(file.buffer, file.byteOffset, even / 2);
    for (let i = 0; i < words.length; i++) sum += words[i]!;
  } else {
    for (let i = 0; i < even; i += 2) sum += file[i]! | (file[i + 1]! << 8);
  }
  if (file.length !== even) sum += file[even]!;
  // Skip the checksum field: take back the words that were summed at its place (words start
  // at even offsets; a hostile odd offset skips nothing, as before this summed once).
  for (const at of [checksumOffset, checksumOffset + 2]) {
    if (at % 2 !== 0 || at < 0 || at >= file.length) continue;
    sum -= at + 1 < file.length ? file[at]! | (file[at + 1]! << 8) : file[at]!;
  }
  // At most 2^31 words of 0xffff: the sum stays far below 2^53, exact in a double.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return (sum + file.length) >>> 0;
}

/** Stores the checksum of `file` at `checksumOffset`. */
export function writePeChecksum(file: Uint8Array, checksumOffset: number): void {
  put32(file, checksumOffset, peChecksum(file, checksumOffset));
}

export interface ReplacedResources {
  file: Uint8Array;
  /** Where the checksum lies in `file`: a caller that patches resource data in place (the
   * payload whose zip offsets depend on where it lands) recomputes it with peChecksum. */
  checksumOffset: number;
  /** File offset of each resource's data, in input order. */
  dataFileOffsets: number[];
}

/**
 * Returns a copy of `file` whose resource section holds exactly `resources`. Sections after the
 * resource section (only .reloc is allowed there: nothing refers to its address but its data
 * directory) move along. A certificate table cannot survive the change and is refused; the
 * caller strips it first if that is what the user asked for.
 */
export function replaceResources(
  file: Uint8Array,
  resources: readonly Resource[],
  path?: string,
  opts?: {
    /** Default true. false leaves the checksum for the caller, who writes into the laid-out
     * file first and then calls writePeChecksum once (the launcher builder). */
    checksum?: boolean;
  },
): ReplacedResources {
  const image = parsePe(file, path);
  if (image.certificate !== null) throw badFormat('the file is signed; its resources cannot change without breaking the signature', path);
  const dir = image.directories[DIR_RESOURCE];
  const index = image.sections.findIndex((s) => dir !== undefined && dir.rva !== 0 && s.virtualAddress === dir.rva);
  if (index < 0) throw badFormat('no resource section starts at the resource directory', path);
  const rsrc = image.sections[index]!;
  const later = image.sections.slice(index + 1);
  for (const s of later) {
    if (s.name !== '.reloc') throw badFormat(`section ${s.name} follows the resource section; cannot grow it`, path);
  }
  const lastEnd = Math.max(...image.sections.map((s) => s.rawPointer + s.rawSize));
  if (lastEnd !== file.length) throw badFormat('the file has data after its last section', path);
  // Hostile headers must not size the output: alignments as the PE format allows them, and the
  // sections that move must lie after the resource section in the file.
  const powerOfTwo = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;
  const { fileAlignment: fa, sectionAlignment: sa } = image;
  if (!powerOfTwo(fa) || !powerOfTwo(sa) || fa < 512 || fa > 0x10000 || sa < fa || sa > 0x10000) {
    throw badFormat(`unsupported alignment (file ${fa}, section ${sa})`, path);
  }
  for (const s of later) {
    if (s.rawPointer < rsrc.rawPointer + rsrc.rawSize) throw badFormat(`section ${s.name} overlaps the resource section`, path);
  }

  const encoded = encodeResources(resources, rsrc.virtualAddress, path);
  const newRaw = alignUp(encoded.bytes.length, image.fileAlignment);
  const rawDelta = newRaw - rsrc.rawSize;
  const vaDelta =
    alignUp(encoded.bytes.length, image.sectionAlignment) - alignUp(Math.max(rsrc.virtualSize, 1), image.sectionAlignment);

  const out = new Uint8Array(file.length + rawDelta);
  out.set(file.subarray(0, rsrc.rawPointer));
  out.set(encoded.bytes, rsrc.rawPointer);
  for (const s of later) out.set(file.subarray(s.rawPointer, s.rawPointer + s.rawSize), s.rawPointer + rawDelta);

  put32(out, rsrc.headerOffset + 8, encoded.bytes.length);
  put32(out, rsrc.headerOffset + 16, newRaw);
  for (const s of later) {
    put32(out, s.headerOffset + 12, s.virtualAddress + vaDelta);
    put32(out, s.headerOffset + 20, s.rawPointer + rawDelta);
    image.directories.forEach((d, i) => {
      if (d.rva >= s.virtualAddress && d.rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize)) {
        put32(out, image.offsets.directories + 8 * i, d.rva + vaDelta);
      }
    });
  }
  put32(out, image.offsets.directories + 8 * DIR_RESOURCE + 4, encoded.bytes.length);
  const last = image.sections[image.sections.length - 1]!;
  const lastVa = last === rsrc ? rsrc.virtualAddress : last.virtualAddress + vaDelta;
  const lastVs = last === rsrc ? encoded.bytes.length : last.virtualSize;
  put32(out, image.offsets.sizeOfImage, alignUp(lastVa + lastVs, image.sectionAlignment));
  // SizeOfInitializedData: the sum of the raw sizes of initialised-data sections.
  const initialised = image.sections
    .filter((s) => (s.characteristics & 0x40) !== 0)
    .reduce((sum, s) => sum + (s === rsrc ? newRaw : s.rawSize), 0);
  put32(out, image.offsets.optionalHeader + 8, initialised);
  if (opts?.checksum !== false) writePeChecksum(out, image.offsets.checksum);
  return { file: out, checksumOffset: image.offsets.checksum, dataFileOffsets: encoded.dataOffsets.map((o) => rsrc.rawPointer + o) };
}

/**
 * `file` without its Authenticode certificate table: the file cut where the table starts, the
 * security directory zeroed and the checksum recomputed. What a user asks for with
 * `relocate --force`: the signature is gone, and the report says so. The table must be the end
 * of the file (padding to 8 bytes allowed), as Authenticode appends it; anything else is refused.
 */
export function stripCertificate(file: Uint8Array, path?: string): Uint8Array {
  const image = parsePe(file, path);
  const cert = image.certificate;
  if (cert === null) return file;
  const end = cert.offset + cert.size;
  if (cert.offset < 0 || end > file.length || file.length - end >= 8) {
    throw badFormat('the certificate table is not at the end of the file', path);
  }
  const lastSectionEnd = Math.max(...image.sections.map((s) => s.rawPointer + s.rawSize));
  if (cert.offset < lastSectionEnd) throw badFormat('the certificate table overlaps a section', path);
  const out = file.slice(0, cert.offset);
  put32(out, image.offsets.directories + 8 * DIR_SECURITY, 0);
  put32(out, image.offsets.directories + 8 * DIR_SECURITY + 4, 0);
  writePeChecksum(out, image.offsets.checksum);
  return out;
}
