import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { zipSync } from 'fflate';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs } from '../helpers/factories.ts';
import { multipart, PNG } from '../helpers/upload.ts';
import { testLogger } from '../helpers/test-log.ts';
import { closedPort, EICAR, startFakeClamd, type FakeClamd } from '../helpers/fake-clamd.ts';
import { buildApp } from '../../src/http/app.ts';
import { ARCHIVE_LIMITS, checkArchive } from '../../src/attachments/archive-limits.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { AppError } from '../../src/errors.ts';

let clamd: FakeClamd;
let plain: FastifyInstance;
let scanned: FastifyInstance;
let unreachable: FastifyInstance;

const config = { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent' as const, signInPerMinute: 1000 };

before(async () => {
  clamd = await startFakeClamd();
  plain = await buildApp({ db: testDb(), config, logger: testLogger() });
  scanned = await buildApp({ db: testDb(), config: { ...config, clamd: { host: clamd.host, port: clamd.port } }, logger: testLogger() });
  unreachable = await buildApp({ db: testDb(), config: { ...config, clamd: { host: '127.0.0.1', port: await closedPort() } }, logger: testLogger() });
});
after(async () => {
  await Promise.all([plain.close(), scanned.close(), unreachable.close()]);
  await clamd.close();
  await closeTestDb();
});

/** A contract, a desk agent signed in to `app`, and one of their incidents. */
async function incidentOn(app: FastifyInstance) {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const cookie = await signInAs(app, desk);
  const created = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie }, payload: { title: '读卡器故障', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: new Date().toISOString(), levelKey: 'P1' } });
  assert.equal(created.statusCode, 201, created.body);
  return { contractId: c.id, cookie, id: created.json().id as string };
}

function upload(app: FastifyInstance, cookie: string, incidentId: string, fileName: string, content: Buffer) {
  const body = multipart(fileName, content);
  return app.inject({ method: 'POST', url: `/api/incidents/${incidentId}/attachments`, headers: { cookie, ...body.headers }, payload: body.payload });
}

async function storedFiles(incidentId: string): Promise<number> {
  return (await testDb().selectFrom('attachments').select('id').where('subject_id', '=', incidentId).execute()).length;
}

/** A zip whose central directory and local header claim `claimed` unpacked bytes for its one entry, whatever it really holds. */
function lyingZip(realBytes: number, claimed: number): Buffer {
  const zip = Buffer.from(zipSync({ 'data.bin': new Uint8Array(realBytes) }, { level: 9 }));
  const local = zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(claimed, local + 22);
  zip.writeUInt32LE(claimed, central + 24);
  return zip;
}

test('archives are on the allowlist: an ordinary ZIP is stored; a zip bomb (ratio, unpacked size, lying sizes) is refused with 422 and nothing is stored', async () => {
  const { cookie, id } = await incidentOn(plain);
  const logs = zipSync({ 'logs/reader-1.log': Buffer.from('读卡器返回错误码 E42\n'.repeat(200)), 'logs/reader-2.log': Buffer.from('重启后恢复\n'.repeat(50)) });
  const ok = await upload(plain, cookie, id, '日志.zip', Buffer.from(logs));
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(ok.json().mimeType, 'application/zip');

  // 20 MB of zeros deflate to about 20 KB: a ratio near 1000:1
  const bomb = Buffer.from(zipSync({ 'a.bin': new Uint8Array(20 * 1024 * 1024), 'b.bin': new Uint8Array(20 * 1024 * 1024) }, { level: 9 }));
  assert.ok(bomb.length < 200 * 1024);
  const refused = await upload(plain, cookie, id, 'bomb.zip', bomb);
  assert.equal(refused.statusCode, 422);
  assert.equal(refused.json().error.code, 'ATTACHMENT_ARCHIVE_REFUSED');
  assert.match(refused.json().error.message, /压缩比约为 \d+:1，超过 100:1 上限/);

  // the directory claims 1 KB, the entry inflates to 5 MB: caught while inflating in memory
  const liar = await upload(plain, cookie, id, 'liar.zip', lyingZip(5 * 1024 * 1024, 1024));
  assert.equal(liar.statusCode, 422);
  assert.equal(liar.json().error.code, 'ATTACHMENT_ARCHIVE_REFUSED');
  assert.match(liar.json().error.message, /与其目录不符/);

  // a Word or Excel file is a ZIP too, and gets the same checks
  const docxBomb = Buffer.from(zipSync({ '[Content_Types].xml': Buffer.from('<Types/>'), 'word/document.xml': new Uint8Array(30 * 1024 * 1024) }, { level: 9 }));
  const docx = await upload(plain, cookie, id, 'report.zip', docxBomb);
  assert.equal(docx.statusCode, 422);

  assert.equal(await storedFiles(id), 1, 'only the ordinary ZIP was stored');
});

test('archive limits by themselves: total unpacked size, entry count, and a small file that compresses well is fine', async () => {
  const tight = { ...ARCHIVE_LIMITS, maxUnpackedBytes: 2 * 1024 * 1024, maxEntries: 3 };
  const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919) % 251));
  await assert.rejects(checkArchive('big.zip', Buffer.from(zipSync({ 'a.bin': random(3 * 1024 * 1024) })), tight), (e: unknown) => e instanceof AppError && e.code === 'ATTACHMENT_ARCHIVE_REFUSED' && /解压后约 3 MB，超过 2 MB 上限/.test(e.message));
  await assert.rejects(checkArchive('many.zip', Buffer.from(zipSync({ a: random(10), b: random(10), c: random(10), d: random(10) })), tight), /4 个条目，超过 3 个上限/);
  await checkArchive('zeros.zip', Buffer.from(zipSync({ 'zeros.bin': new Uint8Array(512 * 1024) }, { level: 9 })));
  await assert.rejects(checkArchive('broken.zip', Buffer.from('PK\u0003\u0004 not really a zip')), /不是完整有效的 ZIP/);
});

test('with clamd configured, the EICAR test file is refused (422, Chinese message), nothing is stored, and the refusal is audited', async () => {
  const { contractId, cookie, id } = await incidentOn(scanned);
  const before = clamd.scans.length;
  const r = await upload(scanned, cookie, id, 'eicar.txt', Buffer.from(EICAR));
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'ATTACHMENT_MALWARE_FOUND');
  assert.match(r.json().error.message, /发现恶意代码（Eicar-Signature），已拒绝上传，未保存任何内容/);
  assert.equal(clamd.scans.length, before + 1);
  assert.equal(clamd.scans.at(-1)?.toString(), EICAR, 'clamd received the file itself');
  assert.equal(await storedFiles(id), 0);
  const audit = await testDb().selectFrom('audit_log').selectAll().where('action', '=', 'attachment.malwareRefused').where('entity_id', '=', id).execute();
  assert.equal(audit.length, 1);
  assert.equal(audit[0]?.contract_id, contractId);
  assert.deepEqual((audit[0]?.after as { signature: string; fileName: string }).signature, 'Eicar-Signature');

  const clean = await upload(scanned, cookie, id, '截图.png', PNG);
  assert.equal(clean.statusCode, 201, clean.body);
  assert.deepEqual(clamd.scans.at(-1), PNG, 'clean files are scanned too, then stored');
  assert.equal(await storedFiles(id), 1);
});

test('a file larger than one INSTREAM chunk reaches clamd whole (the EICAR string past the first 64 KB is still found)', async () => {
  const { cookie, id } = await incidentOn(scanned);
  const hidden = Buffer.from(`${'正常的日志内容\n'.repeat(20_000)}${EICAR}\n`);
  const r = await upload(scanned, cookie, id, 'long.log', hidden);
  assert.equal(r.statusCode, 422);
  assert.equal(clamd.scans.at(-1)?.length, hidden.length);
});

test('clamd configured but unreachable: uploads are refused with 503 and a clear message (fail closed), nothing is stored', async () => {
  const { cookie, id } = await incidentOn(unreachable);
  const r = await upload(unreachable, cookie, id, '截图.png', PNG);
  assert.equal(r.statusCode, 503);
  assert.equal(r.json().error.code, 'MALWARE_SCAN_UNAVAILABLE');
  assert.match(r.json().error.message, /病毒扫描服务暂不可用，为安全起见文件暂不能上传/);
  assert.equal(await storedFiles(id), 0);
});

test('YUNWEI_CLAMD is validated at start: host:port, port in range', () => {
  assert.deepEqual(loadConfig({ YUNWEI_CLAMD: 'clamav.internal:3310' }, '/tmp').clamd, { host: 'clamav.internal', port: 3310 });
  assert.deepEqual(loadConfig({ YUNWEI_CLAMD: '[::1]:3310' }, '/tmp').clamd, { host: '::1', port: 3310 });
  assert.equal(loadConfig({}, '/tmp').clamd, null);
  for (const bad of ['clamav', 'clamav:', 'tcp://clamav:3310', 'clamav:70000', 'clamav:0']) {
    assert.throws(() => loadConfig({ YUNWEI_CLAMD: bad }, '/tmp'), (e: unknown) => e instanceof ConfigError && /YUNWEI_CLAMD/.test(e.message), bad);
  }
});
