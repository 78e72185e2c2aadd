/**
 * Windows command lines: quoting arguments into one string and splitting a string the way the
 * two parsers that matter do it (the MSVC/UCRT start-up code and shell32's CommandLineToArgvW).
 *
 * The launcher itself never re-splits the caller's arguments (it forwards the tail of the command
 * line verbatim, see argv0End); these functions exist so Bounce can build the fixed prefix it puts
 * in front of that tail and so tests can check what a child will see under either parser.
 */

/** Characters that force quoting. Newline and vertical tab are not separators for either parser,
 * but libuv and Rust quote them anyway and so do we: a visible quote is safer than a surprise. */
const NEEDS_QUOTES = /[ \t\n\v"]/;

/**
 * Quote one argument so that both splitMsvc and splitCommandLineToArgvW give it back unchanged.
 * This is the libuv / Rust std algorithm. It is meant for arguments after argv[0]: argv[0] is
 * parsed without escapes, so an argv[0] that contains `"` or ends in a backslash and needs quotes
 * cannot be written by this function.
 */
export function quoteArg(arg: string): string {
  if (arg !== '' && !NEEDS_QUOTES.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    if (ch === '"') {
      // Backslashes before a quote must be doubled, then the quote itself escaped.
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(backslashes) + ch;
    }
    backslashes = 0;
  }
  // Backslashes before the closing quote would otherwise escape it.
  out += '\\'.repeat(backslashes * 2) + '"';
  return out;
}

/** Quote each argument with quoteArg and join them with single spaces. */
export function joinArgs(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/**
 * Index at which argv[0] ends under the MSVC rule: quotes toggle (no escapes), and argv[0] ends at
 * the first space or tab outside quotes. The tail `commandLine.slice(argv0End(commandLine))` is
 * empty or starts with that space or tab; a launcher appends it unchanged after its own prefix.
 */
export function argv0End(commandLine: string): number {
  let inQuotes = false;
  for (let i = 0; i < commandLine.length; i++) {
    const ch = commandLine[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && isBlank(ch)) return i;
  }
  return commandLine.length;
}

/** How `""` inside quotes behaves: the one point (besides argv[0]) where the parsers differ. */
type DoubleQuoteRule = 'stay' | 'leave';

/**
 * Split the arguments after argv[0]. Shared by both parsers; `rule` selects what `""` inside a
 * quoted run does. Mirrors the UCRT loop: a run of backslashes is counted, and only its relation to
 * a following quote decides how many survive.
 */
function splitRest(s: string, start: number, rule: DoubleQuoteRule, out: string[]): void {
  let i = start;
  const n = s.length;
  for (;;) {
    while (i < n && isBlank(s[i])) i++;
    if (i >= n) return;
    let arg = '';
    let inQuotes = false;
    for (;;) {
      let backslashes = 0;
      while (s[i] === '\\') {
        backslashes++;
        i++;
      }
      if (s[i] === '"') {
        arg += '\\'.repeat(backslashes >> 1);
        if (backslashes % 2 === 1) {
          arg += '"'; // escaped quote
          i++;
        } else if (inQuotes && s[i + 1] === '"') {
          arg += '"'; // `""` inside quotes
          i += 2;
          if (rule === 'leave') inQuotes = false;
        } else {
          inQuotes = !inQuotes;
          i++;
        }
        continue;
      }
      arg += '\\'.repeat(backslashes);
      if (i >= n || (!inQuotes && isBlank(s[i]))) break;
      arg += s[i];
      i++;
    }
    out.push(arg);
  }
}

/**
 * Split a command line as the MSVC 2008+ C runtime (and the UCRT) does. argv[0] follows the
 * argv0End rule and has its quotes removed. For an empty string this returns `['']`, which is what
 * the rule gives; the real CRT substitutes the module path when the command line is empty.
 */
export function splitMsvc(commandLine: string): string[] {
  const end = argv0End(commandLine);
  const argv0 = commandLine.slice(0, end).replaceAll('"', '');
  const out = [argv0];
  splitRest(commandLine, end, 'stay', out);
  return out;
}

/**
 * Split a command line as shell32's CommandLineToArgvW does. argv[0]: if the line starts with `"`
 * it runs to the next `"` (no escapes; whatever follows the closing quote starts the next argument,
 * even without a space), otherwise to the first space or tab. The rest as MSVC, except that `""`
 * inside quotes gives `"` and leaves quote mode.
 *
 * Empty string: the real API returns the path of the current executable; this pure function has
 * none, so it returns `[]`.
 */
export function splitCommandLineToArgvW(commandLine: string): string[] {
  if (commandLine === '') return [];
  let argv0: string;
  let i: number;
  if (commandLine[0] === '"') {
    const close = commandLine.indexOf('"', 1);
    if (close < 0) {
      argv0 = commandLine.slice(1);
      i = commandLine.length;
    } else {
      argv0 = commandLine.slice(1, close);
      i = close + 1;
    }
  } else {
    i = 0;
    while (i < commandLine.length && !isBlank(commandLine[i])) i++;
    argv0 = commandLine.slice(0, i);
  }
  const out = [argv0];
  splitRest(commandLine, i, 'leave', out);
  return out;
}
