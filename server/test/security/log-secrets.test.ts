/**
 * No secrets in logs (security.md check 35). The whole-suite grep runs in
 * bin/run-tests.mjs after the last test file (test/helpers/log-scan.ts);
 * these tests show that the grep finds what it looks for, and that the
 * server's own log settings keep credentials, bodies and query values out.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs, TEST_PASSWORD } from '../helpers/factories.ts';
import { corpusSecrets, scanLogs } from '../helpers/log-scan.ts';
import { buildApp, loggedUrl } from '../../src/http/app.ts';

const lines: string[] = [];
let app: FastifyInstance;
before(async () => {
  app = await buildApp({
    db: testDb(),
    config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', signInPerMinute: 1000 },
    logger: { level: 'trace', stream: { write: (l: string) => void lines.push(l) } },
  });
});
after(async () => {
  await app.close();
  await closeTestDb();
});

test('the log grep finds a planted password, session token or ID number (plain or full width), and names no secret in its report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yunwei-logscan-'));
  try {
    writeFileSync(join(dir, 'server-1.log'), '{"msg":"clean line"}\n{"msg":"token abcdef0123456789"}\n');
    writeFileSync(join(dir, 'server-2.log'), `{"msg":"${TEST_PASSWORD}"}\n{"msg":"身份证 １１０１０５１９４９１２３１００２Ｘ"}\n`);
    const corpus = corpusSecrets(join(import.meta.dirname, '..'));
    assert.ok(corpus.some((s) => s.value === TEST_PASSWORD), 'the factories’ password is in the corpus');
    assert.ok(corpus.some((s) => s.value === '11010519491231002X'), 'so is the standard’s ID number');
    const r = scanLogs(dir, [...corpus, { kind: 'sessionToken', value: 'abcdef0123456789' }]);
    assert.equal(r.files, 2);
    assert.deepEqual(
      r.hits.map((h) => `${h.file}:${h.line}:${h.kind}`),
      ['server-1.log:2:sessionToken', 'server-2.log:1:password', 'server-2.log:2:idNumber'],
    );
    assert.deepEqual(scanLogs(dir, [{ kind: 'password', value: 'not-in-any-log' }]).hits, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('request logs carry no password, cookie, body or query value, even at trace level', async () => {
  const c = await buildContract(testDb());
  const user = await buildUser(testDb(), { contractId: c.id, roles: ['deskAgent'] });
  const cookie = await signInAs(app, user);
  await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: 'Wrong-Passw0rd-9' } });
  await app.inject({ url: `/api/contracts/${c.id}/incidents?q=11010519491231002X&status=new`, headers: { cookie, authorization: 'Bearer secret-bearer-token' } });
  const text = lines.join('');
  assert.ok(lines.length > 4, 'requests were logged');
  const token = cookie.slice(cookie.indexOf('=') + 1);
  for (const secret of [TEST_PASSWORD, 'Wrong-Passw0rd-9', token, '11010519491231002X', 'secret-bearer-token']) assert.equal(text.includes(secret), false, `the log holds ${secret.slice(0, 4)}…`);
  assert.match(text, /"url":"\/api\/contracts\/[0-9a-f-]+\/incidents\?q=…&status=…"/);
  assert.equal(loggedUrl('/api/x?a=1&b=&c'), '/api/x?a=…&b=…&c=…');
  assert.equal(loggedUrl('/api/x'), '/api/x');
});

test('explicit logs of a request, its headers or body are redacted', () => {
  const captured: string[] = [];
  const pino = app.log.child({}, { level: 'info' });
  // app.log writes to the same stream; log the dangerous shapes on purpose
  pino.info({ req: { headers: { cookie: 'yunwei_session=abc123secret', authorization: 'Basic dXNlcjpwYXNz' }, body: { password: 'P' } } }, 'request dump');
  pino.info({ body: { password: 'Body-Passw0rd' }, password: 'Top-Passw0rd', user: { password: 'Nested-Passw0rd', secret: 'JBSWY3DPEHPK3PXP' } }, 'objects');
  captured.push(...lines.slice(-2));
  const text = captured.join('');
  for (const s of ['abc123secret', 'dXNlcjpwYXNz', 'Body-Passw0rd', 'Top-Passw0rd', 'Nested-Passw0rd', 'JBSWY3DPEHPK3PXP']) assert.equal(text.includes(s), false, s);
  assert.match(text, /\[已隐去\]/);
});
