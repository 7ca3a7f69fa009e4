import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs } from '../helpers/factories.ts';
import { multipart, PNG } from '../helpers/upload.ts';
import { MAX_ATTACHMENT_BYTES } from '../../src/attachments/attachment.service.ts';

const app = useTestApp();


// The start of a Windows executable (MZ header).
const EXE = Buffer.concat([Buffer.from('4d5a90000300000004000000ffff0000b800000000000000400000000000000000000000000000000000000000000000000000000000000000000000800000000e1fba0e00b409cd21b8014ccd21546869732070726f6772616d2063616e6e6f742062652072756e20696e20444f53206d6f64652e', 'hex'), Buffer.alloc(200)]);

async function setup() {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const cookie = await signInAs(app, desk);
  const created = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie }, payload: { title: '读卡器故障', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: new Date().toISOString(), levelKey: 'P1' } });
  return { c, cookie, id: created.json().id as string };
}

test('a screenshot is accepted, typed by its content, listed, downloadable, and recorded in the timeline', async () => {
  const { cookie, id } = await setup();
  const up = await app.inject({ method: 'POST', url: `/api/incidents/${id}/attachments`, headers: { cookie, ...multipart('截图.png', PNG).headers }, payload: multipart('截图.png', PNG).payload });
  assert.equal(up.statusCode, 201, up.body);
  assert.equal(up.json().mimeType, 'image/png');
  const { createHash } = await import('node:crypto');
  assert.equal(up.json().digest, createHash('sm3').update(PNG).digest('hex'), 'the SM3 digest of the file bytes');
  const list = await app.inject({ url: `/api/incidents/${id}/attachments`, headers: { cookie } });
  assert.deepEqual(list.json().map((a: { fileName: string }) => a.fileName), ['截图.png']);
  const dl = await app.inject({ url: `/api/attachments/${up.json().id}`, headers: { cookie } });
  assert.equal(dl.statusCode, 200);
  assert.equal(dl.headers['content-type'], 'image/png');
  assert.equal(dl.headers['x-content-type-options'], 'nosniff');
  assert.match(String(dl.headers['content-disposition']), /^attachment;/);
  assert.deepEqual(dl.rawPayload, PNG);
  const d = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie } })).json();
  assert.ok(d.events.some((e: { type: string }) => e.type === 'attachmentAdded'));
});

test('a file that is not what its name claims is refused, and nothing is stored', async () => {
  const { cookie, id } = await setup();
  const fake = await app.inject({ method: 'POST', url: `/api/incidents/${id}/attachments`, headers: { cookie, ...multipart('photo.png', EXE).headers }, payload: multipart('photo.png', EXE).payload });
  assert.equal(fake.statusCode, 415);
  assert.equal(fake.json().error.code, 'ATTACHMENT_TYPE_REFUSED');
  const renamed = await app.inject({ method: 'POST', url: `/api/incidents/${id}/attachments`, headers: { cookie, ...multipart('report.pdf', PNG).headers }, payload: multipart('report.pdf', PNG).payload });
  assert.equal(renamed.statusCode, 415);
  assert.match(renamed.json().error.message, /与扩展名不符/);
  const list = await app.inject({ url: `/api/incidents/${id}/attachments`, headers: { cookie } });
  assert.deepEqual(list.json(), []);
});

test('a file over the size limit is refused with 413', async () => {
  const { cookie, id } = await setup();
  const big = Buffer.concat([PNG, Buffer.alloc(MAX_ATTACHMENT_BYTES + 10)]);
  const r = await app.inject({ method: 'POST', url: `/api/incidents/${id}/attachments`, headers: { cookie, ...multipart('big.png', big).headers }, payload: multipart('big.png', big).payload });
  assert.equal(r.statusCode, 413);
  assert.equal(r.json().error.code, 'ATTACHMENT_TOO_LARGE');
});

test('another contract\'s attachment answers 404', async () => {
  const a = await setup();
  const b = await setup();
  const up = await app.inject({ method: 'POST', url: `/api/incidents/${a.id}/attachments`, headers: { cookie: a.cookie, ...multipart('x.png', PNG).headers }, payload: multipart('x.png', PNG).payload });
  const r = await app.inject({ url: `/api/attachments/${up.json().id}`, headers: { cookie: b.cookie } });
  assert.equal(r.statusCode, 404);
  const r2 = await app.inject({ method: 'POST', url: `/api/incidents/${a.id}/attachments`, headers: { cookie: b.cookie, ...multipart('x.png', PNG).headers }, payload: multipart('x.png', PNG).payload });
  assert.equal(r2.statusCode, 404);
});
