/**
 * Which incident fields hold personal data, how each is masked, and sealing
 * on write (originals in one SM4 envelope, masked text in the columns).
 */
import { blindIndex } from '../privacy/field-crypto.ts';
import { keyRing, sealContext, sealRecord, type PiiSpec, type Sealed } from '../privacy/pii-vault.ts';
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

/** Blind index for an exact search by a phone or ID number typed in full (null when the query is not one). */
export function piiLookupIndex(query: string): string | null {
  const found = detectPii(query.trim());
  const only = found.length === 1 ? found[0] : undefined;
  if (!only || only.value.replace(/[\s-]/g, '').length < query.trim().replace(/[\s-]/g, '').length) return null;
  return blindIndex(keyRing(), only.value);
}
