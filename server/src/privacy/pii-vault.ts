/**
 * Sealed records: the columns people read hold the masked form of every
 * personal-data field (so lists, search, exports, reports and audit rows are
 * masked by construction); the originals live only in one SM4 envelope per
 * record (`pii_sealed`), opened by a reveal with a stated reason.
 *
 * The process-wide key ring is installed once at start-up (server, CLI,
 * tests) from the key file outside the database.
 */
import { blindIndex, decryptField, encryptField, type KeyRing } from './field-crypto.ts';
import { detectPii, maskAddress, maskContact, maskDeep, maskName, maskText } from './pii.ts';

/**
 * How a field is masked: free text (detector), a person's name, an address, a
 * contact (phone/e-mail), or a JSON document (its text form; every string in
 * it through the detector, so keys, numbers, dates and codes stay usable).
 */
export type PiiFieldType = 'text' | 'name' | 'address' | 'contact' | 'json';

/** Field name → type, for one kind of record. */
export type PiiSpec<F extends string> = Readonly<Record<F, PiiFieldType>>;

let installed: KeyRing | null = null;

/** Install the process-wide key ring (start-up). */
export function installKeyRing(ring: KeyRing): void {
  installed = ring;
}

/** The installed key ring. */
export function keyRing(): KeyRing {
  if (!installed) throw new Error('key ring not installed: call installKeyRing at start-up');
  return installed;
}

/** Mask one value by its field type. */
export function maskField(type: PiiFieldType, value: string): string {
  switch (type) {
    case 'text':
      return maskText(value);
    case 'name':
      return maskName(value);
    case 'address':
      return maskAddress(value);
    case 'contact':
      return maskContact(value);
    case 'json':
      return JSON.stringify(maskDeep(JSON.parse(value)));
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** Result of sealing a record's fields. */
export interface Sealed<F extends string> {
  /** The values to store in the readable columns. */
  masked: Record<F, string | null>;
  /** The envelope with the originals that differ from their masked form; null when nothing is personal. */
  sealed: string | null;
  /** Blind indexes of the personal values found (exact-match lookup without plaintext). */
  indexes: string[];
}

/** The context an envelope is bound to. */
export function sealContext(table: string, rowId: string): string {
  return `${table}:${rowId}`;
}

/**
 * Seal a record's personal-data fields. `previous` (the record's current
 * envelope) keeps originals of fields not being changed now.
 */
export function sealRecord<F extends string>(
  spec: PiiSpec<F>,
  context: string,
  values: Partial<Record<F, string | null>>,
  previous: string | null = null,
  ring: KeyRing = keyRing(),
): Sealed<F> {
  const originals: Partial<Record<F, string>> = previous ? openRecord<F>(context, previous, ring) : {};
  const masked = {} as Record<F, string | null>;
  for (const field of Object.keys(values) as F[]) {
    const value = values[field];
    if (value === undefined) continue;
    if (value === null) {
      masked[field] = null;
      delete originals[field];
      continue;
    }
    // a JSON document is compared in one canonical text form, so formatting alone never seals it
    const text = spec[field] === 'json' ? JSON.stringify(JSON.parse(value)) : value;
    const m = maskField(spec[field], text);
    masked[field] = m;
    if (m !== text) originals[field] = text;
    else delete originals[field];
  }
  const indexes = new Set<string>();
  for (const field of Object.keys(originals) as F[]) {
    const original = originals[field];
    if (original === undefined) continue;
    const found = detectPii(original).map((f) => f.value);
    if (spec[field] === 'contact' && found.length === 0) found.push(original);
    for (const v of found) indexes.add(blindIndex(ring, v));
  }
  const hasAny = Object.keys(originals).length > 0;
  return { masked, sealed: hasAny ? encryptField(ring, JSON.stringify(originals), context) : null, indexes: [...indexes].sort() };
}

/** The originals held in an envelope. */
export function openRecord<F extends string>(context: string, sealed: string, ring: KeyRing = keyRing()): Partial<Record<F, string>> {
  return JSON.parse(decryptField(ring, sealed, context)) as Partial<Record<F, string>>;
}

/** The full value of one field: the original if it was sealed, else the stored value (which was not personal). */
export function revealField<F extends string>(context: string, sealed: string | null, field: F, stored: string | null, ring: KeyRing = keyRing()): string | null {
  if (!sealed) return stored;
  return openRecord<F>(context, sealed, ring)[field] ?? stored;
}

/**
 * An edit of a JSON field sent back with masked values: every string equal to
 * the masked form at the same place keeps the original there (the editor did
 * not change it); everything else is the editor's new value.
 */
export function keepSealedLeaves(next: unknown, masked: unknown, original: unknown): unknown {
  if (typeof next === 'string') return next === masked && typeof original === 'string' ? original : next;
  if (Array.isArray(next)) {
    return next.map((v, i) => keepSealedLeaves(v, Array.isArray(masked) ? masked[i] : undefined, Array.isArray(original) ? original[i] : undefined));
  }
  if (next !== null && typeof next === 'object') {
    const at = (o: unknown, k: string): unknown => (isPlainObject(o) && Object.hasOwn(o, k) ? o[k] : undefined);
    return Object.fromEntries(Object.entries(next).map(([k, v]) => [k, keepSealedLeaves(v, at(masked, k), at(original, k))]));
  }
  return next;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
