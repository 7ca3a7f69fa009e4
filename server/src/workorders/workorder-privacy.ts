/**
 * Work orders declared to the privacy services: sealed table (key rotation,
 * legacy sealing), reveal, and the contract close-out holder. The details
 * and outcome of an order (contacts, purpose, statements, notes) are sealed
 * like the title: masked JSON in the columns, originals in the envelope,
 * returned in full in the package and destroyed with the envelope.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.ts';
import { detectPii, maskDeep } from '../privacy/pii.ts';
import { registerSealedTable } from '../privacy/key-rotation.ts';
import { registerRevealable } from '../privacy/reveal.service.ts';
import { registerPersonalDataHolder } from '../privacy/closeout.service.ts';
import { registerRetentionHolder } from '../privacy/retention.service.ts';
import { FINAL_STATES } from './workorder-state.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import { requireWorkOrderAccess } from './workorder.service.ts';
import { WORK_ORDER_PII, WORK_ORDER_PII_COLUMNS, WORK_ORDER_PII_LABELS, originalWorkOrderText } from './workorder-pii.ts';

function hasPii(value: unknown): boolean {
  if (typeof value === 'string') return detectPii(value).length > 0;
  if (Array.isArray(value)) return value.some(hasPii);
  if (value && typeof value === 'object') return Object.values(value).some(hasPii);
  return false;
}

/** A work order's columns that can hold personal data. */
interface PiiHolderRow {
  id: string;
  details: unknown;
  outcome: unknown;
  pii_sealed: string | null;
  pii_index: string[];
}

/** Whether a work order still holds personal data: sealed originals, blind indexes, or unmasked details or outcome. */
function holdsPii(r: PiiHolderRow): boolean {
  return r.pii_sealed !== null || r.pii_index.length > 0 || hasPii(r.details) || hasPii(r.outcome);
}

/** Destroy a work order's sealed originals and blind indexes and mask its details and outcome in place (retention and close-out). */
async function stripPii(trx: Trx, r: PiiHolderRow, extra: { pii_anonymised_at?: Date } = {}): Promise<void> {
  await trx
    .updateTable('work_orders')
    .set({ pii_sealed: null, pii_index: sql<string[]>`'{}'::text[]`, details: JSON.stringify(maskDeep(r.details)), outcome: JSON.stringify(maskDeep(r.outcome)), ...extra })
    .where('id', '=', r.id)
    .execute();
}

let registered = false;

/** Declare work orders to the privacy services (idempotent). */
export function registerWorkOrderPrivacy(): void {
  if (registered) return;
  registered = true;
  registerSealedTable({ table: 'work_orders', spec: WORK_ORDER_PII, columns: WORK_ORDER_PII_COLUMNS });
  registerRevealable({
    entityType: 'workOrder',
    table: 'work_orders',
    fields: WORK_ORDER_PII_COLUMNS,
    labels: WORK_ORDER_PII_LABELS,
    access: async (db, ctx, id) => {
      const r = await requireWorkOrderAccess(db, ctx, id);
      return { contractId: r.contractId, roles: r.roles };
    },
  });
  registerRetentionHolder({
    table: 'work_orders',
    // finished (a final state) before the cutoff; details and outcome are masked again in place (rows sealed before they were)
    anonymise: async (trx, cutoff, now, limit) => {
      const rows = await trx
        .selectFrom('work_orders')
        .select(['id', 'details', 'outcome', 'pii_sealed', 'pii_index'])
        .where('state', 'in', [...FINAL_STATES])
        .where(sql<Date>`coalesce(closed_at, updated_at)`, '<', cutoff)
        .where((w) => w.or([w('pii_sealed', 'is not', null), sql<boolean>`cardinality(pii_index) > 0`, w('pii_anonymised_at', 'is', null)]))
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .execute();
      let n = 0;
      for (const r of rows) {
        const held = holdsPii(r);
        await stripPii(trx, r, { pii_anonymised_at: now });
        if (held) n++;
      }
      return { anonymised: n, full: rows.length >= limit };
    },
  });
  registerPersonalDataHolder({
    key: 'workOrders',
    label: '工单（服务请求、数据处理、变更、发布、内容）中的个人信息',
    collect: async (db, contractId) => {
      const rows = await db
        .selectFrom('work_orders')
        .select(['id', 'number', 'kind', 'subtype', 'state', 'system_key', 'requested_at', 'title', 'description', 'requester_name', 'details', 'outcome', 'pii_sealed'])
        .where('contract_id', '=', contractId)
        .orderBy('number')
        .execute();
      return {
        files: [],
        sheets: [
          {
            name: '工单',
            columns: [
              { key: 'number', header: '编号' },
              { key: 'kind', header: '类型' },
              { key: 'subtype', header: '子类' },
              { key: 'state', header: '状态' },
              { key: 'system', header: '系统' },
              { key: 'requestedAt', header: '提出时间' },
              { key: 'title', header: '标题', width: 40 },
              { key: 'description', header: '说明', width: 60 },
              { key: 'requesterName', header: '需求提出人' },
              { key: 'details', header: '工单内容（JSON）', width: 80 },
              { key: 'outcome', header: '执行与结果（JSON）', width: 80 },
            ],
            rows: rows.map((r) => {
              const o = originalWorkOrderText(r);
              return {
                number: r.number,
                kind: r.kind,
                subtype: r.subtype,
                state: r.state,
                system: r.system_key,
                requestedAt: formatLocalDateTime(new Date(r.requested_at)),
                title: o.title,
                description: o.description,
                requesterName: o.requesterName,
                details: o.details,
                outcome: o.outcome,
              };
            }),
          },
        ],
      };
    },
    destroy: async (trx, contractId) => {
      const rows = await trx.selectFrom('work_orders').select(['id', 'details', 'outcome', 'pii_sealed', 'pii_index']).where('contract_id', '=', contractId).forUpdate().execute();
      let n = 0;
      for (const r of rows) {
        if (!holdsPii(r)) continue;
        await stripPii(trx, r);
        n++;
      }
      return n;
    },
    remaining: async (db, contractId) => {
      const rows = await db.selectFrom('work_orders').select(['title', 'description', 'details', 'outcome', 'pii_sealed', 'pii_index', 'pii_sealed_at']).where('contract_id', '=', contractId).execute();
      return rows.filter((r) => r.pii_sealed !== null || r.pii_index.length > 0 || r.pii_sealed_at === null || hasPii([r.title, r.description, r.details, r.outcome])).length;
    },
  });
}

