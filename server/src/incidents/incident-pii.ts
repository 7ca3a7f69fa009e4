/**
 * Which incident fields hold personal data, how each is masked, and sealing
 * on write (originals in one SM4 envelope, masked text in the columns).
 */
import { blindIndex } from '../privacy/field-crypto.ts';
import { keyRing, openRecord, sealContext, sealRecord, type PiiSpec, type Sealed } from '../privacy/pii-vault.ts';
import { detectPii } from '../privacy/pii.ts';

/** An incident's personal-data fields and their mask types. */
export const INCIDENT_PII: PiiSpec<IncidentPiiField> = {
  title: 'text',
  description: 'text',
  reporterName: 'name',
  reporterContact: 'contact',
  resolution: 'text',
  callbackNote: 'text',
};

/** Field names (API) of an incident that may hold personal data. */
export type IncidentPiiField = 'title' | 'description' | 'reporterName' | 'reporterContact' | 'resolution' | 'callbackNote';

/** Field → column. */
export const INCIDENT_PII_COLUMNS: Readonly<Record<IncidentPiiField, string>> = {
  title: 'title',
  description: 'description',
  reporterName: 'reporter_name',
  reporterContact: 'reporter_contact',
  resolution: 'resolution',
  callbackNote: 'callback_note',
};

/** Chinese field labels. */
export const INCIDENT_PII_LABELS: Readonly<Record<IncidentPiiField, string>> = {
  title: '标题',
  description: '描述',
  reporterName: '报告人',
  reporterContact: '联系方式',
  resolution: '处理结果',
  callbackNote: '回访说明',
};

/** Seal fields of an incident being written; `previous` is its current envelope. */
export function sealIncident(incidentId: string, values: Partial<Record<IncidentPiiField, string | null>>, previous: string | null = null): Sealed<IncidentPiiField> {
  return sealRecord(INCIDENT_PII, sealContext('incidents', incidentId), values, previous);
}

/**
 * The columns of an incident handed over with its personal data in full
 * (the close-out's return package, an approved unmasked export).
 */
export const INCIDENT_FULL_RECORD_COLUMNS = [
  'id',
  'number',
  'system_key',
  'site',
  'channel',
  'reported_at',
  'status',
  'title',
  'description',
  'reporter_name',
  'reporter_org',
  'reporter_contact',
  'resolution',
  'callback_note',
  'pii_sealed',
] as const;

/** The personal-data fields of an incident row in full: the sealed originals where the columns hold masked text. */
export function originalIncidentText(r: {
  id: string;
  pii_sealed: string | null;
  title: string;
  description: string;
  reporter_name: string;
  reporter_contact: string | null;
  resolution: string | null;
  callback_note: string | null;
}) {
  const o = r.pii_sealed ? openRecord<IncidentPiiField>(sealContext('incidents', r.id), r.pii_sealed) : {};
  return {
    title: o.title ?? r.title,
    description: o.description ?? r.description,
    reporterName: o.reporterName ?? r.reporter_name,
    reporterContact: o.reporterContact ?? r.reporter_contact,
    resolution: o.resolution ?? r.resolution,
    callbackNote: o.callbackNote ?? r.callback_note,
  };
}

/** Blind index for an exact search by a phone or ID number typed in full (null when the query is not one). */
export function piiLookupIndex(query: string): string | null {
  const found = detectPii(query.trim());
  const only = found.length === 1 ? found[0] : undefined;
  if (!only || only.value.replace(/[\s-]/g, '').length < query.trim().replace(/[\s-]/g, '').length) return null;
  return blindIndex(keyRing(), only.value);
}
