/**
 * Integrity of security labels (GB/T 39786 8.4 c): HMAC-SM3 over a canonical
 * string of (table, record id, contract id, label), under a purpose key
 * derived (HKDF-SM3, info `yunwei/security-label-mac`) from a data key of the
 * key ring held outside the database; the data key itself is never used for
 * this. The stored value names the key: `<key id>.<hex>`, so a data-key
 * rotation can re-MAC every label (key-rotation.ts) and older MACs still
 * verify until then.
 *
 * A row whose MAC is missing or wrong, or that the verifier flagged, reads as
 * the highest label (fail closed): see {@link effectiveLabel}.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { KeyRing } from '../privacy/field-crypto.ts';
import { keyRing } from '../privacy/pii-vault.ts';
import { HIGHEST_LABEL, asSecurityLabel, type SecurityLabel } from './security-label.ts';

/** The tables whose rows carry a security label. */
export const LABELLED_TABLES = ['incidents', 'work_orders'] as const;

/** A labelled table. */
export type LabelledTable = (typeof LABELLED_TABLES)[number];

/** The columns a MAC covers, and the MAC columns, as stored. */
export interface LabelledRow {
  id: string;
  contract_id: string;
  security_label: string;
  label_mac: string | null;
  label_alarm_at: Date | string | null;
}

const PURPOSE = 'yunwei/security-label-mac';
const purposeKeys = new WeakMap<Buffer, Buffer>();

function purposeKey(ring: KeyRing, keyId: string): Buffer | null {
  const secret = (ring.keys.get(keyId) ?? ring.reload?.()?.keys.get(keyId))?.secret;
  if (!secret) return null;
  const hit = purposeKeys.get(secret);
  if (hit) return hit;
  const key = Buffer.from(hkdfSync('sm3', secret, Buffer.alloc(0), PURPOSE, 32));
  purposeKeys.set(secret, key);
  return key;
}

/**
 * The canonical string a MAC covers. `|` cannot occur in a table name, a
 * uuid or a label key, so the parts cannot run into each other; PostgreSQL
 * can build the same string (bench data, pgcrypto `hmac(…, 'sm3')`).
 */
export function labelCanonical(table: LabelledTable, id: string, contractId: string, label: SecurityLabel): string {
  return `yunwei-label/v1|${table}|${id.toLowerCase()}|${contractId.toLowerCase()}|${label}`;
}

/** The HMAC-SM3 key for labels derived from one data key (for set-based SQL that computes MACs with pgcrypto). */
export function labelMacKey(ring: KeyRing, keyId: string): Buffer {
  const key = purposeKey(ring, keyId);
  if (!key) throw new Error(`data key ${keyId} is not in the key ring`);
  return key;
}

/**
 * The same MAC computed by PostgreSQL (pgcrypto `hmac(…, 'sm3')`), for
 * set-based inserts of many rows (benchmark data); `id` and `contractId` are
 * SQL expressions of the row. NULL when no key ring is installed: the server
 * then computes the MACs at start.
 */
export function labelMacSql(table: LabelledTable, id: RawBuilder<unknown>, contractId: RawBuilder<unknown>, label: SecurityLabel): RawBuilder<string | null> {
  let ring: KeyRing;
  try {
    ring = keyRing();
  } catch {
    return sql<null>`NULL::text`;
  }
  const key = labelMacKey(ring, ring.activeKeyId);
  const canonical = sql`'yunwei-label/v1|' || ${table}::text || '|' || lower(${id}::text) || '|' || lower(${contractId}::text) || '|' || ${label}::text`;
  return sql<string>`${ring.activeKeyId}::text || '.' || encode(hmac(convert_to(${canonical}, 'UTF8'), ${key}::bytea, 'sm3'), 'hex')`;
}

/** The MAC to store for a label, under the ring's active key. */
export function labelMac(table: LabelledTable, id: string, contractId: string, label: SecurityLabel, ring: KeyRing = keyRing()): string {
  const keyId = ring.activeKeyId;
  const mac = createHmac('sm3', labelMacKey(ring, keyId)).update(labelCanonical(table, id, contractId, label), 'utf8').digest('hex');
  return `${keyId}.${mac}`;
}

/** The id of the key a stored MAC was made with ('' when malformed). */
export function labelMacKeyId(stored: string): string {
  const dot = stored.lastIndexOf('.');
  return dot > 0 ? stored.slice(0, dot) : '';
}

/** Whether a row's stored MAC matches its label (false when missing, malformed or made with an unknown key). */
export function labelMacMatches(table: LabelledTable, row: LabelledRow, ring: KeyRing = keyRing()): boolean {
  if (!row.label_mac) return false;
  const keyId = labelMacKeyId(row.label_mac);
  const key = keyId ? purposeKey(ring, keyId) : null;
  if (!key) return false;
  const stored = Buffer.from(row.label_mac.slice(keyId.length + 1), 'hex');
  const expected = createHmac('sm3', key).update(labelCanonical(table, row.id, row.contract_id, asSecurityLabel(row.security_label)), 'utf8').digest();
  return stored.length === expected.length && timingSafeEqual(stored, expected);
}

/** How a row's label reads: the label, and whether its integrity holds. */
export interface ReadLabel {
  label: SecurityLabel;
  intact: boolean;
}

/**
 * The label a row is read with: its stored label when the MAC matches and the
 * verifier has not flagged it; otherwise the highest label (fail closed).
 */
export function readLabel(table: LabelledTable, row: LabelledRow, ring: KeyRing = keyRing()): ReadLabel {
  if (row.label_alarm_at !== null || !labelMacMatches(table, row, ring)) return { label: HIGHEST_LABEL, intact: false };
  return { label: asSecurityLabel(row.security_label), intact: true };
}

/** {@link readLabel}'s label alone. */
export function effectiveLabel(table: LabelledTable, row: LabelledRow, ring: KeyRing = keyRing()): SecurityLabel {
  return readLabel(table, row, ring).label;
}
