#!/usr/bin/env node
/**
 * The `bounce` command. Each subcommand is a thin layer over the library; user errors become
 * one line on stderr and the exit code of their kind (errors.ts), never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeLauncher, type LauncherSpec } from './build.js';
import { joinArgs } from './cmdline.js';
import { BounceError, ErrorCodes } from './errors.js';
import { pythonLauncherSpec } from './python/launcher.js';
import { installEntryPoints } from './python/install.js';
import { expandPaths, inspectPath, type InspectReport } from './inspect.js';
import { convert, type ConvertResult } from './convert.js';
import { relocate, type RelocateResult } from './relocate.js';
import { ARCHES, isArch, type Arch } from './stubs.js';

const VERSION = '0.1.0';

const HELP = `bounce ${VERSION}: Windows launchers for Python entry points and other programs

Usage:
  bounce script OUT.exe --python PATH --entry MODULE:ATTR [--gui] [--arch ARCH]
      A Python entry-point launcher (a zipapp run by PATH).
  bounce proxy OUT.exe --python PATH [--gui] [--arch ARCH]
      Runs PATH with the caller's arguments (like a venv's python.exe).
  bounce exec OUT.exe --program PATH [--arg A]... [--script REL] [--gui] [--arch ARCH]
                      [--allow-breakaway]
      Runs "PATH" A... ["<launcher folder>\\REL"] with the caller's arguments.
  bounce entry-points DIST_INFO_DIR --python PATH --scripts DIR [--relative]
                      [--pythonw PATH] [--arch ARCH] [--no-fsync]
      One launcher per console_scripts / gui_scripts entry of DIST_INFO_DIR. Every file is
      replaced atomically and, unless --no-fsync (as pip and npm write theirs), synced to disk.
  bounce inspect PATH... [--json] [--recursive]
      What each launcher runs: Bounce, uv, distlib (pip), setuptools, posy, Bun, Scoop and
      cmd-shim (npm, pnpm) launchers. A folder stands for the launchers in it.
  bounce relocate PATH... (--from OLD --to NEW | --relative | --absolute) [--at WINDIR]
                  [--dry-run] [--force] [--json]
      Rewrites the interpreter path of every launcher found (folders recursively), each in
      its own format: the prefix OLD (any case, either slash) becomes NEW; or each path is
      stored relative to its launcher's folder, or absolute. WINDIR: where PATH is on the
      Windows machine (needed for --relative/--absolute except on Windows). Signed files are
      left alone unless --force, which removes their signature.
  bounce convert PATH... [--dry-run] [--json]
      Replaces every distlib (pip), uv and setuptools Python launcher found (folders
      recursively) by a Bounce launcher with the same interpreter, script, console/GUI mode and
      architecture; setuptools' -script.py is deleted once the new .exe is in place.

PATH values that are not absolute Windows paths (C:\\..., \\\\server\\...) are relative to the
launcher's folder. With --relative, --python is a path on this machine, stored relative to
--scripts. ARCH: ${ARCHES.join(', ')} (default x64).

Exit codes: 0 ok, 2 usage, 3 invalid input, 4 bad file format, 5 I/O error,
6 relocate, convert: some files failed (the others were done).
`;

function usage(message: string): BounceError {
  return new BounceError('usage', `${message} (see bounce --help)`);
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(args: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (e) {
    // Node's parseArgs messages can run over several lines; the first says what is wrong.
    throw usage(((e as Error).message.split('\n')[0] ?? '').trim());
  }
}

function str(values: Values, name: string, required: true): string;
function str(values: Values, name: string, required?: false): string | undefined;
function str(values: Values, name: string, required = false): string | undefined {
  const v = values[name];
  if (typeof v === 'string') return v;
  if (required) throw usage(`--${name} is required`);
  return undefined;
}

function arch(values: Values): Arch {
  const a = str(values, 'arch') ?? 'x64';
  if (!isArch(a)) throw usage(`--arch must be one of ${ARCHES.join(', ')}, not "${a}"`);
  return a;
}

function oneOutput(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw usage(`${command} takes exactly one output file`);
  return positionals[0]!;
}

const common = { gui: { type: 'boolean' }, arch: { type: 'string' } } as const;

async function build(out: string, spec: LauncherSpec): Promise<void> {
  const bytes = await writeLauncher(out, spec);
  process.stdout.write(`wrote ${out} (${spec.kind}, ${spec.arch ?? 'x64'} ${spec.gui ? 'gui' : 'console'}, ${bytes.length} bytes)\n`);
}

async function cmdScript(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { ...common, python: { type: 'string' }, entry: { type: 'string' } });
  const out = oneOutput(positionals, 'script');
  await build(out, pythonLauncherSpec({ python: str(values, 'python', true), entry: str(values, 'entry', true), gui: values.gui === true, arch: arch(values) }));
}

async function cmdProxy(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { ...common, python: { type: 'string' } });
  const out = oneOutput(positionals, 'proxy');
  await build(out, { kind: 'proxy', program: str(values, 'python', true), gui: values.gui === true, arch: arch(values) });
}

async function cmdExec(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    ...common,
    program: { type: 'string' },
    arg: { type: 'string', multiple: true },
    script: { type: 'string' },
    'allow-breakaway': { type: 'boolean' },
  });
  const out = oneOutput(positionals, 'exec');
  const spec: LauncherSpec = {
    kind: 'exec',
    program: str(values, 'program', true),
    args: (values.arg as string[] | undefined) ?? [],
    gui: values.gui === true,
    arch: arch(values),
    allowBreakaway: values['allow-breakaway'] === true,
  };
  const script = str(values, 'script');
  if (script !== undefined) spec.script = script;
  await build(out, spec);
}

async function cmdEntryPoints(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    arch: { type: 'string' },
    python: { type: 'string' },
    pythonw: { type: 'string' },
    scripts: { type: 'string' },
    relative: { type: 'boolean' },
    'no-fsync': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw usage('entry-points takes exactly one .dist-info folder');
  const pythonw = str(values, 'pythonw');
  const installed = await installEntryPoints(positionals[0]!, {
    python: str(values, 'python', true),
    scriptsDir: str(values, 'scripts', true),
    relative: values.relative === true,
    arch: arch(values),
    durable: values['no-fsync'] !== true,
    ...(pythonw !== undefined ? { pythonw } : {}),
  });
  const lines = installed.map((l) => `${l.path}: ${l.group === 'gui_scripts' ? 'gui' : 'console'} ${l.entryPoint} via ${l.interpreter}\n`);
  process.stdout.write(`${lines.join('')}${installed.length} launcher${installed.length === 1 ? '' : 's'} written\n`);
}

/** One line of `inspect` without --json. */
function describeLauncher(r: InspectReport): string {
  if (r.format === 'unknown') return `${r.path}: unknown (${r.reason})`;
  const parts: string[] = [r.format, r.kind];
  if (r.arch !== null) parts.push(r.arch);
  if (r.gui !== null) parts.push(r.gui ? 'gui' : 'console');
  if (r.interpreter !== null) {
    const args = r.interpreterArgs.length > 0 ? ` ${joinArgs(r.interpreterArgs)}` : '';
    parts.push(`${r.interpreter}${args}${r.interpreterSearched ? ' (searched)' : r.interpreterRelative ? ' (relative)' : ''}`);
  }
  const what = r.entryPoint ?? (r.kind === 'exec' && r.script ? r.script : '');
  if (what) parts.push(what);
  if (r.signed) parts.push('signed');
  return `${r.path}: ${parts.join(' ')}`;
}

async function cmdInspect(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, recursive: { type: 'boolean', short: 'r' } });
  if (positionals.length === 0) throw usage('inspect needs at least one file');
  const rows: InspectReport[] = [];
  for (const path of await expandPaths(positionals, { recursive: values.recursive === true })) rows.push(await inspectPath(path));
  const unreadable = rows.filter((r) => r.format === 'unknown' && r.reason.startsWith('cannot read')).length;
  if (values.json === true) {
    const json = rows.map((r) =>
      r.format === 'unknown' ? { path: r.path, format: r.format, kind: null, arch: null, gui: null, interpreter: null, reason: r.reason } : r,
    );
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    for (const r of rows) process.stdout.write(`${describeLauncher(r)}\n`);
  }
  return unreadable > 0 ? ErrorCodes.io : 0;
}

/** Exit code of `relocate` and `convert` when any file failed (the others were still done). */
const SOME_FAILED = 6;

/** The report of a run over many files: a line per file and a summary line, or --json. */
function reportRun<R extends { path: string; format: string; status: string }>(results: R[], json: boolean, describe: (r: R) => string, summary: string): number {
  if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(`${results.map((r) => `${r.path}: ${r.format} ${describe(r)}\n`).join('')}${summary}\n`);
  return results.some((r) => r.status === 'failed') ? SOME_FAILED : 0;
}

async function cmdRelocate(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    from: { type: 'string' },
    to: { type: 'string' },
    relative: { type: 'boolean' },
    absolute: { type: 'boolean' },
    at: { type: 'string' },
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length === 0) throw usage('relocate needs at least one file or folder');
  const from = str(values, 'from');
  const to = str(values, 'to');
  const at = str(values, 'at');
  const results = await relocate(positionals, {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(at !== undefined ? { at } : {}),
    relative: values.relative === true,
    absolute: values.absolute === true,
    dryRun: values['dry-run'] === true,
    force: values.force === true,
  });
  const count = (s: RelocateResult['status']) => results.filter((r) => r.status === s).length;
  const dryRun = values['dry-run'] === true;
  const describe = (r: RelocateResult): string =>
    r.status === 'changed'
      ? `${dryRun ? 'would change' : 'changed'}: ${r.before} -> ${r.after}${r.signatureRemoved ? ' (signature removed)' : ''}`
      : r.status === 'unchanged'
        ? `unchanged: ${r.before}`
        : `${r.status}: ${r.reason ?? ''}`;
  const summary = `${count('changed')} ${dryRun ? 'to change' : 'changed'}, ${count('unchanged')} unchanged, ${count('skipped')} skipped, ${count('failed')} failed`;
  return reportRun(results, values.json === true, describe, summary);
}

async function cmdConvert(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } });
  if (positionals.length === 0) throw usage('convert needs at least one file or folder');
  const dryRun = values['dry-run'] === true;
  const results = await convert(positionals, { dryRun });
  const count = (s: ConvertResult['status']) => results.filter((r) => r.status === s).length;
  const describe = (r: ConvertResult): string => {
    if (r.status !== 'converted') return `${r.status}: ${r.reason ?? ''}`;
    const mode = [r.arch, r.gui === null ? null : r.gui ? 'gui' : 'console'].filter((x) => x !== null).join(' ');
    const removed = r.removed.length > 0 ? `; ${dryRun ? 'would delete' : 'deleted'} ${r.removed.join(', ')}` : '';
    return `${dryRun ? 'would convert' : 'converted'}: ${r.interpreter ?? ''}${r.entryPoint ? ` ${r.entryPoint}` : ''} (${mode})${removed}`;
  };
  const summary = `${count('converted')} ${dryRun ? 'to convert' : 'converted'}, ${count('skipped')} skipped, ${count('failed')} failed`;
  return reportRun(results, values.json === true, describe, summary);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? ErrorCodes.usage : 0;
  }
  if (command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case 'script':
      await cmdScript(rest);
      return 0;
    case 'proxy':
      await cmdProxy(rest);
      return 0;
    case 'exec':
      await cmdExec(rest);
      return 0;
    case 'entry-points':
      await cmdEntryPoints(rest);
      return 0;
    case 'inspect':
      return cmdInspect(rest);
    case 'relocate':
      return cmdRelocate(rest);
    case 'convert':
      return cmdConvert(rest);
    default:
      throw usage(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof BounceError) {
      process.stderr.write(`bounce: error: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`bounce: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
