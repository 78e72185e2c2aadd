/**
 * Reporting for `npm run bench` (issue 4): from a BenchResults, the tables (plain text for
 * stdout, Markdown for the README), issue 4's budgets evaluated as figures with PASS/MISS (never
 * assertions), the SVG chart (hand-written: launch ratio per candidate, then launchers per second)
 * and the README section between `<!-- bench:start -->` and `<!-- bench:end -->` rewritten.
 */
import * as fs from 'node:fs';
import type { BenchResults, LaunchResult, MemoryResult, ThroughputResult } from './types.js';

/** What the run knows besides the figures. */
export interface ReportContext {
  /** The command that produced the figures, e.g. "npm run bench". */
  command: string;
  /** Settings worth printing, e.g. "9 rounds of 20 launches, 1000 entry points". */
  settings: string;
  skipped: { candidate: string; reason: string }[];
  notes: string[];
}

export interface Budget {
  name: string;
  /** The measured figure against the limit, e.g. "2.31 (limit 2.05)". */
  figure: string;
  /** null: not measured in this run. */
  pass: boolean | null;
}

interface Table {
  title: string;
  head: string[];
  rows: string[][];
}

// ---------------------------------------------------------------------------------------------
// Finding candidates and formatting figures

const BOUNCE_SCRIPT = /^bounce script/i;
const DISTLIB = /^distlib/i;

const find = <T extends { candidate: string }>(rows: T[], pattern: RegExp): T | undefined => rows.find((r) => pattern.test(r.candidate));
const ms = (v: number): string => v.toFixed(v < 10 ? 2 : 1);
const times = (v: number): string => `${v.toFixed(v < 10 ? 2 : 1)}×`;
const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const kib = (v: number): string => `${int(v / 1024)} KiB`;

// ---------------------------------------------------------------------------------------------
// Tables

function launchTable(launch: LaunchResult[]): Table {
  const floor = find(launch, /^floor/i);
  return {
    title: 'Launch cost (per launch; ratio to starting the interpreter directly, and to the floor launcher)',
    head: ['candidate', 'samples', 'median ms', 'min-max ms', 'ratio', 'vs floor'],
    rows: launch.map((l) => [l.candidate, String(l.samples), ms(l.medianMs), `${ms(l.minMs)}-${ms(l.maxMs)}`, l.ratio.toFixed(2), floor === undefined ? '-' : (l.ratio / floor.ratio).toFixed(2)]),
  };
}

/** The memory row of an empty process (the interpreter stand-in, started directly). */
const EMPTY_PROCESS = /^probe directly/i;

/** Private bytes above an empty process's: what the launcher itself adds. */
function aboveEmpty(m: MemoryResult, memory: MemoryResult[]): number | undefined {
  const empty = find(memory, EMPTY_PROCESS);
  return empty === undefined ? undefined : Math.max(0, m.privateBytes - empty.privateBytes);
}

function memoryTable(memory: MemoryResult[]): Table {
  const d = find(memory, DISTLIB);
  const ratio = (v: number, base: number | undefined): string => (base === undefined || base === 0 ? '-' : (v / base).toFixed(2));
  return {
    title: 'Memory of the launcher process while its child runs (ratios to distlib; "probe directly" is an empty process)',
    head: ['candidate', 'peak working set', 'private bytes', 'above an empty process', 'WS ratio', 'private ratio'],
    rows: memory.map((m) => {
      const above = aboveEmpty(m, memory);
      return [m.candidate, kib(m.peakWorkingSetBytes), kib(m.privateBytes), above === undefined ? '-' : kib(above), ratio(m.peakWorkingSetBytes, d?.peakWorkingSetBytes), ratio(m.privateBytes, d?.privateBytes)];
    }),
  };
}

/** The throughput rows measured in the same place as `t` (disk or tmpfs). */
const samePlace = (rows: ThroughputResult[], t: ThroughputResult): ThroughputResult[] => rows.filter((r) => (r.where ?? 'disk') === (t.where ?? 'disk'));

function throughputTable(throughput: ThroughputResult[]): Table {
  const ratio = (t: ThroughputResult, base: RegExp): string => {
    const b = find(samePlace(throughput, t), base);
    return b === undefined ? '-' : times(t.perSecond / b.perSecond);
  };
  return {
    title: 'Build throughput (writing the launchers for N entry points; ratios within the same place)',
    head: ['candidate', 'where', 'launchers', 'seconds', 'per second', 'vs distlib', 'vs cmd-shim'],
    rows: throughput.map((t) => [t.candidate, t.where ?? 'disk', int(t.launchers), t.seconds.toFixed(3), int(t.perSecond), ratio(t, DISTLIB), ratio(t, /^cmd-shim/i)]),
  };
}

function sizeTable(r: BenchResults): Table {
  return {
    title: 'Sizes (bytes)',
    head: ['launcher', 'bytes', 'source'],
    rows: r.sizes.map((s) => [s.name, int(s.bytes), s.source]),
  };
}

function budgetTable(budgets: Budget[]): Table {
  return {
    title: "Issue 4's budgets (figures, not assertions)",
    head: ['budget', 'figure', 'result'],
    rows: budgets.map((b) => [b.name, b.figure, b.pass === null ? 'n/a' : b.pass ? 'PASS' : 'MISS']),
  };
}

function tables(r: BenchResults): Table[] {
  const all: Table[] = [];
  if (r.launch.length > 0) all.push(launchTable(r.launch));
  if (r.memory.length > 0) all.push(memoryTable(r.memory));
  if (r.throughput.length > 0) all.push(throughputTable(r.throughput));
  all.push(sizeTable(r), budgetTable(evaluateBudgets(r)));
  return all;
}

function textTable(t: Table): string {
  const widths = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [t.title, line(t.head), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

function markdownTable(t: Table): string {
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  // Right-align the columns of figures only.
  const numeric = (i: number): boolean => i > 0 && t.rows.length > 0 && t.rows.every((row) => /^[\d,.]+(×| KiB)?$|^[\d.]+-[\d.]+$|^-$/.test(row[i] ?? ''));
  return [`**${t.title}**`, '', line(t.head), `|${t.head.map((_, i) => (numeric(i) ? '---:' : '---')).join('|')}|`, ...t.rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Budgets

/** Limits compared with a little slack for floating point: (2.2 - 1) / (3 - 1) is 0.6000000000000001. */
const atMost = (v: number, limit: number): boolean => v <= limit + 1e-9;
const atLeast = (v: number, limit: number): boolean => v >= limit - 1e-9;

export function evaluateBudgets(r: BenchResults): Budget[] {
  const budgets: Budget[] = [];
  const bs = find(r.launch, BOUNCE_SCRIPT);
  const dl = find(r.launch, DISTLIB);
  budgets.push(
    bs === undefined
      ? { name: 'launch ratio, Bounce script ≤ 2.05', figure: 'not measured', pass: null }
      : { name: 'launch ratio, Bounce script ≤ 2.05', figure: `${bs.ratio.toFixed(2)} (limit 2.05)`, pass: atMost(bs.ratio, 2.05) },
  );
  if (bs === undefined || dl === undefined) {
    budgets.push({ name: 'Bounce overhead ≤ 60% of distlib', figure: 'not measured', pass: null });
  } else {
    const share = (bs.ratio - 1) / (dl.ratio - 1);
    budgets.push({ name: 'Bounce overhead ≤ 60% of distlib', figure: `${(bs.ratio - 1).toFixed(2)} / ${(dl.ratio - 1).toFixed(2)} = ${(share * 100).toFixed(0)}% (limit 60%)`, pass: atMost(share, 0.6) });
  }
  const bm = find(r.memory, BOUNCE_SCRIPT) ?? find(r.memory, /^bounce/i);
  const dm = find(r.memory, DISTLIB);
  if (bm === undefined || dm === undefined) {
    budgets.push({ name: 'private bytes ≤ half of distlib', figure: 'not measured', pass: null });
  } else {
    const share = bm.privateBytes / dm.privateBytes;
    budgets.push({ name: 'private bytes ≤ half of distlib', figure: `${kib(bm.privateBytes)} / ${kib(dm.privateBytes)} = ${(share * 100).toFixed(0)}% (limit 50%)`, pass: atMost(share, 0.5) });
    // Our reading beside the issue's: an empty process already commits most of those bytes under
    // Wine, so what the launcher itself adds is the part a launcher can change.
    const b = aboveEmpty(bm, r.memory);
    const dl = aboveEmpty(dm, r.memory);
    const name = 'private bytes above an empty process ≤ half of distlib (our reading)';
    if (b === undefined || dl === undefined || dl === 0) budgets.push({ name, figure: 'not measured', pass: null });
    else budgets.push({ name, figure: `${kib(b)} / ${kib(dl)} = ${((b / dl) * 100).toFixed(0)}% (limit 50%)`, pass: atMost(b / dl, 0.5) });
  }
  // "no fsync" rows are like-for-like (distlib and cmd-shim do not sync); the default rows sync.
  for (const where of ['disk', 'tmpfs'] as const) {
    const rows = r.throughput.filter((t) => (t.where ?? 'disk') === where);
    if (rows.length === 0) continue;
    const d = find(rows, DISTLIB);
    const c = find(rows, /^cmd-shim/i);
    for (const who of ['bounce library, no fsync', 'bounce library', 'bounce entry-points --no-fsync']) {
      const b = rows.find((t) => t.candidate === who);
      for (const [base, label, limit] of [[d, 'distlib ScriptMaker', 10], [c, 'cmd-shim', 2]] as const) {
        const name = `throughput (${where}), ${who} ≥ ${limit}× ${label}`;
        if (b === undefined || base === undefined) budgets.push({ name, figure: 'not measured', pass: null });
        else budgets.push({ name, figure: `${times(b.perSecond / base.perSecond)} (${int(b.perSecond)}/s vs ${int(base.perSecond)}/s)`, pass: atLeast(b.perSecond / base.perSecond, limit) });
      }
    }
  }
  return budgets;
}

// ---------------------------------------------------------------------------------------------
// Plain text, for stdout

export function formatText(r: BenchResults, ctx: ReportContext): string {
  const parts = [`Bounce benchmarks, ${r.date}, ${r.machine} (${ctx.settings})`, ...tables(r).map(textTable)];
  if (ctx.notes.length > 0) parts.push(['Notes', ...ctx.notes.map((n) => `- ${n}`)].join('\n'));
  if (ctx.skipped.length > 0) parts.push(['Skipped', ...ctx.skipped.map((s) => `- ${s.candidate}: ${s.reason}`)].join('\n'));
  return `${parts.join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// SVG chart

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Bar {
  label: string;
  value: number;
  text: string;
}

/** Horizontal bars of two groups (launch ratio, launchers per second), labelled, with the date and machine. */
export function renderSvg(r: BenchResults): string {
  const W = 860;
  const LABEL = 280;
  const BAR = 430;
  const ROW = 22;
  const out: string[] = [];
  let y = 30;
  const group = (title: string, bars: Bar[], empty: string, marker?: { at: number; label: string }): void => {
    out.push(`<text x="10" y="${y}" class="h">${esc(title)}</text>`);
    y += 12;
    if (bars.length === 0) {
      out.push(`<text x="${LABEL}" y="${y + 14}" class="n">${esc(empty)}</text>`);
      y += ROW + 20;
      return;
    }
    const max = Math.max(...bars.map((b) => b.value), marker?.at ?? 0);
    const top = y;
    for (const b of bars) {
      const w = max > 0 ? Math.max(1, (b.value / max) * BAR) : 1;
      const cls = /^bounce/i.test(b.label) ? 'b' : 'o';
      out.push(`<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`);
      out.push(`<rect x="${LABEL}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" class="${cls}"/>`);
      out.push(`<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 15}">${esc(b.text)}</text>`);
      y += ROW;
    }
    if (marker !== undefined && max > 0) {
      const x = (LABEL + (marker.at / max) * BAR).toFixed(1);
      out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${y}" class="m"/>`, `<text x="${x}" y="${y + 12}" text-anchor="middle" class="n">${esc(marker.label)}</text>`);
      y += 12;
    }
    y += 28;
  };
  group(
    'Launch cost: ratio to starting the interpreter directly (lower is better)',
    r.launch.map((l) => ({ label: l.candidate, value: l.ratio, text: l.ratio.toFixed(2) })),
    'not measured in this run',
    r.launch.length > 0 ? { at: 2, label: 'floor 2.00' } : undefined,
  );
  group(
    'Launcher memory: private bytes above an empty process, KiB (lower is better)',
    r.memory.flatMap((m) => {
      const above = aboveEmpty(m, r.memory);
      return above === undefined || EMPTY_PROCESS.test(m.candidate) ? [] : [{ label: m.candidate, value: above / 1024, text: kib(above) }];
    }),
    'not measured in this run',
  );
  // Per second as a multiple of distlib's in the same place: disk and tmpfs differ ten-fold, so
  // raw rates on one scale would hide the disk rows.
  const throughputBars = r.throughput.flatMap((t) => {
    const d = find(samePlace(r.throughput, t), DISTLIB);
    if (d === undefined) return [];
    const x = t.perSecond / d.perSecond;
    return [{ label: t.where === 'tmpfs' ? `${t.candidate} (tmpfs)` : t.candidate, value: x, text: `${times(x)} (${int(t.perSecond)}/s)` }];
  });
  group(
    "Build throughput: launchers per second as a multiple of distlib's ScriptMaker in the same place (higher is better)",
    throughputBars,
    'not measured in this run',
    throughputBars.length > 0 ? { at: 10, label: 'budget 10×' } : undefined,
  );
  out.push(`<text x="10" y="${y}" class="n">${esc(`npm run bench, ${r.date.slice(0, 10)}, ${r.machine}`)}</text>`);
  const H = y + 14;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    '<style>text{fill:#222}.h{font-weight:bold;font-size:13px}.n{fill:#666;font-size:11px}.b{fill:#2a7ab0}.o{fill:#b0b0b0}.m{stroke:#c33;stroke-dasharray:4 3}</style>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// README

export const README_START = '<!-- bench:start -->';
export const README_END = '<!-- bench:end -->';

/** The Markdown between the markers. */
export function formatMarkdown(r: BenchResults, ctx: ReportContext, chart = 'bench/results/chart.svg'): string {
  const parts = [
    `Measured with \`${ctx.command}\` on ${r.date.slice(0, 10)}, ${r.machine} (${ctx.settings}). ` +
      'Only ratios measured in the same run compare: absolute milliseconds under Wine mean little. ' +
      'The figures are in `bench/results/latest.json` (and one file per date).',
    `![bench chart](${chart})`,
    ...tables(r).map(markdownTable),
  ];
  if (ctx.notes.length > 0) parts.push(ctx.notes.map((n) => `- ${n}`).join('\n'));
  if (ctx.skipped.length > 0) parts.push(['Not measured in this run:', '', ...ctx.skipped.map((s) => `- ${s.candidate}: ${s.reason}`)].join('\n'));
  return parts.join('\n\n');
}

/** Replaces the README's benchmark section; false when the markers are missing. */
export function updateReadme(file: string, r: BenchResults, ctx: ReportContext): boolean {
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return false;
  const next = `${text.slice(0, start + README_START.length)}\n${formatMarkdown(r, ctx)}\n${text.slice(end)}`;
  if (next !== text) fs.writeFileSync(file, next);
  return true;
}
