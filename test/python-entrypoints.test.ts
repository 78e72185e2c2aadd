// Tests for src/python/entrypoints.ts: entry_points.txt parsing, object-reference validation
// (checked against CPython's own idea of an identifier), and script-name safety.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BounceError } from '../src/errors.js';
import { isPythonIdentifier, parseEntryPoints, parseEntryPointSpec, scriptNameProblem } from '../src/python/entrypoints.js';

const invalid = (re?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof BounceError, String(e));
  assert.equal(e.kind, 'invalidInput');
  if (re) assert.match(e.message, re);
  return true;
};

test('parseEntryPoints: accepted forms', () => {
  const text = [
    '\uFEFF# a comment',
    '[console_scripts]',
    'tool = pkg.cli:main',
    'tool2=pkg.cli:main',
    '  spaced\t=\tpkg.x : obj.method  ',
    'with-extras = pkg.cli:run [fast, color]',
    'tight=pkg.cli:run[one]',
    'empty-extras = pkg:f []',
    'my tool = pkg:f',
    '; also a comment',
    '',
    '[gui_scripts]',
    'tool-gui = pkg.gui:start',
    'ünï = páck.módulo:función',
    '[pytest11]',
    'whatever: this is = not :: checked ]]',
    'no equals sign here',
    '[bad header in another group',
    '[console_scripts.more]',
    'ignored = not a valid spec',
  ].join('\r\n');
  assert.deepEqual(parseEntryPoints(text, 'x/entry_points.txt'), [
    { name: 'tool', group: 'console_scripts', module: 'pkg.cli', attr: 'main', extras: [] },
    { name: 'tool2', group: 'console_scripts', module: 'pkg.cli', attr: 'main', extras: [] },
    { name: 'spaced', group: 'console_scripts', module: 'pkg.x', attr: 'obj.method', extras: [] },
    { name: 'with-extras', group: 'console_scripts', module: 'pkg.cli', attr: 'run', extras: ['fast', 'color'] },
    { name: 'tight', group: 'console_scripts', module: 'pkg.cli', attr: 'run', extras: ['one'] },
    { name: 'empty-extras', group: 'console_scripts', module: 'pkg', attr: 'f', extras: [] },
    { name: 'my tool', group: 'console_scripts', module: 'pkg', attr: 'f', extras: [] },
    { name: 'tool-gui', group: 'gui_scripts', module: 'pkg.gui', attr: 'start', extras: [] },
    { name: 'ünï', group: 'gui_scripts', module: 'páck.módulo', attr: 'función', extras: [] },
  ]);
  assert.deepEqual(parseEntryPoints(''), []);
  assert.deepEqual(parseEntryPoints('[other]\nx = y\n'), []);
});

test('parseEntryPoints: invalid lines in script groups name the file and line', () => {
  const bad: Array<[string, RegExp]> = [
    ['no equals sign', /line 3: expected "name = module:function"/],
    ['x = nocolon', /line 3: .*has no ":"/],
    ['x = mod:', /line 3: .*attribute ""/],
    ['x = :func', /line 3: .*module ""/],
    ['x = mod:a..b', /line 3:/],
    ['x = 1mod:f', /line 3: .*"1mod" is not an identifier/],
    ['x = mod:f()', /line 3:/],
    ['x = mod:f [bad extra!]', /line 3: bad extra name "bad extra!"/],
    ['x = mod:f ]', /line 3: unbalanced/],
    ['x = mod:class', /line 3: .*"class" is not an identifier/],
    ['x = mod:f; import os', /line 3:/],
    ['= mod:f', /line 3: script name "" is empty/],
    ['a/b = mod:f', /line 3: script name "a\/b" contains "\/"/],
    ['a\\b = mod:f', /line 3: .*contains "\\\\"/],
    ['.. = mod:f', /line 3: .*is not a file name/],
    ['a:b = mod:f', /line 3:/],
    ['nul = mod:f', /line 3: .*reserved Windows device name/],
    ['tool. = mod:f', /line 3: .*ends with a dot or space/],
    ['[console_scripts', /line 3: expected/],
  ];
  for (const [line, re] of bad) {
    for (const group of ['console_scripts', 'gui_scripts']) {
      const text = `# header\n[${group}]\n${line}\nok = m:f\n`;
      assert.throws(() => parseEntryPoints(text, 'pkg/entry_points.txt'), (e: unknown) => {
        invalid(re)(e);
        assert.equal((e as BounceError).path, 'pkg/entry_points.txt');
        return true;
      }, line);
    }
  }
  // The same name twice (also across groups, also differing only in case: same file on Windows).
  assert.throws(() => parseEntryPoints('[console_scripts]\na = m:f\na = m:g\n'), invalid(/line 3: .*already defined on line 2/));
  assert.throws(() => parseEntryPoints('[console_scripts]\nTool = m:f\n[gui_scripts]\ntool = m:g\n'), invalid(/line 4/));
});

test('parseEntryPointSpec: valid and invalid references', () => {
  assert.deepEqual(parseEntryPointSpec('pkg.mod:main'), { module: 'pkg.mod', attr: 'main' });
  assert.deepEqual(parseEntryPointSpec('  pkg :  a.b.c '), { module: 'pkg', attr: 'a.b.c' });
  assert.deepEqual(parseEntryPointSpec('_p._q:_'), { module: '_p._q', attr: '_' });
  assert.deepEqual(parseEntryPointSpec('match.case:type'), { module: 'match.case', attr: 'type' }, 'soft keywords are names');
  assert.deepEqual(parseEntryPointSpec('日本:関数'), { module: '日本', attr: '関数' });
  const bad = [
    '', 'mod', 'mod:', ':f', 'mod:f:g', 'a b:f', 'mod:a b', 'mod.:f', '.mod:f', 'mod:.f', 'mod:f.',
    'mod:None', 'import:f', 'mod:f\n', 'mod:f\nimport os', 'mod:f()', "mod:f'", 'mod:f#', 'mod-x:f',
    'mod:__debug__', 'mod:\u00aa', 'mod:ﬁle', 'mod:a\u200db', 'mod:e\u0301x', '1a:f', 'mod:😀',
  ];
  for (const spec of bad) assert.throws(() => parseEntryPointSpec(spec), invalid(), JSON.stringify(spec));
  // __debug__ is only a problem where it would be bound by the import.
  assert.deepEqual(parseEntryPointSpec('__debug__:x.__debug__'), { module: '__debug__', attr: 'x.__debug__' });
});

test('isPythonIdentifier agrees with CPython for every code point both Unicode versions know', () => {
  // Python prints, per code point: 'x' to skip (unassigned in its Unicode database, a surrogate, or
  // changed by NFKC, which we refuse on purpose), else 2 bits: isidentifier(c), isidentifier('x'+c).
  const table = execFileSync(
    'python3',
    [
      '-c',
      [
        'import sys, unicodedata as u',
        'out = []',
        'for cp in range(0x110000):',
        '    c = chr(cp)',
        '    if u.category(c) in ("Cn", "Cs") or u.normalize("NFKC", "x" + c) != "x" + c:',
        '        out.append("x"); continue',
        '    out.append(str(c.isidentifier() * 2 + ("x" + c).isidentifier()))',
        'sys.stdout.write("".join(out))',
      ].join('\n'),
    ],
    { encoding: 'utf8', maxBuffer: 4 << 20 },
  );
  assert.equal(table.length, 0x110000);
  // Characters assigned in Node's newer Unicode but not in Python's show up as 'x' already; those
  // that changed properties between versions are listed here.
  const versionDrift = new Set([0x200c, 0x200d, 0x30fb, 0xff65]);
  const mismatches: string[] = [];
  let checked = 0;
  for (let cp = 0; cp < 0x110000; cp++) {
    const want = table[cp];
    if (want === 'x' || versionDrift.has(cp)) continue;
    checked++;
    const c = String.fromCodePoint(cp);
    // No Python keyword is one letter or starts with x, so keywords cannot skew this comparison.
    const got = (isPythonIdentifier(c) ? 2 : 0) + (isPythonIdentifier('x' + c) ? 1 : 0);
    if (String(got) !== want) mismatches.push(`U+${cp.toString(16)} ours ${got} python ${want}`);
  }
  assert.ok(checked > 200_000, `checked ${checked}`);
  assert.deepEqual(mismatches.slice(0, 20), []);
  // Keywords are identifiers to isidentifier() but not to us.
  assert.equal(isPythonIdentifier('class'), false);
  assert.equal(isPythonIdentifier('classy'), true);
});

test('scriptNameProblem: safe file names only', () => {
  for (const ok of ['tool', 'my-tool', 'tool.v2', 'a b', 'ñ', 'con2', 'config', 'nul-tool']) {
    assert.equal(scriptNameProblem(ok), undefined, ok);
  }
  for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a:b', 'a*', 'a?', 'a"b', 'a<b', 'a>b', 'a|b', 'a\tb', 'CON', 'nul.exe', 'com1', 'LPT9', 'x.', 'x ']) {
    assert.notEqual(scriptNameProblem(bad), undefined, JSON.stringify(bad));
  }
});
