// Tests for bench/: the report (issue 4's budgets as PASS/MISS figures, the tables, the chart and
// the README section) on hand-made results, and a smoke run of the launch and throughput benches
// with tiny settings (structure only: no timing is asserted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateBudgets, formatText, README_END, README_START, renderSvg, updateReadme, type ReportContext } from '../bench/report.js';
import { runThroughputBench } from '../bench/throughput.js';
import type { BenchResults } from '../bench/types.js';
import { windowsRuntime } from './support/wine.js';

const launch = (candidate: string, ratio: number) => ({ candidate, samples: 10, medianMs: 10 * ratio, minMs: 9 * ratio, maxMs: 11 * ratio, ratio });
const memory = (candidate: string, privateKiB: number) => ({ candidate, peakWorkingSetBytes: 6000 * 1024, privateBytes: privateKiB * 1024 });
const rate = (candidate: string, perSecond: number, where: 'disk' | 'tmpfs' = 'disk') => ({ candidate, where, launchers: 1000, seconds: 1000 / perSecond, perSecond });

function results(over: Partial<BenchResults> = {}): BenchResults {
  return {
    date: '2026-12-04T00:00:00.000Z',
    machine: 'Wine 8.0, Linux x86_64, 2 cores',
    launch: [launch('probe directly', 1), launch('bounce script', 2.0), launch('distlib t64', 3.0), launch('floor', 2.0)],
    memory: [memory('probe directly', 3000), memory('bounce script', 3000), memory('distlib t64', 5000)],
    throughput: [
      rate('bounce library, no fsync', 12_000),
      rate('bounce library', 9_000),
      rate('bounce entry-points --no-fsync', 3_000),
      rate('distlib ScriptMaker', 1_000),
      rate('cmd-shim', 5_000),
      rate('bounce library, no fsync', 1_000, 'tmpfs'),
      rate('distlib ScriptMaker', 2_000, 'tmpfs'),
    ],
    sizes: [{ name: 'bounce x64-console', bytes: 7168, source: 'measured' }],
    ...over,
  };
}

const byName = (r: BenchResults) => new Map(evaluateBudgets(r).map((b) => [b.name, b]));

test('budgets: each limit passes at the limit and misses just beyond it', () => {
  assert.equal(byName(results({ launch: [launch('probe directly', 1), launch('bounce script', 2.05)] })).get('launch ratio, Bounce script ≤ 2.05')?.pass, true);
  assert.equal(byName(results({ launch: [launch('probe directly', 1), launch('bounce script', 2.06)] })).get('launch ratio, Bounce script ≤ 2.05')?.pass, false);
  // Overhead: (2.2 - 1) / (3 - 1) = 60% passes; 2.3 gives 65%.
  assert.equal(byName(results({ launch: [launch('bounce script', 2.2), launch('distlib t64', 3)] })).get('Bounce overhead ≤ 60% of distlib')?.pass, true);
  assert.equal(byName(results({ launch: [launch('bounce script', 2.3), launch('distlib t64', 3)] })).get('Bounce overhead ≤ 60% of distlib')?.pass, false);
  const b = byName(results());
  // 3000 / 5000 = 60% of distlib's total misses; above the empty process, 0 of 2000 KiB passes.
  assert.equal(b.get('private bytes ≤ half of distlib')?.pass, false);
  assert.match(b.get('private bytes above an empty process ≤ half of distlib (our reading)')?.figure ?? '', /^0 KiB \/ 2,000 KiB = 0%/);
  assert.equal(b.get('private bytes above an empty process ≤ half of distlib (our reading)')?.pass, true);
});

test('budgets: throughput is compared within the same place, 10× distlib and 2× cmd-shim', () => {
  const b = byName(results());
  assert.equal(b.get('throughput (disk), bounce library, no fsync ≥ 10× distlib ScriptMaker')?.pass, true); // 12×
  assert.equal(b.get('throughput (disk), bounce library ≥ 10× distlib ScriptMaker')?.pass, false); // 9×
  assert.equal(b.get('throughput (disk), bounce library, no fsync ≥ 2× cmd-shim')?.pass, true); // 2.4×
  assert.equal(b.get('throughput (disk), bounce entry-points --no-fsync ≥ 2× cmd-shim')?.pass, false); // 0.6×
  // On tmpfs the same library is 0.5× the tmpfs distlib, not 1× the disk one; no cmd-shim there.
  assert.match(b.get('throughput (tmpfs), bounce library, no fsync ≥ 10× distlib ScriptMaker')?.figure ?? '', /^0\.50×/);
  assert.equal(b.get('throughput (tmpfs), bounce library, no fsync ≥ 2× cmd-shim')?.pass, null);
  // Nothing measured: every budget says so instead of passing.
  const empty = evaluateBudgets(results({ launch: [], memory: [], throughput: [] }));
  assert.ok(empty.length > 0 && empty.every((x) => x.pass === null && x.figure === 'not measured'), JSON.stringify(empty));
});

test('report: text tables, the chart and the README section', () => {
  const ctx: ReportContext = { command: 'npm run bench', settings: 'tiny', skipped: [{ candidate: 'cmd shim', reason: 'why & <how>' }], notes: ['a note'] };
  const r = results();
  const text = formatText(r, ctx);
  assert.match(text, /^floor +10 +20\.0 +18\.0-22\.0 +2\.00 +1\.00$/m, 'launch row with its ratio to the floor');
  assert.match(text, /^bounce script +6,000 KiB +3,000 KiB +0 KiB/m, 'memory row with what it adds above an empty process');
  assert.match(text, /^distlib t64 +6,000 KiB +5,000 KiB +2,000 KiB/m);
  assert.match(text, /- cmd shim: why & <how>/);

  const svg = renderSvg(r);
  assert.match(svg, /^<svg [^>]*viewBox="0 0 860 \d+"/);
  assert.match(svg, />bounce library, no fsync \(tmpfs\)</);
  assert.match(svg, />1\.00× \(2,000\/s\)</, 'throughput as a multiple of distlib in the same place');
  assert.match(renderSvg(results({ machine: 'A & <B>' })), /A &amp; &lt;B&gt;/, 'text is escaped');
  assert.equal((svg.match(/<rect /g) ?? []).length, 1 + r.launch.length + 2 + r.throughput.length, 'one bar per launch row, per launcher above the empty process, per throughput row');

  const dir = mkdtempSync(join(tmpdir(), 'bounce-bench-report-'));
  try {
    const readme = join(dir, 'README.md');
    writeFileSync(readme, `# x\n\nbefore\n\n${README_START}\nold figures\n${README_END}\n\nafter\n`);
    assert.equal(updateReadme(readme, r, ctx), true);
    const once = readFileSync(readme, 'utf8');
    assert.match(once, /^before$/m);
    assert.match(once, /^after$/m);
    assert.doesNotMatch(once, /old figures/);
    assert.match(once, /Measured with `npm run bench` on 2026-12-04, Wine 8\.0, Linux x86_64, 2 cores \(tiny\)/);
    assert.equal(updateReadme(readme, r, ctx), true);
    assert.equal(readFileSync(readme, 'utf8'), once, 'a second run with the same figures changes nothing');
    writeFileSync(readme, 'no markers\n');
    assert.equal(updateReadme(readme, r, ctx), false);
    assert.equal(readFileSync(readme, 'utf8'), 'no markers\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('smoke: the throughput bench writes with every candidate it finds and reports medians', async () => {
  const run = await runThroughputBench(20, () => {}, 1, 'disk');
  const names = run.throughput.map((t) => t.candidate);
  for (const must of ['bounce library', 'bounce library, no fsync', 'bounce entry-points', 'bounce entry-points --no-fsync', 'floor: the bytes only']) {
    assert.ok(names.includes(must), `${must} missing: ${names.join(', ')}; skipped: ${JSON.stringify(run.skipped)}`);
  }
  for (const t of run.throughput) {
    assert.equal(t.launchers, 20, t.candidate);
    assert.ok(t.seconds > 0 && t.perSecond > 0, t.candidate);
  }
  // Every candidate either ran or says why not.
  assert.equal(run.throughput.length + run.skipped.length, 7);
});

test('smoke: the launch bench runs every candidate under Wine, unpinned, with tiny settings', async (t) => {
  const rt = windowsRuntime();
  if (!rt.ok) return t.skip(rt.reason);
  process.env['BENCH_PIN'] = '0'; // never kill the prefix's wineserver under other tests
  const { runLaunchBench } = await import('../bench/launch.js');
  const run = await runLaunchBench({ rounds: 1, perRound: 2 });
  const names = run.launch.map((l) => l.candidate);
  for (const must of ['probe directly', 'bounce script', 'bounce proxy', 'bounce exec', 'floor']) assert.ok(names.includes(must), names.join(', '));
  assert.equal(run.launch.find((l) => l.candidate === 'probe directly')?.ratio, 1);
  assert.equal(run.pinnedCpu, null);
  const bounce = run.memory.find((m) => m.candidate === 'bounce script');
  assert.ok(bounce !== undefined && bounce.privateBytes > 0 && bounce.peakWorkingSetBytes > 0, JSON.stringify(run.memory));
  assert.ok(run.memory.some((m) => m.candidate === 'probe directly'), 'the empty-process baseline is measured');
});
