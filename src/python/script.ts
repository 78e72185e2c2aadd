/**
 * The entry-point script a Python launcher carries as its zipapp's `__main__.py`: our own template,
 * and a recogniser for ours and for the scripts pip (distlib) and uv write, so an existing launcher
 * can be read back as the `module:attr` it runs.
 *
 * The generated script is deliberately small: it is compiled on every start of every tool, so it
 * imports nothing but `sys` (pip's and uv's import `re` just to strip a suffix).
 */

import { invalidInput } from '../errors.js';
import { parseEntryPointSpec } from './entrypoints.js';

/** Used when the imported name is `sys` itself, which would otherwise shadow the module. */
const SYS_ALIAS = '_entry';

/** Suffixes removed from sys.argv[0], so the program sees its own name (`tool`, not `tool.exe`). */
const ARGV0_SUFFIXES = ['.exe', '-script.pyw', '-script.py'];

function checkShebang(shebang: string): void {
  // A line break would let the "informational" shebang inject source lines; NUL is rejected by
  // CPython's tokenizer and a lone surrogate cannot be written as UTF-8.
  if (/[\r\n\0]/.test(shebang) || /\p{Surrogate}/u.test(shebang)) {
    throw invalidInput(`shebang ${JSON.stringify(shebang)} contains a line break, NUL or unpaired surrogate`);
  }
}

/**
 * Our `__main__.py` for `module:attr`. With `attr` `a.b.c` it imports `a` from the module and calls
 * `a.b.c()`. Before the call it strips a trailing `.exe`, `-script.pyw` or `-script.py` from
 * sys.argv[0] (case-insensitively: Windows names are), and exits with the function's return value.
 * `shebang` (the text after `#!`) becomes an informational first line.
 */
export function entryPointScript(ep: { module: string; attr: string }, opts?: { shebang?: string }): string {
  const { module, attr } = parseEntryPointSpec(`${ep.module}:${ep.attr}`);
  const head = attr.split('.')[0]!;
  const rest = attr.slice(head.length);
  const importLine = head === 'sys' ? `from ${module} import sys as ${SYS_ALIAS}` : `from ${module} import ${head}`;
  const call = head === 'sys' ? `${SYS_ALIAS}${rest}` : attr;
  const lines: string[] = [];
  if (opts?.shebang !== undefined) {
    checkShebang(opts.shebang);
    lines.push(`#!${opts.shebang}`);
  }
  lines.push('# -*- coding: utf-8 -*-', 'import sys', importLine, 'if __name__ == "__main__":');
  ARGV0_SUFFIXES.forEach((suffix, i) => {
    lines.push(
      `    ${i === 0 ? 'if' : 'elif'} sys.argv[0].lower().endswith("${suffix}"):`,
      `        sys.argv[0] = sys.argv[0][:-${suffix.length}]`,
    );
  });
  lines.push(`    sys.exit(${call}())`);
  return lines.join('\n') + '\n';
}

/** Lines of a script with line endings normalised, trailing whitespace and blank tail removed. */
function normalisedLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/).map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function validRef(module: string, attr: string): { module: string; attr: string } | null {
  try {
    return parseEntryPointSpec(`${module}:${attr}`);
  } catch {
    return null;
  }
}

const CODING = /^# -\*- coding: utf-8 -\*-$/;
const DOTTED = String.raw`[\p{ID_Continue}.]+`;

/**
 * pip (distlib >= 0.3), pip 10-20's own template (blank lines, `-script\.pyw?`) and uv: the same
 * statements with different quotes and spacing. Matched statement by statement, blank lines ignored.
 */
function recogniseStandard(body: string[]): { module: string; attr: string } | null {
  const stmts = body.filter((l) => l !== '');
  if (stmts[0] !== undefined && CODING.test(stmts[0])) stmts.shift();
  if (stmts.length !== 6) return null;
  const [s0, s1, s2, s3, s4, s5] = stmts as [string, string, string, string, string, string];
  if (s0 !== 'import re' || s1 !== 'import sys') return null;
  const imp = new RegExp(`^from (${DOTTED}) import (${DOTTED})$`, 'u').exec(s2);
  if (!/^if __name__ == (['"])__main__\1:$/.test(s3)) return null;
  const sub = /^ {4}sys\.argv\[0\] = re\.sub\(r(['"])\(-script\\\.pyw\??\|\\\.exe\)\?\$\1, \1\1, sys\.argv\[0\]\)$/;
  if (!sub.test(s4)) return null;
  const exit = new RegExp(`^ {4}sys\\.exit\\((${DOTTED})\\(\\)\\)$`, 'u').exec(s5);
  if (!imp || !exit) return null;
  const [, module = '', importName = ''] = imp;
  const attr = exit[1] ?? '';
  if (attr.split('.')[0] !== importName) return null;
  return validRef(module, attr);
}

/**
 * uv since 0.5.19 (astral-sh/uv #10627; research/uv-trampoline.md §2.4): distlib's statements
 * without `import re`, the suffix stripped with `endswith` and slicing.
 */
function recogniseUv(body: string[]): { module: string; attr: string } | null {
  const stmts = body.filter((l) => l !== '');
  if (stmts[0] !== undefined && CODING.test(stmts[0])) stmts.shift();
  if (stmts.length !== 8) return null;
  const [s0, s1, s2, s3, s4, s5, s6, s7] = stmts as [string, string, string, string, string, string, string, string];
  if (s0 !== 'import sys' || !/^if __name__ == (['"])__main__\1:$/.test(s2)) return null;
  if (!/^ {4}if sys\.argv\[0\]\.endswith\((['"])-script\.pyw\1\):$/.test(s3) || s4 !== '        sys.argv[0] = sys.argv[0][:-11]') return null;
  if (!/^ {4}elif sys\.argv\[0\]\.endswith\((['"])\.exe\1\):$/.test(s5) || s6 !== '        sys.argv[0] = sys.argv[0][:-4]') return null;
  const imp = new RegExp(`^from (${DOTTED}) import (${DOTTED})$`, 'u').exec(s1);
  const exit = new RegExp(`^ {4}sys\\.exit\\((${DOTTED})\\(\\)\\)$`, 'u').exec(s7);
  if (!imp || !exit) return null;
  const [, module = '', importName = ''] = imp;
  const attr = exit[1] ?? '';
  if (attr.split('.')[0] !== importName) return null;
  return validRef(module, attr);
}

/** distlib's template before 0.3 (pip < 10): resolves the object at run time with getattr. */
function resolveTemplate(module: string, func: string): string[] {
  return normalisedLines(`# -*- coding: utf-8 -*-
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

        func = _resolve('${module}', '${func}')
        rc = func() # None interpreted as 0
    except Exception as e:  # only supporting Python >= 2.6
        sys.stderr.write('%s\\n' % e)
        rc = 1
    sys.exit(rc)
`);
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

function recogniseResolve(body: string[]): { module: string; attr: string } | null {
  const call = body.map((l) => /^ {8}func = _resolve\('([^']*)', '([^']*)'\)$/.exec(l)).find((m) => m !== null);
  if (!call) return null;
  const ref = validRef(call[1] ?? '', call[2] ?? '');
  return ref && sameLines(body, resolveTemplate(ref.module, ref.attr)) ? ref : null;
}

/** Ours: extract the candidate reference, regenerate, compare. */
function recogniseOurs(body: string[]): { module: string; attr: string } | null {
  const imp = body.map((l) => new RegExp(`^from (${DOTTED}) import (${DOTTED})(?: as ${SYS_ALIAS})?$`, 'u').exec(l)).find((m) => m);
  const exit = body.map((l) => new RegExp(`^ {4}sys\\.exit\\((${DOTTED})\\(\\)\\)$`, 'u').exec(l)).find((m) => m);
  if (!imp || !exit) return null;
  const module = imp[1] ?? '';
  const called = exit[1] ?? '';
  const attr = imp[0].endsWith(` as ${SYS_ALIAS}`) && called.startsWith(SYS_ALIAS) ? 'sys' + called.slice(SYS_ALIAS.length) : called;
  const ref = validRef(module, attr);
  if (!ref) return null;
  return sameLines(body, normalisedLines(entryPointScript(ref))) ? ref : null;
}

/**
 * Recognise an entry-point script and return the object it runs: our own template, pip's (distlib
 * ScriptMaker, old and new, and pip 10-20's own), and uv's (before and since 0.5.19). A leading
 * `#!` line is ignored, as are CRLF line endings and trailing whitespace. Anything else
 * (setuptools' `load_entry_point` scripts, hand-written code) gives null.
 */
export function parseEntryPointScript(text: string): { module: string; attr: string } | null {
  const lines = normalisedLines(text);
  const body = lines[0]?.startsWith('#!') ? lines.slice(1) : lines;
  return recogniseOurs(body) ?? recogniseStandard(body) ?? recogniseUv(body) ?? recogniseResolve(body);
}
