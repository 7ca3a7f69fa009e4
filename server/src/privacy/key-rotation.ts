/**
 * Data-key rotation: a new key becomes active in the key file, then every
 * sealed record, and every sealed TOTP secret, is re-sealed with it in bounded batches (each batch its own
 * transaction). Old keys stay in the file, so a crash half-way loses nothing:
 * rows are sealed with either key and both open; running it again finishes.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import { envelopeKeyId, type KeyRing } from './field-crypto.ts';
import { addActiveKey } from './key-ring.ts';
import { installKeyRing, maskField, openRecord, sealRecord, type PiiSpec } from './pii-vault.ts';
import { resealTotpSecret } from '../auth/totp.ts';
import { remacLabels } from '../labels/label-integrity.ts';

/** A table whose rows carry a `pii_sealed` envelope, `pii_index` blind indexes and `pii_sealed_at`. */
export interface SealedTable {
  table: string;
  spec: PiiSpec<string>;
  /** Field → the column holding its readable (masked) form. */
  columns: Readonly<Record<string, string>>;
}

const sealedTables = new Map<string, SealedTable>();

/** Declare a table with sealed records (done by the domain module that owns it). */
export function registerSealedTable(t: SealedTable): void {
  sealedTables.set(t.table, t);
}

/** The declared tables. */
export function listSealedTables(): SealedTable[] {
  return [...sealedTables.values()];
}

/** Outcome per table. */
export interface ResealResult {
  table: string;
  resealed: number;
}

/** Re-seal every row of every declared table not yet sealed with the ring's active key. */
export async function resealAll(db: Db, ring: KeyRing, batchSize = 500): Promise<ResealResult[]> {
  const out: ResealResult[] = [];
  for (const t of listSealedTables()) {
    let resealed = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        const rows = await sql<{ id: string; pii_sealed: string }>`
          SELECT id::text AS id, pii_sealed FROM ${sql.table(t.table)}
          WHERE pii_sealed IS NOT NULL AND id > ${after}::uuid
          ORDER BY id LIMIT ${batchSize} FOR UPDATE`.execute(trx);
        for (const row of rows.rows) {
          after = row.id;
          if (envelopeKeyId(row.pii_sealed) === ring.activeKeyId) continue;
          const context = `${t.table}:${row.id}`;
          const originals = openRecord(context, row.pii_sealed, ring);
          const s = sealRecord(t.spec, context, originals, null, ring);
          await sql`UPDATE ${sql.table(t.table)} SET pii_sealed = ${s.sealed}, pii_index = ${s.indexes} WHERE id = ${row.id}::uuid`.execute(trx);
          resealed++;
        }
        return rows.rows.length;
      });
      if (n < batchSize) break;
    }
    out.push({ table: t.table, resealed });
  }
  out.push({ table: 'user_totp', resealed: await resealTotpSecrets(db, ring, batchSize) });
  // security labels: their HMAC-SM3 key is derived from the data key, so they follow it
  out.push(...(await remacLabels(db, ring, batchSize)));
  return out;
}

/**
 * Re-seal the TOTP secrets (active and pending, `user_totp`) not yet sealed
 * with the ring's active key, in batches; returns how many secrets changed.
 */
export async function resealTotpSecrets(db: Db, ring: KeyRing, batchSize = 500): Promise<number> {
  let resealed = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('user_totp')
        .select(['user_id', 'secret', 'pending_secret'])
        .where('user_id', '>', after)
        .where((eb) => eb.or([eb('secret', 'is not', null), eb('pending_secret', 'is not', null)]))
        .orderBy('user_id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of rows) {
        after = row.user_id;
        const fresh = (stored: string | null): string | null => (stored === null || envelopeKeyId(stored) === ring.activeKeyId ? stored : resealTotpSecret(row.user_id, stored, ring));
        const secret = fresh(row.secret);
        const pending = fresh(row.pending_secret);
        if (secret === row.secret && pending === row.pending_secret) continue;
        await trx.updateTable('user_totp').set({ secret, pending_secret: pending }).where('user_id', '=', row.user_id).execute();
        resealed += Number(secret !== row.secret) + Number(pending !== row.pending_secret);
      }
      return rows.length;
    });
    if (n < batchSize) return resealed;
  }
}

/**
 * Seal rows written before sealing existed, or before some of their fields
 * were declared personal (`pii_sealed_at` null; a migration clears it when a
 * table gains sealed fields): a readable column that still holds an original
 * (its masked form differs) is masked and the original sealed; fields already
 * masked keep the originals in the row's envelope. JSON columns are read as
 * their JSON text. Run at start; idempotent.
 */
export async function sealLegacyRows(db: Db, ring: KeyRing, now: Date, batchSize = 500): Promise<ResealResult[]> {
  const out: ResealResult[] = [];
  for (const t of listSealedTables()) {
    const fields = Object.keys(t.columns);
    let sealed = 0;
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        const rows = await sql<Record<string, unknown> & { id: string; pii_sealed: string | null }>`
          SELECT id::text AS id, pii_sealed, ${sql.join(fields.map((f) => sql`${sql.ref(t.columns[f] ?? f)} AS ${sql.id(f)}`))}
          FROM ${sql.table(t.table)} WHERE pii_sealed_at IS NULL ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(trx);
        for (const row of rows.rows) {
          const values: Record<string, string> = {};
          for (const f of fields) {
            const stored = row[f];
            const text = stored === null || stored === undefined ? null : typeof stored === 'string' ? stored : JSON.stringify(stored);
            const type = t.spec[f];
            if (text !== null && type && maskField(type, text) !== text) values[f] = text;
          }
          const s = sealRecord(t.spec, `${t.table}:${row.id}`, values, row.pii_sealed, ring);
          const sets = Object.keys(values).map((f) => sql`${sql.ref(t.columns[f] ?? f)} = ${s.masked[f] ?? null}`);
          sets.push(sql`pii_sealed = ${s.sealed}`, sql`pii_index = ${s.indexes}`, sql`pii_sealed_at = ${now}`);
          await sql`UPDATE ${sql.table(t.table)} SET ${sql.join(sets)} WHERE id = ${row.id}::uuid`.execute(trx);
          if (Object.keys(values).length > 0) sealed++;
        }
        return rows.rows.length;
      });
      if (n < batchSize) break;
    }
    out.push({ table: t.table, resealed: sealed });
  }
  return out;
}

/**
 * Rotate: add a new active key to the key file, re-seal everything with it,
 * and record the rotation (key ids and counts, never key material) in the audit trail.
 */
export async function rotateDataKey(db: Db, keyFilePath: string, actor: AuditActor, now: Date): Promise<{ newKeyId: string; previousKeyId: string; results: ResealResult[] }> {
  const { ring, newKeyId, previousKeyId } = addActiveKey(keyFilePath, now);
  installKeyRing(ring);
  const results = await resealAll(db, ring);
  await db.transaction().execute(async (trx) => {
    await recordAudit(trx, actor, { action: 'security.keyRotated', entityType: 'dataKey', entityId: newKeyId, contractId: null, after: { newKeyId, previousKeyId, resealed: results } }, now);
  });
  return { newKeyId, previousKeyId, results };
}
