import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blindIndex, decryptField, encryptField, envelopeKeyId } from '../../src/privacy/field-crypto.ts';
import { addActiveKey, loadOrCreateKeyRing, memoryKeyRing } from '../../src/privacy/key-ring.ts';
import { openRecord, revealField, sealRecord } from '../../src/privacy/pii-vault.ts';
import { maskAddress, maskContact, maskName, maskText } from '../../src/privacy/pii.ts';
import { AppError } from '../../src/errors.ts';

const ID = '11010519491231002X';
const ringA = memoryKeyRing([{ id: 'ka', secret: randomBytes(32) }], 'ka');

test('SM4 conformance: GB/T 32907-2016 example 1 with Node built-in crypto', () => {
  const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');
  const c = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
  const out = Buffer.concat([c.update(key), c.final()]).toString('hex');
  assert.equal(out, '681edf34d206965e86b3e94f536e4246');
});

test('envelopes: round trip, fresh IV each time, the same blind index', () => {
  const a = encryptField(ringA, ID, 'incidents:1');
  const b = encryptField(ringA, ID, 'incidents:1');
  assert.notEqual(a, b, 'two seals of the same value differ');
  assert.ok(!a.includes(ID) && !Buffer.from(a.split('.')[3] ?? '', 'base64url').toString('utf8').includes(ID));
  assert.equal(decryptField(ringA, a, 'incidents:1'), ID);
  assert.equal(blindIndex(ringA, ID), blindIndex(ringA, ID.toLowerCase()), 'index normalises the X');
  assert.notEqual(blindIndex(ringA, ID), blindIndex(ringA, '13812345678'));
});

test('envelopes: a flipped bit, another place or a wrong key fail with PII_DECRYPT_FAILED', () => {
  const env = encryptField(ringA, '张三丰 13812345678', 'incidents:1');
  const parts = env.split('.');
  const ct = Buffer.from(parts[3] ?? '', 'base64url');
  ct[0] = (ct[0] ?? 0) ^ 1;
  const flipped = [parts[0], parts[1], parts[2], ct.toString('base64url'), parts[4]].join('.');
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return e instanceof AppError ? e.code : 'other';
    }
  };
  assert.equal(code(() => decryptField(ringA, flipped, 'incidents:1')), 'PII_DECRYPT_FAILED');
  assert.equal(code(() => decryptField(ringA, env, 'incidents:2')), 'PII_DECRYPT_FAILED', 'moved to another row');
  const other = memoryKeyRing([{ id: 'ka', secret: randomBytes(32) }], 'ka');
  assert.equal(code(() => decryptField(other, env, 'incidents:1')), 'PII_DECRYPT_FAILED', 'same id, wrong key');
  const missing = memoryKeyRing([{ id: 'kb', secret: randomBytes(32) }], 'kb');
  assert.equal(code(() => decryptField(missing, env, 'incidents:1')), 'PII_DECRYPT_FAILED', 'unknown key id');
});

test('key file: created 0600 on first use, rotation keeps old keys so old envelopes still open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yunwei-keys-'));
  const path = join(dir, 'keys', 'data-keys.json');
  const first = loadOrCreateKeyRing(path, new Date('2026-11-24T00:00:00Z'));
  assert.equal(first.created, true);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const env = encryptField(first.ring, ID, 'x:1');
  const rotated = addActiveKey(path, new Date('2026-11-25T00:00:00Z'));
  assert.notEqual(rotated.newKeyId, rotated.previousKeyId);
  assert.equal(rotated.ring.activeKeyId, rotated.newKeyId);
  assert.equal(decryptField(rotated.ring, env, 'x:1'), ID, 'old envelope opens after rotation');
  assert.equal(envelopeKeyId(encryptField(rotated.ring, ID, 'x:1')), rotated.newKeyId);
  // a process that loaded the ring before the rotation reloads the file when it meets the new key
  assert.equal(decryptField(first.ring, encryptField(rotated.ring, ID, 'x:1'), 'x:1'), ID);
  const file = JSON.parse(readFileSync(path, 'utf8')) as { keys: { id: string; retiredAt: string | null }[] };
  assert.deepEqual(file.keys.map((k) => Boolean(k.retiredAt)), [true, false]);
  assert.equal(loadOrCreateKeyRing(path, new Date()).created, false);
});

test('sealed records: readable columns masked, originals only in the envelope, reveal per field', () => {
  const spec = { title: 'text', reporterName: 'name', reporterContact: 'contact', note: 'text' } as const;
  const s = sealRecord(spec, 'incidents:9', { title: `身份证 ${ID} 补卡失败`, reporterName: '张三丰', reporterContact: '13812345678', note: '无个人信息' }, null, ringA);
  assert.equal(s.masked.title, '身份证 110105********002X 补卡失败');
  assert.equal(s.masked.reporterName, '张*丰');
  assert.equal(s.masked.reporterContact, '138****5678');
  assert.equal(s.masked.note, '无个人信息');
  assert.ok(s.sealed);
  assert.deepEqual(Object.keys(openRecord('incidents:9', s.sealed, ringA)).sort(), ['reporterContact', 'reporterName', 'title']);
  assert.equal(s.indexes.length, 2, 'the ID and the mobile are indexed');
  assert.ok(s.indexes.includes(blindIndex(ringA, ID)));
  assert.equal(revealField('incidents:9', s.sealed, 'reporterContact', s.masked.reporterContact, ringA), '13812345678');
  assert.equal(revealField('incidents:9', s.sealed, 'note', s.masked.note, ringA), '无个人信息', 'an unsealed field reveals as stored');
  // updating one field keeps the others' originals
  const s2 = sealRecord(spec, 'incidents:9', { title: '补卡失败（已处理）' }, s.sealed, ringA);
  assert.equal(s2.masked.title, '补卡失败（已处理）');
  assert.deepEqual(Object.keys(openRecord('incidents:9', s2.sealed ?? '', ringA)).sort(), ['reporterContact', 'reporterName']);
  assert.equal(sealRecord(spec, 'incidents:9', { note: '普通说明' }, null, ringA).sealed, null, 'nothing personal, nothing sealed');
});

test('masking patterns: names, addresses, contacts, full-width digits', () => {
  assert.equal(maskName('张三'), '张*');
  assert.equal(maskName('张三丰'), '张*丰');
  assert.equal(maskName('欧阳娜娜'), '欧阳**');
  assert.equal(maskName('阿卜杜拉'), '阿**拉');
  assert.equal(maskAddress('北京市海淀区马甸桥东路12号院3号楼'), '北京市海淀区马********');
  assert.equal(maskAddress('广州市越秀区北京街道文德路8号'), '广州市越秀区北京街道*****');
  assert.equal(maskContact('13812345678'), '138****5678');
  assert.equal(maskContact('020-83331234'), '020-****1234');
  assert.equal(maskContact('zhang.san@example.com'), 'z***@example.com');
  assert.equal(maskText('身份证１１０１０５１９４９１２３１００２Ｘ，电话１３８００１３８０００'), '身份证110105********002X，电话138****8000');
  assert.equal(maskText('资产编号 110105194912310021'), '资产编号 110105194912310021', 'bad check digit stays');
});
