// A launcher signed with Authenticode (osslsigncode, a throwaway self-signed RSA certificate made
// with openssl) keeps working, because its payload is a PE resource and not bytes at the end of
// the file (facts §7, uv #15022): osslsigncode verifies the signature (trusting that certificate)
// and its digest, a tampered copy fails verification (negative control), readLauncher reports
// signed:true and the same spec, `python3 signed.exe` still runs the zipapp, and under Wine the
// signed launcher still starts its interpreter with the exact command line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildLauncher } from '../src/build.js';
import { BounceError } from '../src/errors.js';
import { replaceResources } from '../src/pe.js';
import { readBounceLauncher, readLauncher } from '../src/read.js';
import { harnessExec, readProbeReport, toWindowsPath } from './support/wine.js';
import { probeAt, probeEnv, tempDir, windowsSkip } from './support/launchers.js';

function missingTools(): string | null {
  for (const [tool, args] of [['osslsigncode', ['--version']], ['openssl', ['version']]] as const) {
    const r = spawnSync(tool, args);
    if (r.error || r.status !== 0) return `${tool} is not installed (apt-get install osslsigncode openssl)`;
  }
  return null;
}

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The two digests osslsigncode verify prints: the one in the signature and the file's own. */
function digests(verifyOutput: string): { current: string | undefined; calculated: string | undefined } {
  return {
    current: /Current message digest\s*:\s*([0-9A-F]+)/.exec(verifyOutput)?.[1],
    calculated: /Calculated message digest\s*:\s*([0-9A-F]+)/.exec(verifyOutput)?.[1],
  };
}

const toolsSkip = missingTools();

describe('an Authenticode-signed launcher', { skip: toolsSkip ?? false }, () => {
  const work = tempDir('bounce-sign-');
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  // The interpreter is the probe under Wine; python3 ignores it and runs the zip.
  const interpreter = path.join(work, 'py dir', 'python.exe');
  const unsigned = path.join(work, 'tool.exe');
  const signed = path.join(work, 'signed tool.exe');
  const cert = path.join(work, 'cert.pem');
  const key = path.join(work, 'key.pem');
  const MAIN = 'import sys\nprint(sys.argv[1:])\nsys.exit(int(sys.argv[1]))\n';

  before(() => {
    fs.writeFileSync(
      unsigned,
      buildLauncher({ kind: 'script', program: toWindowsPath(interpreter), files: [{ name: '__main__.py', data: new TextEncoder().encode(MAIN) }] }),
    );
    const req = run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=Bounce test signer']);
    assert.equal(req.status, 0, req.out);
    const sign = run('osslsigncode', ['sign', '-certs', cert, '-key', key, '-n', 'Bounce test', '-in', unsigned, '-out', signed]);
    assert.equal(sign.status, 0, sign.out);
  });

  test('osslsigncode verifies the signature and its digest', () => {
    const v = run('osslsigncode', ['verify', '-CAfile', cert, '-in', signed]);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /Signer's certificate:[\s\S]*Subject: \/CN=Bounce test signer/);
    const { current, calculated } = digests(v.out);
    assert.ok(current !== undefined && current.length === 64, v.out);
    assert.equal(calculated, current, 'the signed digest matches the file');
    assert.match(v.out, /Signature verification: ok/);
    assert.doesNotMatch(v.out, /MISMATCH|invalid PE checksum/);
    assert.match(run('osslsigncode', ['verify', '-in', unsigned]).out, /No signature found/);
  });

  test('negative control: a byte changed after signing fails verification', () => {
    const bytes = fs.readFileSync(signed);
    const at = bytes.indexOf('sys.exit');
    assert.ok(at > 0);
    bytes[at] = 'S'.charCodeAt(0);
    const tampered = path.join(work, 'tampered.exe');
    fs.writeFileSync(tampered, bytes);
    const v = run('osslsigncode', ['verify', '-CAfile', cert, '-in', tampered]);
    assert.notEqual(v.status, 0);
    const { current, calculated } = digests(v.out);
    assert.ok(current !== undefined && calculated !== undefined, v.out);
    assert.notEqual(calculated, current);
  });

  test('readLauncher reports signed:true and the same spec; the writer refuses to change it', () => {
    const unsignedBytes = new Uint8Array(fs.readFileSync(unsigned));
    const signedBytes = new Uint8Array(fs.readFileSync(signed));
    assert.ok(signedBytes.length > unsignedBytes.length, 'the signature is appended');
    const info = readLauncher(signedBytes, signed);
    assert.deepEqual(info, { ...readBounceLauncher(unsignedBytes), signed: true });
    assert.throws(() => replaceResources(signedBytes, []), (e: unknown) => e instanceof BounceError && e.kind === 'badFormat' && /signed/.test(e.message));
  });

  test('python3 signed.exe still runs the zipapp', { skip: spawnSync('python3', ['--version']).status === 0 ? false : 'python3 is not installed' }, () => {
    const r = spawnSync('python3', [signed, '5', 'two words'], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, "['5', 'two words']\n");
    assert.equal(r.status, 5);
  });

  const winSkip = windowsSkip();
  test('the signed launcher still runs under Wine: "<python>" "<launcher>" args', { skip: winSkip ?? false }, async () => {
    probeAt(path.dirname(interpreter), path.basename(interpreter));
    const w = toWindowsPath;
    const { report, env } = probeEnv(work, { PROBE_EXIT: '0xC0DE' });
    const r = await harnessExec(w(signed), `"${w(signed)}" a "b c"`, { env });
    assert.equal(r.exitCode, 0xc0de);
    assert.equal(readProbeReport(report).commandLine, `"${w(interpreter)}" "${w(signed)}" a "b c"`);
  });
});
