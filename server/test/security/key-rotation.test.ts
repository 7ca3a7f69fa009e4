/**
 * `yunwei keys rotate` re-seals the TOTP secrets too: after the rotation the
 * stored secret is an envelope under the new key id, and the authenticator's
 * codes still sign the user in. Runs on a database of its own, since a
 * rotation re-seals every row it finds.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { isolatedDb } from '../helpers/db.ts';
import { buildUser, signInAs } from '../helpers/factories.ts';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.ts';
import { envelopeKeyId } from '../../src/privacy/field-crypto.ts';
import { loadOrCreateKeyRing } from '../../src/privacy/key-ring.ts';
import { rotateDataKey } from '../../src/privacy/key-rotation.ts';
import { installKeyRing } from '../../src/privacy/pii-vault.ts';
import { buildSecurityApp } from './security-app.ts';

let iso: Awaited<ReturnType<typeof isolatedDb>>;
let app: FastifyInstance;
let dir: string;

before(async () => {
  iso = await isolatedDb();
  app = await buildSecurityApp(iso.db);
  dir = mkdtempSync(join(tmpdir(), 'yunwei-keys-'));
});
after(async () => {
  await app.close();
  await iso.drop();
  rmSync(dir, { recursive: true, force: true });
});

test('a data-key rotation re-seals the TOTP secrets under the new key, and a TOTP code still signs in', async () => {
  const keyFile = join(dir, 'data-keys.json');
  const first = loadOrCreateKeyRing(keyFile, new Date(Date.now() - 86_400_000));
  installKeyRing(first.ring);
  const oldKeyId = first.ring.activeKeyId;

  // two administrators enrol TOTP (required for administrators); one also has an enrolment pending
  const admin = await buildUser(iso.db, { platformAdmin: true });
  await signInAs(app, admin);
  const stored = async () => iso.db.selectFrom('user_totp').select(['secret', 'pending_secret']).where('user_id', '=', admin.id).executeTakeFirstOrThrow();
  const before = await stored();
  assert.ok(before.secret);
  assert.equal(envelopeKeyId(before.secret), oldKeyId);
  const other = await buildUser(iso.db, { platformAdmin: true });
  await signInAs(app, other);
  // a pending enrolment (sealed like the active secret)
  await iso.db.updateTable('user_totp').set({ pending_secret: before.secret }).where('user_id', '=', admin.id).execute();

  const rotated = await rotateDataKey(iso.db, keyFile, SYSTEM_ACTOR, new Date());
  assert.notEqual(rotated.newKeyId, oldKeyId);
  assert.deepEqual(
    rotated.results.find((r) => r.table === 'user_totp'),
    { table: 'user_totp', resealed: 3 },
    'both secrets of the administrator and the other one',
  );

  const now = await stored();
  assert.ok(now.secret && now.pending_secret);
  assert.equal(envelopeKeyId(now.secret), rotated.newKeyId);
  assert.equal(envelopeKeyId(now.pending_secret), rotated.newKeyId);
  assert.notEqual(now.secret, before.secret);

  // the authenticator's code still signs in (signInAs types the next unused TOTP code)
  const cookie = await signInAs(app, admin);
  const me = await app.inject({ url: '/api/auth/me', headers: { cookie } });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().username, admin.username);

  // a second run has nothing left to re-seal; the rotation is audited with its counts
  const again = await rotateDataKey(iso.db, keyFile, SYSTEM_ACTOR, new Date());
  assert.equal(again.results.find((r) => r.table === 'user_totp')?.resealed, 3, 'a new key again re-seals all three');
  const audit = await iso.db.selectFrom('audit_log').select('after').where('action', '=', 'security.keyRotated').orderBy('seq').execute();
  assert.equal(audit.length, 2);
  assert.match(JSON.stringify(audit[0]?.after), /"table":"user_totp","resealed":3/);
});
