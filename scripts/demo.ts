/**
 * `npm run demo`: builds a Python entry-point launcher and shows what it holds, proves its zip
 * with this machine's python3, and, where Wine or Windows is present, builds and runs a real
 * launcher (an exec launcher starting cmd.exe) and returns its exit code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLauncher, buildPythonLauncher, readLauncher } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bounce-demo-'));
/** The tests' Wine prefix (build/scripts/demo.js sits two levels below the repository). */
const REPO_PREFIX = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.wine-test', 'prefix');
const say = (s: string) => process.stdout.write(`${s}\n`);

say(`== 1. A Python entry-point launcher for demo_pkg.cli:main, in ${dir}`);
const tool = join(dir, 'demo-tool.exe');
writeFileSync(tool, buildPythonLauncher({ python: 'C:\\Python312\\python.exe', entry: 'demo_pkg.cli:main' }));
const info = readLauncher(new Uint8Array(readFileSync(tool)), tool);
say(JSON.stringify(info, (k, v) => (k === 'script' ? undefined : v), 2));

say('== 2. The launcher is also a zipapp: python3 runs its __main__.py');
mkdirSync(join(dir, 'demo_pkg'));
writeFileSync(join(dir, 'demo_pkg', '__init__.py'), '');
writeFileSync(join(dir, 'demo_pkg', 'cli.py'), 'import sys\ndef main():\n    print("demo_pkg.cli:main got", sys.argv)\n    return 3\n');
const py = spawnSync('python3', [tool, 'hello', 'two words'], { env: { ...process.env, PYTHONPATH: dir }, encoding: 'utf8' });
say(`${py.stdout.trim()} (exit code ${py.status})`);

const native = process.platform === 'win32';
const wine = !native && spawnSync('wine', ['--version'], { encoding: 'utf8' }).status === 0;
if (!native && !wine) {
  say('== 3. skipped: neither Windows nor Wine is present to run a launcher');
} else {
  say(`== 3. A real launcher run ${native ? 'natively' : 'under Wine (first start of a prefix takes a while)'}`);
  const exe = join(dir, 'hello.exe');
  writeFileSync(exe, buildLauncher({ kind: 'exec', program: 'C:\\windows\\system32\\cmd.exe', args: ['/c'] }));
  const env = { ...process.env, WINEDEBUG: '-all', WINEPREFIX: process.env['WINEPREFIX'] ?? REPO_PREFIX };
  const cmd = native ? exe : 'wine';
  const args = native ? ['echo hello from cmd.exe, started by a Bounce launcher& exit 42'] : [exe, 'echo hello from cmd.exe, started by a Bounce launcher& exit 42'];
  const run = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 180_000 });
  say(`${run.stdout.trim()}\nlauncher exit code: ${run.status} (the child's code, 42, passed through)`);
}
rmSync(dir, { recursive: true, force: true });
