// Tests for src/cmdline.ts: hand-checked tables for both parsers, and a seeded property test that
// joinArgs output round-trips through both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argv0End,
  joinArgs,
  quoteArg,
  splitCommandLineToArgvW,
  splitMsvc,
} from '../src/cmdline.js';
import { prng } from './support/prng.js';

const r = String.raw;

interface Case {
  cl: string;
  msvc: string[];
  /** CommandLineToArgvW result; same as msvc when omitted. */
  w?: string[];
}

const cases: Case[] = [
  { cl: 'p.exe a b', msvc: ['p.exe', 'a', 'b'] },
  { cl: 'p.exe "a b" c', msvc: ['p.exe', 'a b', 'c'] },
  // 2 backslashes before a quote: 1 backslash, quote toggles.
  { cl: r`p a\\"b c"`, msvc: ['p', r`a\b c`] },
  // 4 backslashes before a quote: 2 backslashes, quote toggles.
  { cl: r`p a\\\\"b c"`, msvc: ['p', r`a\\b c`] },
  // Odd counts give a literal quote.
  { cl: r`p a\"b`, msvc: ['p', 'a"b'] },
  { cl: r`p a\\\"b`, msvc: ['p', r`a\"b`] },
  // Backslashes not before a quote are literal.
  { cl: r`p a\b\\c`, msvc: ['p', r`a\b\\c`] },
  // `""` inside quotes: same result here, the parsers differ only in what follows.
  { cl: 'p "a""b"', msvc: ['p', 'a"b'] },
  { cl: 'p "a""b c"', msvc: ['p', 'a"b c'], w: ['p', 'a"b', 'c'] },
  { cl: 'p "a"""b', msvc: ['p', 'a"b'] },
  { cl: 'p "a""" b', msvc: ['p', 'a"', 'b'], w: ['p', 'a" b'] },
  { cl: 'p """ x', msvc: ['p', '" x'], w: ['p', '"', 'x'] },
  { cl: r`p "a\\""b"`, msvc: ['p', r`a\"b`] },
  { cl: r`p "a\\"" b"`, msvc: ['p', r`a\" b`], w: ['p', r`a\"`, 'b'] },
  // Empty arguments.
  { cl: 'p ""', msvc: ['p', ''] },
  { cl: 'p "" ""', msvc: ['p', '', ''] },
  { cl: 'p a"b"c a" "b', msvc: ['p', 'abc', 'a b'] },
  // Trailing backslashes.
  { cl: 'p a\\', msvc: ['p', 'a\\'] },
  { cl: r`p a\\\\`, msvc: ['p', r`a\\\\`] },
  { cl: r`p "a\\"`, msvc: ['p', 'a\\'] },
  { cl: r`p "a b\\\\" c`, msvc: ['p', r`a b\\`, 'c'] },
  { cl: r`p "a\"`, msvc: ['p', 'a"'] },
  // Tabs separate; newline does not.
  { cl: 'p.exe\ta\t\tb', msvc: ['p.exe', 'a', 'b'] },
  { cl: 'p "a\tb"', msvc: ['p', 'a\tb'] },
  { cl: 'p a\nb', msvc: ['p', 'a\nb'] },
  { cl: 'p a  ', msvc: ['p', 'a'] },
  // argv[0] rules.
  { cl: r`"C:\Program Files\x.exe" a`, msvc: [r`C:\Program Files\x.exe`, 'a'] },
  {
    cl: r`C:\"Program Files"\x.exe a`,
    msvc: [r`C:\Program Files\x.exe`, 'a'],
    w: [r`C:\"Program`, r`Files\x.exe a`],
  },
  { cl: r`"C:\a b"x y`, msvc: [r`C:\a bx`, 'y'], w: [r`C:\a b`, 'x', 'y'] },
  // No escapes in argv[0]: the backslash before the quote stays and the quote still counts.
  { cl: r`"C:\dir\"x y`, msvc: [r`C:\dir\x`, 'y'], w: ['C:\\dir\\', 'x', 'y'] },
  { cl: r`C:\x\p.exe`, msvc: [r`C:\x\p.exe`] },
  { cl: '"unterminated argv0', msvc: ['unterminated argv0'] },
  { cl: ' a b', msvc: ['', 'a', 'b'] },
  { cl: '', msvc: [''], w: [] },
];

test('splitMsvc: table of tricky command lines', () => {
  for (const c of cases) {
    assert.deepEqual(splitMsvc(c.cl), c.msvc, `command line ${JSON.stringify(c.cl)}`);
  }
});

test('splitCommandLineToArgvW: table of tricky command lines', () => {
  for (const c of cases) {
    assert.deepEqual(splitCommandLineToArgvW(c.cl), c.w ?? c.msvc, `command line ${JSON.stringify(c.cl)}`);
  }
});

test('argv0End: where argv[0] ends by the MSVC rule', () => {
  const table: Array<[string, number]> = [
    ['p.exe a', 5],
    ['"a b" c', 5],
    [r`C:\"Program Files"\x.exe a`, 24],
    ['p\tx', 1],
    ['nospace', 7],
    ['"never closed a b', 17],
    [' x', 0],
    ['', 0],
  ];
  for (const [cl, end] of table) {
    assert.equal(argv0End(cl), end, JSON.stringify(cl));
    const tail = cl.slice(end);
    assert.ok(tail === '' || tail[0] === ' ' || tail[0] === '\t');
  }
});

test('quoteArg: only quotes when needed, escapes quotes and the backslashes before them', () => {
  assert.equal(quoteArg('a'), 'a');
  assert.equal(quoteArg('C:\\x\\'), 'C:\\x\\');
  assert.equal(quoteArg('a&b|c'), 'a&b|c');
  assert.equal(quoteArg(''), '""');
  assert.equal(quoteArg('a b'), '"a b"');
  assert.equal(quoteArg('a\tb'), '"a\tb"');
  assert.equal(quoteArg('a\nb'), '"a\nb"');
  assert.equal(quoteArg('a\vb'), '"a\vb"');
  assert.equal(quoteArg('a"b'), r`"a\"b"`);
  assert.equal(quoteArg(r`a\"b`), r`"a\\\"b"`);
  assert.equal(quoteArg('a b\\'), r`"a b\\"`);
  assert.equal(quoteArg(r`a\b c`), r`"a\b c"`);
  assert.equal(joinArgs(['p', 'a b', '']), 'p "a b" ""');
});


test('property: joinArgs round-trips through both parsers (2,000 seeded cases)', () => {
  const alphabet = ['"', ' ', '\\', '\t', 'a', '&', '^', '%', '!', '<', '>', '|', 'é', '日', '😀'];
  const rand = prng(0xb0c3);
  const pick = (n: number): number => Math.floor(rand() * n);
  const argv0 = r`C:\x\p.exe`;
  for (let iter = 0; iter < 2000; iter++) {
    const args: string[] = [];
    const count = pick(6);
    for (let k = 0; k < count; k++) {
      const len = rand() < 0.15 ? 0 : 1 + pick(8);
      let s = '';
      // Runs of backslashes before quotes are the interesting part, so bias towards them.
      for (let j = 0; j < len; j++) s += rand() < 0.25 ? '\\' : (alphabet[pick(alphabet.length)] ?? 'a');
      args.push(s);
    }
    const cl = joinArgs([argv0, ...args]);
    const msg = `args ${JSON.stringify(args)} -> ${JSON.stringify(cl)}`;
    assert.deepEqual(splitMsvc(cl), [argv0, ...args], msg);
    assert.deepEqual(splitCommandLineToArgvW(cl), [argv0, ...args], msg);
    // The tail a launcher forwards is exactly the quoted arguments after one space.
    assert.equal(cl.slice(argv0End(cl)), args.length === 0 ? '' : ' ' + joinArgs(args), msg);
  }
});
