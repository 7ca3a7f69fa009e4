/**
 * Crypto-provider conformance (security.md check 36): the SM3 vector of
 * GB/T 32905, an SM2 signature made by OpenSSL verified by our verifier, and
 * a guard against Node's `crypto.sign`/`createSign` on SM2 keys (which makes
 * ECDSA over the SM2 curve, not an SM2 signature).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sm3Hex } from '../../src/shared/crypto.ts';
import { verifyAnchorSignature } from '../../src/audit/audit-anchor.ts';

const SRC = join(import.meta.dirname, '..', '..', 'src');

test('SM3("abc") is the GB/T 32905-2016 example 1', () => {
  assert.equal(sm3Hex('abc'), '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  assert.equal(sm3Hex('abcd'.repeat(16)), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732', 'example 2 (512-bit message)');
});

test('an SM2 signature made by OpenSSL (distid 1234567812345678) verifies with our anchor verifier; a changed payload does not', { skip: !existsSync('/usr/bin/openssl') && 'no /usr/bin/openssl on this machine' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'yunwei-sm2-'));
  try {
    const payload = '{"anchoredAt":"2026-11-24T08:00:00.000Z","lastHash":"ab12","lastSeq":"42"}';
    writeFileSync(join(dir, 'm.bin'), payload);
    execFileSync('openssl', ['genpkey', '-algorithm', 'SM2', '-out', join(dir, 'k.pem')], { stdio: 'pipe' });
    execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', join(dir, 'k.pem'), '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-in', join(dir, 'm.bin'), '-out', join(dir, 's.der')], { stdio: 'pipe' });
    const spki = createPublicKey(readFileSync(join(dir, 'k.pem'))).export({ type: 'spki', format: 'der' });
    const publicKey = spki.subarray(spki.length - 65).toString('hex');
    assert.match(publicKey, /^04[0-9a-f]{128}$/);
    const signature = readFileSync(join(dir, 's.der')).toString('hex');
    assert.equal(verifyAnchorSignature({ payload, signature, publicKey }), true);
    assert.equal(verifyAnchorSignature({ payload: payload.replace('"42"', '"43"'), signature, publicKey }), false);
    // signed without the distinguishing ID (OpenSSL's empty default): not a GB/T 32918 signature with the standard ID
    execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', join(dir, 'k.pem'), '-rawin', '-digest', 'sm3', '-in', join(dir, 'm.bin'), '-out', join(dir, 'n.der')], { stdio: 'pipe' });
    assert.equal(verifyAnchorSignature({ payload, signature: readFileSync(join(dir, 'n.der')).toString('hex'), publicKey }), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Calls of Node's signing API in a TypeScript source: `crypto.sign(`, `createSign(`, `createVerify(`, or `sign`/`verify` imported from node:crypto. */
function nodeSigningCalls(source: string): string[] {
  const found: string[] = [];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(/\b(createSign|createVerify)\s*\(/g)) found.push(m[1] ?? '');
  for (const m of code.matchAll(/\b(?:crypto|nodeCrypto)\s*\.\s*(sign|verify)\s*\(/g)) found.push(`crypto.${m[1] ?? ''}`);
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?crypto['"]/g)) {
    for (const name of (m[1] ?? '').split(',').map((n) => n.trim().split(/\s+as\s+/)[0])) {
      if (name === 'sign' || name === 'verify' || name === 'createSign' || name === 'createVerify') found.push(`import { ${name} }`);
    }
  }
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : n.endsWith('.ts') ? [p] : [];
  });
}

test('guard: no server source signs or verifies with Node’s crypto.sign/createSign (ECDSA on the SM2 curve); SM2 goes through sm-crypto-v2', () => {
  // the guard itself catches the trap in its usual forms
  assert.deepEqual(nodeSigningCalls("const sig = crypto.sign('sm3', data, sm2Key);"), ['crypto.sign']);
  assert.deepEqual(nodeSigningCalls("import { createSign } from 'node:crypto';\nconst s = createSign('SM3');"), ['createSign', 'import { createSign }']);
  assert.deepEqual(nodeSigningCalls("import { randomBytes, sign as s } from 'crypto';"), ['import { sign }']);
  assert.deepEqual(nodeSigningCalls("// crypto.sign('sm3', …) would be ECDSA\nsm2.doSignature(text, key, { hash: true });"), []);

  const offenders = sources(SRC).flatMap((file) => nodeSigningCalls(readFileSync(file, 'utf8')).map((call) => `${relative(SRC, file)}: ${call}`));
  assert.deepEqual(offenders, [], 'sign SM2 with sm-crypto-v2 (signAnchor), never with Node’s crypto.sign/createSign');
});
