// Tests for src/python/script.ts: the generated __main__.py (text, validity, and a real CPython run
// as a zipapp, bare and embedded like a launcher carries it) and the recogniser for our, pip's and
// uv's scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BounceError } from '../src/errors.js';
import { entryPointScript, parseEntryPointScript } from '../src/python/script.js';
import { encodeZip } from '../src/zip.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test('entryPointScript: exact text of the template', () => {
  assert.equal(
    entryPointScript({ module: 'pkg.cli', attr: 'app.main' }, { shebang: 'C:\\Python312\\python.exe' }),
    [
      '#!C:\\Python312\\python.exe',
      '# -*- coding: utf-8 -*-',
      'import sys',
      'from pkg.cli import app',
      'if __name__ == "__main__":',
      '    if sys.argv[0].lower().endswith(".exe"):',
      '        sys.argv[0] = sys.argv[0][:-4]',
      '    elif sys.argv[0].lower().endswith("-script.pyw"):',
      '        sys.argv[0] = sys.argv[0][:-11]',
      '    elif sys.argv[0].lower().endswith("-script.py"):',
      '        sys.argv[0] = sys.argv[0][:-10]',
      '    sys.exit(app.main())',
      '',
    ].join('\n'),
  );
});

test('entryPointScript: several specs; no re; sys never shadowed', () => {
  const simple = entryPointScript({ module: 'tool', attr: 'main' });
  assert.ok(simple.startsWith('# -*- coding: utf-8 -*-\nimport sys\nfrom tool import main\n'));
  assert.match(simple, /\n {4}sys\.exit\(main\(\)\)\n$/);
  assert.doesNotMatch(simple, /import re|#!/);
  const deep = entryPointScript({ module: 'a.b.c', attr: 'X.y.z' });
  assert.match(deep, /^from a\.b\.c import X$/m);
  assert.match(deep, /sys\.exit\(X\.y\.z\(\)\)/);
  const uni = entryPointScript({ module: 'páck', attr: 'función' });
  assert.match(uni, /^from páck import función$/m);
  // Importing a name called sys must not replace the sys module the script uses.
  const shadow = entryPointScript({ module: 'm', attr: 'sys.run' });
  assert.match(shadow, /^from m import sys as _entry$/m);
  assert.match(shadow, /sys\.exit\(_entry\.run\(\)\)/);
});

test('entryPointScript rejects what cannot be pasted into Python source', () => {
  const inv = (e: unknown): boolean => e instanceof BounceError && e.kind === 'invalidInput';
  for (const ep of [
    { module: 'os; import evil', attr: 'f' },
    { module: 'm', attr: 'f()\nimport evil' },
    { module: 'm', attr: 'class' },
    { module: '', attr: 'f' },
    { module: 'm', attr: '' },
    { module: 'm:n', attr: 'f' },
  ]) {
    assert.throws(() => entryPointScript(ep), inv, JSON.stringify(ep));
  }
  for (const shebang of ['/usr/bin/python\nimport evil', 'python\r', 'py\0', 'py\ud800']) {
    assert.throws(() => entryPointScript({ module: 'm', attr: 'f' }, { shebang }), inv, JSON.stringify(shebang));
  }
});

test('generated scripts compile under CPython', () => {
  const specs = [
    { module: 'm', attr: 'f' },
    { module: 'a.b', attr: 'c.d.e' },
    { module: 'páck.日本', attr: 'función' },
    { module: 'match', attr: 'case.type' },
    { module: 'm', attr: 'sys' },
  ];
  const sources = specs.map((s) => entryPointScript(s, { shebang: '/usr/bin/env python3 -E' }));
  const out = execFileSync(
    'python3',
    ['-c', 'import json,sys\nfor s in json.load(sys.stdin): compile(s, "__main__.py", "exec")\nprint("ok")'],
    { input: JSON.stringify(sources), encoding: 'utf8' },
  );
  assert.equal(out.trim(), 'ok');
});

// Texts in the exact shapes pip and uv write (see distlib/scripts.py, pip 10-20's
// operations/install/wheel.py, uv's crates/uv-install-wheel/src/wheel.rs).
const pipModern = `#!/venv/bin/python
# -*- coding: utf-8 -*-
import re
import sys
from pkg.cli import app
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(app.main())
`;
const pipLegacy = `# -*- coding: utf-8 -*-
import re
import sys

from pkg.cli import main

if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw?|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
`;
const uvScript = `#!C:\\Users\\me\\proj\\.venv\\Scripts\\python.exe
# -*- coding: utf-8 -*-
import re
import sys
from black import patched_main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(patched_main())
`;
const distlibResolve = `# -*- coding: utf-8 -*-
if __name__ == '__main__':
    import sys, re

    def _resolve(module, func):
        __import__(module)
        mod = sys.modules[module]
        parts = func.split('.')
        result = getattr(mod, parts.pop(0))
        for p in parts:
            result = getattr(result, p)
        return result

    try:
        sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])

        func = _resolve('old.mod', 'Cls.run')
        rc = func() # None interpreted as 0
    except Exception as e:  # only supporting Python >= 2.6
        sys.stderr.write('%s\\n' % e)
        rc = 1
    sys.exit(rc)
`;

test('parseEntryPointScript recognises pip, uv and old distlib scripts', () => {
  assert.deepEqual(parseEntryPointScript(pipModern), { module: 'pkg.cli', attr: 'app.main' });
  assert.deepEqual(parseEntryPointScript(pipLegacy), { module: 'pkg.cli', attr: 'main' });
  assert.deepEqual(parseEntryPointScript(uvScript), { module: 'black', attr: 'patched_main' });
  assert.deepEqual(parseEntryPointScript(uvScript.replaceAll('\n', '\r\n')), { module: 'black', attr: 'patched_main' });
  assert.deepEqual(parseEntryPointScript(distlibResolve), { module: 'old.mod', attr: 'Cls.run' });
  // Without its shebang (distlib puts the shebang outside the zip) and without a final newline.
  assert.deepEqual(parseEntryPointScript(pipModern.split('\n').slice(1).join('\n').trimEnd()), {
    module: 'pkg.cli',
    attr: 'app.main',
  });
});

test('parseEntryPointScript recognises what the installed pip really generates', () => {
  const py = [
    'import sys',
    'try:',
    '    from pip._vendor.distlib.scripts import ScriptMaker',
    '    from pip._vendor.distlib.util import get_export_entry',
    'except ImportError:',
    '    print("SKIP"); sys.exit()',
    'm = ScriptMaker(None, None)',
    'print(m._get_script_text(get_export_entry("x = pkg.sub:obj.attr.fn")), end="")',
  ].join('\n');
  const text = execFileSync('python3', ['-c', py], { encoding: 'utf8' });
  if (text.trim() === 'SKIP') return;
  assert.deepEqual(parseEntryPointScript(text), { module: 'pkg.sub', attr: 'obj.attr.fn' });
  assert.deepEqual(parseEntryPointScript('#!/usr/bin/python3\n' + text), { module: 'pkg.sub', attr: 'obj.attr.fn' });
});

test('parseEntryPointScript recognises our own template, with and without shebang', () => {
  for (const ep of [
    { module: 'm', attr: 'f' },
    { module: 'a.b', attr: 'c.d' },
    { module: 'páck', attr: 'función' },
    { module: 'm', attr: 'sys.go' },
    { module: 'm', attr: 'sys' },
  ]) {
    assert.deepEqual(parseEntryPointScript(entryPointScript(ep)), ep);
    assert.deepEqual(parseEntryPointScript(entryPointScript(ep, { shebang: 'python' }).replaceAll('\n', '\r\n')), ep);
  }
});

test('parseEntryPointScript returns null for anything else', () => {
  const ours = entryPointScript({ module: 'm', attr: 'f' });
  const setuptools = `#!C:\\Python36\\python.exe
# EASY-INSTALL-ENTRY-SCRIPT: 'tool==1.0','console_scripts','tool'
__requires__ = 'tool==1.0'
import re
import sys
from pkg_resources import load_entry_point

if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw?|\\.exe)?$', '', sys.argv[0])
    sys.exit(
        load_entry_point('tool==1.0', 'console_scripts', 'tool')()
    )
`;
  const others = [
    '',
    'print("hello")\n',
    setuptools,
    // Import and call disagree.
    pipModern.replace('sys.exit(app.main())', 'sys.exit(other.main())'),
    // Extra statement slipped in.
    pipModern.replace('import sys\n', 'import sys\nimport os\n'),
    uvScript.replace('    sys.exit(patched_main())', '    import os\n    sys.exit(patched_main())'),
    // Not an identifier where one must be.
    pipModern.replace('from pkg.cli import app', 'from pkg.cli import app;x').replace('app.main', 'app;x.main'),
    pipModern.replace('pkg.cli', 'pkg..cli'),
    // A different argv[0] rewrite.
    uvScript.replace('(-script\\.pyw|\\.exe)?$', '(\\.exe)?$'),
    distlibResolve.replace("rc = 1", "rc = 2"),
    distlibResolve.replace("'old.mod'", "'old mod'"),
    ours.replace('sys.argv[0][:-4]', 'sys.argv[0][:-3]'),
    ours + 'import os\n',
    ours.replace('import sys\n', ''),
  ];
  for (const t of others) assert.equal(parseEntryPointScript(t), null, t);
});

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A package dir with pkg/cli.py defining main() that prints argv as JSON and returns 7. */
function makePackage(dir: string): string {
  const pkgRoot = join(dir, 'site');
  mkdirSync(join(pkgRoot, 'pkg'), { recursive: true });
  writeFileSync(join(pkgRoot, 'pkg', '__init__.py'), '');
  writeFileSync(
    join(pkgRoot, 'pkg', 'cli.py'),
    'import json, sys\nclass App:\n    @staticmethod\n    def main():\n        print(json.dumps(sys.argv))\n        return 7\n',
  );
  return pkgRoot;
}

function runPython(file: string, pythonPath: string, args: string[]): RunResult {
  const r = spawnSync('python3', [file, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('real CPython runs the script as a zipapp named tool.exe: argv[0] stripped, args, exit code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bounce-script-'));
  try {
    const site = makePackage(dir);
    const script = entryPointScript({ module: 'pkg.cli', attr: 'App.main' }, { shebang: '/usr/bin/python3' });
    const zip = encodeZip([{ name: '__main__.py', data: utf8(script) }]);

    const bare = join(dir, 'tool.exe');
    writeFileSync(bare, zip);
    const r1 = runPython(bare, site, ['a', 'b c']);
    assert.equal(r1.status, 7, r1.stderr);
    assert.deepEqual(JSON.parse(r1.stdout), [join(dir, 'tool'), 'a', 'b c']);

    // As the launcher carries it: after 4,096 bytes of PE, followed by 1,000 more.
    const junkBefore = new Uint8Array(4096).fill(0x90);
    const junkAfter = new Uint8Array(1000).fill(0xcc);
    const embedded = encodeZip([{ name: '__main__.py', data: utf8(script) }], { baseOffset: junkBefore.length });
    const launcher = new Uint8Array(junkBefore.length + embedded.length + junkAfter.length);
    launcher.set(junkBefore, 0);
    launcher.set(embedded, junkBefore.length);
    launcher.set(junkAfter, junkBefore.length + embedded.length);
    const sub = join(dir, 'bin');
    mkdirSync(sub);
    const exe = join(sub, 'My-Tool.EXE');
    writeFileSync(exe, launcher);
    const r2 = runPython(exe, site, ['--flag', '', 'ünï']);
    assert.equal(r2.status, 7, r2.stderr);
    assert.deepEqual(JSON.parse(r2.stdout), [join(sub, 'My-Tool'), '--flag', '', 'ünï']);

    // -script.py is stripped too (setuptools-style name), -script.pyw likewise.
    const named = join(dir, 'tool-script.py');
    writeFileSync(named, zip);
    const r3 = runPython(named, site, []);
    assert.equal(r3.status, 7, r3.stderr);
    assert.deepEqual(JSON.parse(r3.stdout), [join(dir, 'tool')]);

    // And the recogniser reads back what we embedded.
    assert.deepEqual(parseEntryPointScript(script), { module: 'pkg.cli', attr: 'App.main' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real CPython: a function named sys does not break the script', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bounce-script-'));
  try {
    const site = join(dir, 'site');
    mkdirSync(site);
    writeFileSync(join(site, 'odd.py'), 'import sys as _s\ndef sys():\n    print(_s.argv[1:])\n    return 3\n');
    const file = join(dir, 'odd.exe');
    writeFileSync(file, encodeZip([{ name: '__main__.py', data: utf8(entryPointScript({ module: 'odd', attr: 'sys' })) }]));
    const r = runPython(file, site, ['x']);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout.trim(), "['x']");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
