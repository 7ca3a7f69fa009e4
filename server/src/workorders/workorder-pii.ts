/**
 * Which work-order fields hold personal data (the title and description of a
 * data request often quote a citizen's ID or phone number; the requester is
 * usually an office, so its name goes through the free-text detector, not the
 * person-name mask) and sealing on write: masked text in the columns, originals
 * in the SM4 envelope.
 */
import { sealContext, sealRecord, type PiiSpec, type Sealed } from '../privacy/pii-vault.ts';

/** Field names (API) of a work order that may hold personal data. */
export type WorkOrderPiiField = 'title' | 'description' | 'requesterName';

/** The fields and how each is masked. */
export const WORK_ORDER_PII: PiiSpec<WorkOrderPiiField> = { title: 'text', description: 'text', requesterName: 'text' };

/** Field → column. */
export const WORK_ORDER_PII_COLUMNS: Readonly<Record<WorkOrderPiiField, string>> = { title: 'title', description: 'description', requesterName: 'requester_name' };

/** Chinese field labels. */
export const WORK_ORDER_PII_LABELS: Readonly<Record<WorkOrderPiiField, string>> = { title: '标题', description: '说明', requesterName: '需求提出人' };

/** Seal fields of a work order being written; `previous` is its current envelope. */
export function sealWorkOrder(id: string, values: Partial<Record<WorkOrderPiiField, string | null>>, previous: string | null = null): Sealed<WorkOrderPiiField> {
  return sealRecord(WORK_ORDER_PII, sealContext('work_orders', id), values, previous);
}
