/**
 * Which work-order fields hold personal data (the title and description of a
 * data request often quote a citizen's ID or phone number; the requester is
 * usually an office, so its name goes through the free-text detector, not the
 * person-name mask; the kind's request (`details`, e.g. a service request's
 * contact) and what commands recorded (`outcome`) are JSON documents whose
 * strings go through the detector) and sealing on write: masked text in the
 * columns, originals in the SM4 envelope.
 */
import { openRecord, sealContext, sealRecord, type PiiSpec, type Sealed } from '../privacy/pii-vault.ts';

/** Field names (API) of a work order that may hold personal data. */
export type WorkOrderPiiField = 'title' | 'description' | 'requesterName' | 'details' | 'outcome';

/** The fields and how each is masked. */
export const WORK_ORDER_PII: PiiSpec<WorkOrderPiiField> = { title: 'text', description: 'text', requesterName: 'text', details: 'json', outcome: 'json' };

/** Field → column. */
export const WORK_ORDER_PII_COLUMNS: Readonly<Record<WorkOrderPiiField, string>> = {
  title: 'title',
  description: 'description',
  requesterName: 'requester_name',
  details: 'details',
  outcome: 'outcome',
};

/** Chinese field labels. */
export const WORK_ORDER_PII_LABELS: Readonly<Record<WorkOrderPiiField, string>> = {
  title: '标题',
  description: '说明',
  requesterName: '需求提出人',
  details: '工单内容',
  outcome: '执行与结果',
};

/** Seal fields of a work order being written; `previous` is its current envelope. */
export function sealWorkOrder(id: string, values: Partial<Record<WorkOrderPiiField, string | null>>, previous: string | null = null): Sealed<WorkOrderPiiField> {
  return sealRecord(WORK_ORDER_PII, sealContext('work_orders', id), values, previous);
}

/** The sealed originals of a work order (empty when nothing is sealed). */
export function openWorkOrder(r: { id: string; pii_sealed: string | null }): Partial<Record<WorkOrderPiiField, string>> {
  return r.pii_sealed ? openRecord<WorkOrderPiiField>(sealContext('work_orders', r.id), r.pii_sealed) : {};
}

/**
 * The original of a JSON field (details or outcome): the sealed original when
 * the column holds its masked form, else the column (which holds no personal data).
 */
export function originalJson(r: { id: string; pii_sealed: string | null; details: unknown; outcome: unknown }, field: 'details' | 'outcome'): unknown {
  const sealed = openWorkOrder(r)[field];
  return sealed !== undefined ? JSON.parse(sealed) : r[field];
}

/** The personal-data fields of a work-order row in full (the close-out's return package). */
export function originalWorkOrderText(r: { id: string; pii_sealed: string | null; title: string; description: string; requester_name: string | null; details: unknown; outcome: unknown }) {
  const o = openWorkOrder(r);
  return {
    title: o.title ?? r.title,
    description: o.description ?? r.description,
    requesterName: o.requesterName ?? r.requester_name,
    details: o.details ?? JSON.stringify(r.details),
    outcome: o.outcome ?? JSON.stringify(r.outcome),
  };
}
