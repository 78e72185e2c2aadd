/**
 * Launchers of every format `bounce inspect` reads, for the format tests
 * (test/formats-pe.test.ts, test/formats-sidecar.test.ts) and the dispatcher test
 * (test/inspect.test.ts), plus the seeded mutations those tests throw at them.
 *
 * Made by the real tools (each has a skip reason for when this machine lacks the tool):
 * - distlib: `makeDistlib` runs distlib's own ScriptMaker from this machine's pip with python3,
 *   Windows mode forced (`maker._is_nt = True`, os.name 'nt' and os.linesep chosen while it
 *   writes, and `_get_launcher` supplied because scripts.py defines it only on Windows; ours keeps
 *   its name rule kind + bits + '-arm' and so picks t64/w64/t32/w32/t64-arm/w64-arm). Two more
 *   layouts (`variants`) are written by CPython's own zipfile: the zip appended in 'a' mode to a
 *   file already holding stub and shebang (offsets count from the file's start), and a zipapp
 *   (shebang + zip) with the stub put in front (offsets count from the shebang: the stub's
 *   "case 1"). Skip reason: `distlibSkip()`.
 * - setuptools: `writeSetuptools` runs this machine's setuptools (easy_install's
 *   WindowsExecutableLauncherWriter, for a fake distribution `spam`, its architecture switched by
 *   patching is_64bit / get_platform): the real cli-*.exe / gui-*.exe copies, `-script.py[w]` and
 *   the x86 manifest. Skip reason: `setuptoolsSkip()`.
 * - cmd-shim: `writeCmdShim` calls npm's `cmd-shim` and pnpm's `@zkochan/cmd-shim` (dev
 *   dependencies, always present): their real sh, .cmd and .ps1 files.
 *
 * Constructed from the documented layouts (no such binaries exist here), so they prove the layout
 * we read, not that the real tool writes or accepts it:
 * - uv (`uvLauncher`): a Bounce stub from stub/bin with UV_TRAMPOLINE_KIND / UV_PYTHON_PATH /
 *   UV_SCRIPT_DATA added by replaceResources, as UpdateResourceW would add them (launcher-facts
 *   §6, research/uv-trampoline.md §1.3, §2.2); uv-trailer (`uvTrailerLauncher`): Bounce stub ‖
 *   zip ‖ path ‖ u32 length ‖ UVUV/UVSC/UVPY; posy (`posyLauncher`): Bounce stub ‖ zip.
 *   `uvScript` is uv's __main__.py template (wheel.rs get_script_launcher).
 * - Bun (`bunx`, `writeBunShim`): the `.bunx` encoded here from Bun's BinLinkingShim.zig layout,
 *   sharing no code with src/formats/bun.ts; Scoop (`writeScoopShim`): a `.shim` text (kiennq's
 *   shim.cpp, Scoop's core.ps1). The `.exe` beside either is one of our stubs: any PE serves,
 *   neither reader looks inside beyond the PE headers.
 *
 * Skip reasons (`pythonSkip`, `distlibSkip`, `setuptoolsSkip`) say exactly what is missing:
 * python3 itself, pip's vendored distlib or one of its launchers, setuptools or its writer.
 * `mutate` (with `lengthFields` for PEs, `bunxFields` for `.bunx`) makes seeded hostile variants.
 */
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { ForeignLauncher } from '../../src/formats/types.js';
import { parsePe, readResources, replaceResources, RT_RCDATA, type Resource } from '../../src/pe.js';
import { readStub, type Arch } from '../../src/stubs.js';
import { encodeZip, locateZip } from '../../src/zip.js';

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The bytes of the file at `file`. */
export const readBytes = (file: string): Uint8Array => new Uint8Array(fs.readFileSync(file));

/**
 * What a reader reports for a launcher of `format`: every field at its "nothing stored" value
 * (x64 console, no interpreter, no script, unsigned), then `fields`.
 */
export function expectLauncher(fields: Pick<ForeignLauncher, 'format' | 'kind' | 'files'> & Partial<ForeignLauncher>): ForeignLauncher {
  return {
    arch: 'x64',
    gui: false,
    interpreter: null,
    interpreterArgs: [],
    interpreterRelative: null,
    interpreterSearched: false,
    script: null,
    entryPoint: null,
    signed: false,
    ...fields,
  };
}

// ---------------------------------------------------------------------------------------------
// What this machine has: a skip reason (a string) or false.

function cached<T>(f: () => T): () => T {
  let value: { v: T } | null = null;
  return () => (value ??= { v: f() }).v;
}

/** python3 on PATH. */
export const pythonSkip = cached((): string | false => {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined) return `python3 is not on PATH (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`;
  return r.status === 0 ? false : `python3 --version exited ${r.status}: ${r.stderr.trim()}`;
});

/** The distlib base launchers ScriptMaker needs (pip/_vendor/distlib/{t,w}{64,32,64-arm}.exe). */
const DISTLIB_STUBS = ['t64', 'w64', 't32', 'w32', 't64-arm', 'w64-arm'];

/** python3 with pip's vendored distlib and every base launcher ScriptMaker is asked for here. */
export const distlibSkip = cached((): string | false => {
  const noPython = pythonSkip();
  if (noPython !== false) return noPython;
  const code = 'import os, sys, pip._vendor.distlib.scripts as s; print(os.path.dirname(s.__file__))';
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) return `python3 has no pip with a vendored distlib (import pip._vendor.distlib.scripts failed: ${r.stderr.trim().split('\n').pop() ?? ''})`;
  const dir = r.stdout.trim();
  const missing = DISTLIB_STUBS.filter((s) => !fs.existsSync(path.join(dir, `${s}.exe`)));
  return missing.length === 0 ? false : `pip's distlib in ${dir} lacks the Windows launchers ${missing.map((s) => `${s}.exe`).join(', ')}`;
});

/** python3 with a setuptools that still has easy_install's WindowsExecutableLauncherWriter. */
export const setuptoolsSkip = cached((): string | false => {
  const noPython = pythonSkip();
  if (noPython !== false) return noPython;
  const code = String.raw`
import warnings
warnings.simplefilter('ignore')
try:
    import setuptools
except ImportError:
    print('python3 has no setuptools (import setuptools failed)')
    raise SystemExit
try:
    from setuptools.command.easy_install import WindowsExecutableLauncherWriter
except ImportError:
    print('setuptools %s has no easy_install.WindowsExecutableLauncherWriter' % setuptools.__version__)
    raise SystemExit
import os
d = os.path.dirname(setuptools.__file__)
missing = [n for n in ('cli-64.exe', 'gui-64.exe', 'cli-32.exe', 'gui-32.exe', 'cli-arm64.exe', 'gui-arm64.exe') if not os.path.exists(os.path.join(d, n))]
print('setuptools %s in %s lacks %s' % (setuptools.__version__, d, ', '.join(missing)) if missing else 'ok')
`;
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  const said = r.stdout.trim();
  if (r.status !== 0) return `probing setuptools failed: ${r.stderr.trim()}`;
  return said === 'ok' ? false : said;
});

// ---------------------------------------------------------------------------------------------
// distlib (real: ScriptMaker)

/** The entry point every Python fixture runs (`demo_pkg.cli:main`). */
export const DEMO_ENTRY = 'demo_pkg.cli:main';

export interface DistlibJob {
  /** The launcher is written as `<dir>/<name>.exe`. */
  name: string;
  arch: Arch;
  gui?: boolean;
  /** What get_executable() returns (ScriptMaker quotes it if it holds a space). */
  python?: string;
  /** maker.executable: written as is. */
  executable?: string;
  args?: string[];
  linesep?: string;
  /** Also write `<name>-absolute.exe` and `<name>-zipapp.exe` (the other offset conventions). */
  variants?: boolean;
}

const PY_MAKER = String.raw`
import io, json, os, sys, zipfile
from pip._vendor.distlib import scripts
from pip._vendor.distlib.scripts import ScriptMaker

STUBS = os.path.dirname(scripts.__file__)
out = {}
for job in json.loads(sys.argv[1]):
    maker = ScriptMaker(None, sys.argv[2], add_launchers=True)
    maker._is_nt = True
    maker.variants = {''}
    bits, suffix = {'x64': ('64', ''), 'x86': ('32', ''), 'arm64': ('64', '-arm')}[job['arch']]
    maker._get_launcher = lambda kind, b=bits, s=suffix: open(os.path.join(STUBS, kind + b + s + '.exe'), 'rb').read()
    if job.get('executable') is not None:
        maker.executable = job['executable']
    else:
        scripts.get_executable = lambda p=job['python']: p
    saved = os.name, os.linesep
    os.name, os.linesep = 'nt', job.get('linesep', '\n')
    try:
        options = {'gui': True} if job.get('gui') else {}
        if job.get('args'):
            options['interpreter_args'] = job['args']
        [written] = maker.make(job['name'] + ' = ' + sys.argv[3], options or None)
    finally:
        os.name, os.linesep = saved
    with zipfile.ZipFile(written) as z:
        main = z.read('__main__.py')
    out[job['name']] = {'file': written, 'main': main.decode('utf-8')}
    # The same script in the two other offset conventions, written by CPython's zipfile.
    if job.get('variants'):
        stub = open(os.path.join(STUBS, 't64.exe'), 'rb').read()
        data = open(written, 'rb').read()
        shebang = data[len(stub):data.index(b'PK\x03\x04', len(stub))]
        absolute = io.BytesIO(); absolute.write(stub + shebang)
        with zipfile.ZipFile(absolute, 'a') as z:
            z.writestr('__main__.py', main)
        zipapp = io.BytesIO(); zipapp.write(shebang)
        with zipfile.ZipFile(zipapp, 'a') as z:
            z.writestr('__main__.py', main)
        for kind, content in (('absolute', absolute.getvalue()), ('zipapp', stub + zipapp.getvalue())):
            name = os.path.join(sys.argv[2], job['name'] + '-' + kind + '.exe')
            open(name, 'wb').write(content)
            out[job['name'] + '-' + kind] = {'file': name, 'main': main.decode('utf-8')}
print(json.dumps(out))
`;

/** A launcher a tool wrote, and the `__main__.py` inside it. */
export interface MadeScript {
  file: string;
  main: string;
}

/**
 * distlib launchers for `jobs`, written into `dir` by ScriptMaker, each running DEMO_ENTRY; keyed
 * by job name (and `<name>-absolute`, `<name>-zipapp` for jobs with `variants`). Callers check
 * `distlibSkip()` first.
 */
export function makeDistlib(dir: string, jobs: readonly DistlibJob[]): Record<string, MadeScript> {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('python3', ['-c', PY_MAKER, JSON.stringify(jobs), dir, DEMO_ENTRY], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ScriptMaker failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, MadeScript>;
}

// ---------------------------------------------------------------------------------------------
// uv (resources), uv-trailer and posy: constructed.

/** uv's __main__.py (crates/uv-install-wheel wheel.rs get_script_launcher, uv >= 0.5.19), running DEMO_ENTRY. */
export function uvScript(python: string): string {
  return (
    `#!${python}\n# -*- coding: utf-8 -*-\nimport sys\nfrom demo_pkg.cli import main\nif __name__ == "__main__":\n` +
    '    if sys.argv[0].endswith("-script.pyw"):\n        sys.argv[0] = sys.argv[0][:-11]\n' +
    '    elif sys.argv[0].endswith(".exe"):\n        sys.argv[0] = sys.argv[0][:-4]\n    sys.exit(main())\n'
  );
}

/** A stored zip holding only `__main__.py` = `text`, its offsets relative to itself. */
export const mainZip = (text: string): Uint8Array => encodeZip([{ name: '__main__.py', data: utf8(text) }]);

/** A Bounce stub plus uv's resources (language 0), as UpdateResourceW would add them. */
export function uvLauncher(o: { arch?: Arch; gui?: boolean; kind: 1 | 2; python: string; zip?: Uint8Array }): Uint8Array {
  const stub = readStub(o.arch ?? 'x64', o.gui ?? false);
  const existing: Resource[] = readResources(stub, parsePe(stub)).map((r) => ({ type: r.type, name: r.name, lang: r.lang, data: r.data, codePage: r.codePage }));
  const uv: Resource[] = [
    { type: RT_RCDATA, name: 'UV_TRAMPOLINE_KIND', lang: 0, data: new Uint8Array([o.kind]) },
    { type: RT_RCDATA, name: 'UV_PYTHON_PATH', lang: 0, data: utf8(o.python) },
  ];
  if (o.zip !== undefined) uv.push({ type: RT_RCDATA, name: 'UV_SCRIPT_DATA', lang: 0, data: o.zip });
  return replaceResources(stub, [...existing, ...uv]).file;
}

/** Bounce stub ‖ zip ‖ path ‖ u32 LE length ‖ magic. */
export function uvTrailerLauncher(o: { magic: 'UVUV' | 'UVSC' | 'UVPY'; python: string; zip?: Uint8Array; arch?: Arch; gui?: boolean }): Uint8Array {
  const p = utf8(o.python);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, p.length, true);
  return Buffer.concat([readStub(o.arch ?? 'x64', o.gui ?? false), o.zip ?? new Uint8Array(0), p, len, utf8(o.magic)]);
}

/** posy: a Bounce stub ‖ a zip holding `script` as __main__.py. */
export function posyLauncher(script: string, o: { arch?: Arch; gui?: boolean } = {}): Uint8Array {
  return Buffer.concat([readStub(o.arch ?? 'x64', o.gui ?? false), mainZip(script)]);
}

// ---------------------------------------------------------------------------------------------
// setuptools (real)

const SETUPTOOLS_WRITER = String.raw`
import json, os, sys, warnings
warnings.simplefilter('ignore')
spec = json.loads(sys.argv[1])
import setuptools.command.easy_install as m
arch = spec['arch']
m.is_64bit = lambda: arch != 'x86'
m.get_platform = lambda: {'x64': 'win-amd64', 'x86': 'win32', 'arm64': 'win-arm64'}[arch]
class Dist:
    def as_requirement(self):
        return 'spam==1.0'
    def get_entry_map(self, group):
        return {'console_scripts': {'spam': None}, 'gui_scripts': {'spam-gui': None}}[group]
W = m.WindowsExecutableLauncherWriter
header = W.get_header('', spec['executable'])
for res in W.get_args(Dist(), header):
    name, data, mode = res[0], res[1], res[2]
    with open(os.path.join(spec['dir'], name), 'wb' if mode == 'b' else 'w') as f:
        f.write(data)
`;

/**
 * Writes setuptools' launchers for the distribution `spam==1.0` into `dir`: `spam.exe` +
 * `spam-script.py` (console) and `spam-gui.exe` + `spam-gui-script.pyw` (GUI), plus
 * `<name>.exe.manifest` for x86. `executable`: a string (setuptools shlex-splits it) or the
 * interpreter and its arguments. Callers check `setuptoolsSkip()` first.
 */
export function writeSetuptools(dir: string, arch: Arch, executable: string | string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('python3', ['-c', SETUPTOOLS_WRITER, JSON.stringify({ dir, arch, executable })], { encoding: 'utf8' });
  assert.equal(r.status, 0, `setuptools' writer failed: ${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// Bun and Scoop: constructed.

const utf16 = (s: string): Buffer => Buffer.from(s, 'utf16le');

/**
 * A `.bunx` as Bun's encoder lays it out (BinLinkingShim.zig): the target path (UTF-16LE), `"\0`,
 * then with a shebang command: the command plus a space (UTF-16LE) and two u32 LE byte lengths
 * (target, command); last a u16 of flags (version tag << 3 | has-shebang 4 | is-node 2 |
 * node-or-bun 1).
 */
export function bunx(binPath: string, command: string | null, tag = 5478): Uint8Array {
  const parts: Buffer[] = [utf16(binPath), utf16('"\0')];
  let flags = tag << 3;
  if (command !== null) {
    const cmd = utf16(`${command} `);
    const lengths = Buffer.alloc(8);
    lengths.writeUInt32LE(utf16(binPath).length, 0);
    lengths.writeUInt32LE(cmd.length, 4);
    parts.push(cmd, lengths);
    flags |= 4;
    const program = command.split(' ')[0];
    if (program === 'node' || program === 'bun') flags |= 1;
    if (tag >= 5477 && (command === 'node' || command.startsWith('node '))) flags |= 2;
  }
  const f = Buffer.alloc(2);
  f.writeUInt16LE(flags);
  parts.push(f);
  return new Uint8Array(Buffer.concat(parts));
}

/** The fields of a `.bunx` made by `bunx` worth inflating: the two u32 lengths (with a command) and the u16 flags. */
export function bunxFields(data: Uint8Array): Field[] {
  if (data.length < 2) return [];
  const flags = data[data.length - 2]! | (data[data.length - 1]! << 8);
  const lengths: Field[] = (flags & 4) === 0 || data.length < 10 ? [] : [{ at: data.length - 10, size: 4 }, { at: data.length - 6, size: 4 }];
  return [...lengths, { at: data.length - 2, size: 2 }];
}

/** `<dir>/<name>.exe` (`exe`, default our x64 console stub) beside `<dir>/<name>.bunx`; returns the .exe. */
export function writeBunShim(dir: string, name: string, data: Uint8Array, exe: Uint8Array = readStub('x64', false)): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.bunx`), data);
  return writeFile(path.join(dir, `${name}.exe`), exe);
}

/** `<dir>/<name>.exe` (`exe`, default our x64 console stub) beside `<dir>/<name>.shim`; returns the .exe. */
export function writeScoopShim(dir: string, name: string, content: string | Uint8Array, exe: Uint8Array = readStub('x64', false)): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.shim`), content);
  return writeFile(path.join(dir, `${name}.exe`), exe);
}

function writeFile(file: string, bytes: Uint8Array): string {
  fs.writeFileSync(file, bytes);
  return file;
}

// ---------------------------------------------------------------------------------------------
// cmd-shim (real: npm's and pnpm's packages)

/** @zkochan/cmd-shim's options (the ones these tests use). */
export interface PnpmOptions {
  createCmdFile?: boolean;
  createPwshFile?: boolean;
  preserveSymlinks?: boolean;
  progArgs?: string[];
  nodePath?: string | string[];
  nodeExecPath?: string;
  prependToPath?: string;
}

const require = createRequire(import.meta.url);
const npmCmdShim = require('cmd-shim') as (from: string, to: string) => Promise<void>;
const pnpmCmdShim = require('@zkochan/cmd-shim') as (src: string, to: string, opts?: PnpmOptions) => Promise<void>;

/**
 * The sh, `.cmd` and `.ps1` files `tool` writes at `to` for the target `target` (pnpm with
 * `createCmdFile: true` and `opts`); returns them in that order.
 */
export async function writeCmdShim(tool: 'npm' | 'pnpm', target: string, to: string, opts: PnpmOptions = {}): Promise<string[]> {
  if (tool === 'npm') await npmCmdShim(target, to);
  else await pnpmCmdShim(target, to, { createCmdFile: true, ...opts });
  return cmdShimFiles(to);
}

/** The three files of the cmd-shim at `to`: sh, .cmd, .ps1. */
export const cmdShimFiles = (to: string): string[] => [to, `${to}.cmd`, `${to}.ps1`];

// ---------------------------------------------------------------------------------------------
// Mutations: seeded, so a failure names its seed and step and reproduces.

/** A little-endian length or offset field worth inflating. */
export interface Field {
  at: number;
  size: 2 | 4;
}

/** Length and offset fields of a PE launcher: PE headers, resource data entries, zip records, uv's trailer. */
export function lengthFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [{ at: 0x3c, size: 4 }];
  const pe = parsePe(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const e = view.getUint16(0x3c, true);
  fields.push({ at: e + 6, size: 2 }, { at: e + 20, size: 2 }, { at: pe.offsets.directories - 4, size: 4 });
  for (let i = 0; i < pe.directories.length; i++) fields.push({ at: pe.offsets.directories + 8 * i, size: 4 }, { at: pe.offsets.directories + 8 * i + 4, size: 4 });
  for (const s of pe.sections) for (const k of [8, 12, 16, 20]) fields.push({ at: s.headerOffset + k, size: 4 });
  const rsrc = pe.sections.find((s) => s.name === '.rsrc');
  if (rsrc !== undefined) {
    for (const r of readResources(bytes, pe)) {
      const rva = r.fileOffset - rsrc.rawPointer + rsrc.virtualAddress;
      for (let at = rsrc.rawPointer; at + 8 <= rsrc.rawPointer + rsrc.rawSize; at += 4) {
        if (view.getUint32(at, true) === rva && view.getUint32(at + 4, true) === r.data.length) fields.push({ at, size: 4 }, { at: at + 4, size: 4 });
      }
    }
    for (let at = rsrc.rawPointer; at < rsrc.rawPointer + Math.min(rsrc.rawSize, 128); at += 2) fields.push({ at, size: 2 });
  }
  try {
    const z = locateZip(bytes);
    for (const k of [8, 10]) fields.push({ at: z.endPos + k, size: 2 });
    for (const k of [12, 16]) fields.push({ at: z.endPos + k, size: 4 });
    fields.push({ at: z.endPos + 20, size: 2 });
    for (const f of z.localOffsetFields) {
      const c = f - 42;
      for (const k of [20, 24, 42]) fields.push({ at: c + k, size: 4 });
      for (const k of [28, 30, 32]) fields.push({ at: c + k, size: 2 });
      const local = z.arcOffset + view.getUint32(f, true);
      for (const k of [18, 22]) fields.push({ at: local + k, size: 4 });
      for (const k of [26, 28]) fields.push({ at: local + k, size: 2 });
    }
  } catch {
    // no zip (a proxy, or a launcher whose payload is beside it)
  }
  if (/^UV(UV|SC|PY)$/.test(Buffer.from(bytes.subarray(bytes.length - 4)).toString('latin1'))) fields.push({ at: bytes.length - 8, size: 4 });
  return fields.filter((f) => f.at >= 0 && f.at + f.size <= bytes.length);
}

/**
 * One seeded mutation of `base`: 1 to 4 bytes changed, a truncation, or one of `fields` set to a
 * large or off-by-one value (only the first two when `fields` is empty). Half the byte changes
 * and truncations fall in the last `tail` bytes, where the payload is. `how` says what was done.
 */
export function mutate(rand: () => number, base: Uint8Array, fields: readonly Field[], tail: number): { how: string; bytes: Uint8Array } {
  const pick = (n: number): number => Math.floor(rand() * n);
  const kind = pick(fields.length === 0 ? 2 : 3);
  const nearEnd = (): number => (rand() < 0.5 ? Math.max(0, base.length - 1 - pick(tail)) : pick(base.length));
  if (kind === 0) {
    const b = base.slice();
    const n = 1 + pick(4);
    const spots: number[] = [];
    for (let i = 0; i < n && b.length > 0; i++) {
      const at = nearEnd();
      b[at] = pick(256);
      spots.push(at);
    }
    return { how: `bytes changed at ${spots.join(', ')}`, bytes: b };
  }
  if (kind === 1) {
    const len = nearEnd();
    return { how: `truncated to ${len}`, bytes: base.slice(0, len) };
  }
  const f = fields[pick(fields.length)]!;
  const b = base.slice();
  const view = new DataView(b.buffer);
  const old = f.size === 2 ? view.getUint16(f.at, true) : view.getUint32(f.at, true);
  const values = f.size === 2 ? [0xffff, 0x8000, old + 1, old * 2 + 1, pick(0x10000)] : [0xffffffff, 0x7fffffff, 0x80000000, b.length, b.length + 1, old + 1, old * 2 + 1, Math.floor(rand() * 2 ** 32)];
  const v = values[pick(values.length)]! % (f.size === 2 ? 0x10000 : 2 ** 32);
  if (f.size === 2) view.setUint16(f.at, v, true);
  else view.setUint32(f.at, v, true);
  return { how: `${f.size}-byte field at ${f.at} set from ${old} to ${v}`, bytes: b };
}

/** sha256 of every file under `dir`, by path: to show a run left a folder byte-identical. */
export function folderHashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, createHash('sha256').update(fs.readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}
