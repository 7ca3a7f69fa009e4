import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, contractYaml, signInAs } from '../helpers/factories.ts';
import { multipart } from '../helpers/upload.ts';
import { JSON_BODY_LIMIT } from '../../src/http/app.ts';

const app = useTestApp();

async function deskAgent() {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  return { c, cookie: await signInAs(app, desk) };
}

const incident = (description: string) => ({ title: '读卡器故障', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: new Date().toISOString(), levelKey: 'P1', description });

test('a JSON endpoint sent text/plain answers 415 UNSUPPORTED_MEDIA_TYPE, signed out or in, and stores nothing', async () => {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'username=a&password=b' });
  assert.equal(login.statusCode, 415);
  assert.equal(login.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
  assert.match(login.json().error.message, /只接受 JSON/);

  const { c, cookie } = await deskAgent();
  const create = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie, 'content-type': 'text/plain' }, payload: JSON.stringify(incident('text/plain 提交')) });
  assert.equal(create.statusCode, 415);
  assert.equal(create.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
  const xml = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie, 'content-type': 'application/xml' }, payload: '<incident/>' });
  assert.equal(xml.statusCode, 415);
  const rows = await testDb().selectFrom('incidents').select('id').where('contract_id', '=', c.id).execute();
  assert.equal(rows.length, 0);
});

test('a JSON body over 1 MB answers 413 REQUEST_TOO_LARGE before any parsing; just under it reaches validation', async () => {
  const big = JSON.stringify({ username: 'x'.repeat(JSON_BODY_LIMIT), password: 'y' });
  const r = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: big });
  assert.equal(r.statusCode, 413);
  assert.equal(r.json().error.code, 'REQUEST_TOO_LARGE');
  assert.match(r.json().error.message, /超过 1 MB/);

  const { c, cookie } = await deskAgent();
  const under = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie }, payload: incident('长'.repeat(300_000)) });
  assert.equal(under.statusCode, 400, 'about 900 KB: parsed, then refused by the schema (description ≤ 10,000 characters)');
  assert.equal(under.json().error.code, 'VALIDATION_FAILED');
});

test('a 2 MB pathological HTML ticket body is answered 413 at once, and nothing is stored (security.md check 40)', async () => {
  const { c, cookie } = await deskAgent();
  const html = `${'<div><span onmouseover="x">'.repeat(60_000)}<script>alert(1)</script>${'<a href="javascript:alert(1)">'.repeat(20_000)}`;
  const body = JSON.stringify(incident(html));
  assert.ok(Buffer.byteLength(body) > 2 * 1024 * 1024 - 1, 'the body is at least 2 MB');
  const started = Date.now();
  const r = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie, 'content-type': 'application/json' }, payload: body });
  assert.equal(r.statusCode, 413);
  assert.equal(r.json().error.code, 'REQUEST_TOO_LARGE');
  assert.ok(Date.now() - started < 5_000);
  const rows = await testDb().selectFrom('incidents').select('id').where('contract_id', '=', c.id).execute();
  assert.equal(rows.length, 0);
});

test('contract definitions may exceed 1 MB (their route allows 8 MB), and uploads keep their own 10 MB limit', async () => {
  const db = testDb();
  const admin = await buildUser(db, { platformAdmin: true });
  const cookie = await signInAs(app, admin);
  const yaml = `${contractYaml()}\n${'# 注释行：合同原文摘录，用于把导入的内容撑到 1 MB 以上\n'.repeat(20_000)}`;
  assert.ok(Buffer.byteLength(yaml) > 1.2 * 1024 * 1024);
  const v = await app.inject({ method: 'POST', url: '/api/contracts/validate', headers: { cookie }, payload: { yaml } });
  assert.equal(v.statusCode, 200, v.body);
  assert.equal(v.json().ok, true);

  const { c, cookie: desk } = await deskAgent();
  const created = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: desk }, payload: incident('') });
  assert.equal(created.statusCode, 201, created.body);
  const log = Buffer.from('2026-11-24 10:00:01 读卡器返回错误码 E42\n'.repeat(70_000));
  assert.ok(log.length > 3 * 1024 * 1024);
  const up = await app.inject({ method: 'POST', url: `/api/incidents/${created.json().id}/attachments`, headers: { cookie: desk, ...multipart('reader.log', log).headers }, payload: multipart('reader.log', log).payload });
  assert.equal(up.statusCode, 201, up.body);
  assert.equal(up.json().sizeBytes, log.length);
});
