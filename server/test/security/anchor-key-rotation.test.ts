/**
 * Rotation of the audit-anchor signing key (`yunwei audit rotate-anchor-key`):
 * anchors signed before the rotation still verify with the retired public
 * key kept in the key file, new anchors are signed with the new key, a
 * running server's store picks the new key up, and an anchor signed by an
 * unknown key, or by the retired key after its retirement, fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { isolatedDb } from '../helpers/db.ts';
import { recordAudit, SYSTEM_ACTOR } from '../../src/audit/audit.service.ts';
import { anchorAuditChain, ANCHOR_GENESIS, readAnchors, rotateAnchorKey, signAnchor, verifyAuditWithAnchors, type AnchorPayload } from '../../src/audit/audit-anchor.ts';
import { sm3Hex } from '../../src/shared/crypto.ts';
import { tempAnchorStore } from './security-app.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');

test('anchors verify across a key rotation; an anchor signed by an unknown key, or by the retired key afterwards, fails', async () => {
  const iso = await isolatedDb();
  const anchors = tempAnchorStore();
  try {
    const t0 = new Date(Date.now() - 3_600_000);
    await iso.db.transaction().execute((trx) => recordAudit(trx, SYSTEM_ACTOR, { action: 'test.row', entityType: 'test', entityId: '1', contractId: null, after: { n: 1 } }, t0));
    assert.ok(await anchorAuditChain(iso.db, anchors.store, t0));
    const oldPublicKey = anchors.store.publicKey;
    const oldPrivateKey = anchors.store.privateKey;

    // the running server's store object stays the same; the rotation changes the key file under it
    const t1 = new Date(t0.getTime() + 60_000);
    const rotated = await rotateAnchorKey(iso.db, anchors.store, SYSTEM_ACTOR, t1);
    assert.notEqual(rotated.fingerprint, rotated.previousFingerprint);
    const keyFile = JSON.parse(readFileSync(anchors.keyFile, 'utf8')) as { publicKey: string; retired: { publicKey: string; retiredAt: string }[] };
    assert.notEqual(keyFile.publicKey, oldPublicKey);
    assert.deepEqual(keyFile.retired.map((k) => [k.publicKey, k.retiredAt]), [[oldPublicKey, t1.toISOString()]]);
    assert.ok(existsSync(`${anchors.keyFile}.${t1.toISOString().replace(/[:.]/g, '-')}.pub.pem`), 'the retired public key as PEM, for OpenSSL');

    // new rows, and an anchor from the same (unchanged) store object: signed with the new key
    const t2 = new Date(t1.getTime() + 60_000);
    await iso.db.transaction().execute((trx) => recordAudit(trx, SYSTEM_ACTOR, { action: 'test.row', entityType: 'test', entityId: '2', contractId: null, after: { n: 2 } }, t2));
    assert.ok(await anchorAuditChain(iso.db, anchors.store, t2));
    const lines = readAnchors(anchors.store.dir);
    assert.deepEqual(
      lines.map((l) => l.raw?.publicKey === oldPublicKey),
      [true, true, false, false],
      'first anchor and the last one before the rotation by the old key; the rotation anchor and later ones by the new key',
    );
    const audit = await iso.db.selectFrom('audit_log').select('after').where('action', '=', 'security.anchorKeyRotated').executeTakeFirstOrThrow();
    assert.deepEqual(Object.keys(audit.after as object).sort(), ['fingerprint', 'lastOldAnchorSeq', 'previousFingerprint']);

    const ok = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(ok.ok, true, JSON.stringify(ok.anchors.problem));
    assert.equal(ok.anchors.checked, 4);

    // someone signs a further anchor with the retired key (say it leaked): not trusted after its retirement
    const head = await iso.db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    const count = await iso.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const last = lines[lines.length - 1];
    const forge = (privateKey: string, at: Date) => {
      const payload: AnchorPayload = { v: 1, anchoredAt: at.toISOString(), lastSeq: String(head.seq), lastHash: head.hash, rowCount: String(count.n), prev: last?.raw ? sm3Hex(last.raw.signature) : ANCHOR_GENESIS };
      return `${JSON.stringify(signAnchor(privateKey, payload))}\n`;
    };
    const file = last?.file ?? '';
    const original = readFileSync(file, 'utf8');
    appendFileSync(file, forge(oldPrivateKey, new Date(t2.getTime() + 60_000)));
    const retiredUse = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(retiredUse.ok, false);
    assert.equal(retiredUse.anchors.problem?.kind, 'foreignKey');
    assert.match(retiredUse.anchors.problem?.message ?? '', /已于 .* 退役的锚点签名密钥签署的/);

    // an anchor signed by a key the platform never had
    writeFileSync(file, original);
    appendFileSync(file, forge(sm2.generateKeyPairHex().privateKey, new Date(t2.getTime() + 60_000)));
    const unknown = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(unknown.ok, false);
    assert.equal(unknown.anchors.problem?.kind, 'foreignKey');
    assert.match(unknown.anchors.problem?.message ?? '', /不是用本平台的锚点签名密钥（现用或已退役）签署的/);

    writeFileSync(file, original);
    assert.equal((await verifyAuditWithAnchors(iso.db, anchors.store)).ok, true);
  } finally {
    anchors.remove();
    await iso.drop();
  }
});

test('the CLI rotates the anchor key, and `audit verify` still passes', { timeout: 60_000 }, async () => {
  const iso = await isolatedDb();
  const anchors = tempAnchorStore();
  try {
    await iso.db.transaction().execute((trx) => recordAudit(trx, SYSTEM_ACTOR, { action: 'test.row', entityType: 'test', entityId: '1', contractId: null, after: { n: 1 } }, new Date()));
    const env = { ...process.env, DATABASE_URL: iso.url, YUNWEI_AUDIT_ANCHOR_KEY_FILE: anchors.keyFile, YUNWEI_AUDIT_ANCHOR_DIR: anchors.store.dir };
    const anchor = spawnSync(process.execPath, [CLI, 'audit', 'anchor'], { env, encoding: 'utf8' });
    assert.equal(anchor.status, 0, anchor.stderr);
    const rotate = spawnSync(process.execPath, [CLI, 'audit', 'rotate-anchor-key'], { env, encoding: 'utf8' });
    assert.equal(rotate.status, 0, rotate.stderr);
    assert.match(rotate.stdout, /已更换审计锚点签名密钥：[0-9a-f]{16} → [0-9a-f]{16}/);
    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify'], { env, encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.equal(readAnchors(anchors.store.dir).length, 3);
  } finally {
    anchors.remove();
    await iso.drop();
  }
});
