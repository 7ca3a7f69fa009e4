/**
 * Incidents declared to the privacy services: sealed table (key rotation),
 * reveal, and the contract close-out holder.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { detectPii } from '../privacy/pii.ts';
import { registerSealedTable } from '../privacy/key-rotation.ts';
import { registerRevealable } from '../privacy/reveal.service.ts';
import { registerPersonalDataHolder, type ReturnSheet } from '../privacy/closeout.service.ts';
import { registerRetentionHolder } from '../privacy/retention.service.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import { requireIncidentAccess } from './incident.service.ts';
import { INCIDENT_FULL_RECORD_COLUMNS, INCIDENT_PII, INCIDENT_PII_COLUMNS, INCIDENT_PII_LABELS, originalIncidentText } from './incident-pii.ts';

let registered = false;

/** Declare incidents to the privacy services (idempotent). */
export function registerIncidentPrivacy(): void {
  if (registered) return;
  registered = true;
  registerSealedTable({ table: 'incidents', spec: INCIDENT_PII, columns: INCIDENT_PII_COLUMNS });
  registerRevealable({ entityType: 'incident', table: 'incidents', fields: INCIDENT_PII_COLUMNS, labels: INCIDENT_PII_LABELS, access: (db, ctx, id) => requireIncidentAccess(db, ctx, id) });
  registerRetentionHolder({
    table: 'incidents',
    // closed before the cutoff (its last close), still holding originals; a reopened incident is not closed and waits
    anonymise: async (trx, cutoff, now, limit) => {
      const r = await trx
        .updateTable('incidents')
        .set({ pii_sealed: null, pii_index: sql<string[]>`'{}'::text[]`, pii_anonymised_at: now })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('incidents as i')
            .select('i.id')
            .where('i.status', '=', 'closed')
            .where((w) => w.or([w('i.pii_sealed', 'is not', null), sql<boolean>`cardinality(i.pii_index) > 0`]))
            .where(sql<Date | null>`(SELECT max(e.at) FROM incident_events e WHERE e.incident_id = i.id AND e.type = 'close')`, '<', cutoff)
            .orderBy('i.id')
            .limit(limit),
        )
        .executeTakeFirst();
      const anonymised = Number(r.numUpdatedRows);
      return { anonymised, full: anonymised >= limit };
    },
  });
  registerPersonalDataHolder({
    key: 'incidents',
    label: '故障工单中的个人信息（报告人、联系方式及描述中的身份证号、手机号、银行卡号等）',
    collect: async (db: Db, contractId: string) => {
      const rows = await db
        .selectFrom('incidents')
        .select(INCIDENT_FULL_RECORD_COLUMNS)
        .where('contract_id', '=', contractId)
        .orderBy('number')
        .execute();
      const sheet: ReturnSheet = {
        name: '故障工单',
        columns: [
          { key: 'number', header: '编号' },
          { key: 'system', header: '系统' },
          { key: 'site', header: '网点/地点' },
          { key: 'channel', header: '报告渠道' },
          { key: 'reportedAt', header: '首次报告时间' },
          { key: 'status', header: '状态' },
          { key: 'title', header: '标题', width: 40 },
          { key: 'description', header: '描述', width: 60 },
          { key: 'reporterName', header: '报告人' },
          { key: 'reporterOrg', header: '报告人单位' },
          { key: 'reporterContact', header: '联系方式' },
          { key: 'resolution', header: '处理结果', width: 40 },
          { key: 'callbackNote', header: '回访说明', width: 40 },
        ],
        rows: rows.map((r) => ({
          number: r.number,
          system: r.system_key,
          site: r.site,
          channel: r.channel,
          reportedAt: formatLocalDateTime(new Date(r.reported_at)),
          status: r.status,
          reporterOrg: r.reporter_org,
          ...originalIncidentText(r),
        })),
      };
      return { sheets: [sheet], files: [] };
    },
    destroy: async (trx, contractId) => {
      const r = await trx
        .updateTable('incidents')
        .set({ pii_sealed: null, pii_index: sql<string[]>`'{}'::text[]` })
        .where('contract_id', '=', contractId)
        .where((eb) => eb.or([eb('pii_sealed', 'is not', null), sql<boolean>`cardinality(pii_index) > 0`]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    remaining: async (db, contractId) => {
      const sealed = await db
        .selectFrom('incidents')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('contract_id', '=', contractId)
        .where((eb) => eb.or([eb('pii_sealed', 'is not', null), sql<boolean>`cardinality(pii_index) > 0`, eb('pii_sealed_at', 'is', null)]))
        .executeTakeFirstOrThrow();
      // The readable columns must not hold an identifiable value either.
      const texts = await db
        .selectFrom('incidents')
        .select(['title', 'description', 'reporter_contact', 'resolution', 'callback_note'])
        .where('contract_id', '=', contractId)
        .execute();
      const leaking = texts.filter((t) => [t.title, t.description, t.reporter_contact, t.resolution, t.callback_note].some((v) => v !== null && detectPii(v).length > 0)).length;
      return Number(sealed.n) + leaking;
    },
  });
}
