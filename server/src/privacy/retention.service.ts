/**
 * Personal-data retention (security.md check 29; PIPL art. 19: kept no longer
 * than needed). Once a record is finished (an incident closed, a work order in
 * a final state) for longer than the policy (YUNWEI_PII_RETENTION_DAYS), the
 * retention job destroys its sealed originals: the SM4 envelope and the blind
 * indexes. The readable columns already hold only the masked text, which
 * stays, so lists, reports and the assessment still work; what is gone is the
 * possibility to reveal the originals or find the record by a full ID number.
 *
 * Each domain with sealed records registers a holder (as for the close-out,
 * closeout.service.ts). One run is one transaction with one audit row
 * `privacy.retentionApplied` holding the counts per table (zeros included, as
 * evidence that the policy ran). Audit rows are never touched: they hold no
 * personal data, and the database refuses changing them (check 33).
 */
import type { Trx, Db } from '../db/database.ts';
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit.service.ts';

/** Records anonymised at most per table and run; the rest follow in the next run (bounded transactions). */
export const RETENTION_BATCH_LIMIT = 5000;

/** Something that holds sealed personal data of finished records. */
export interface RetentionHolder {
  /** The table, as named in the audit row's counts. */
  table: string;
  /**
   * Destroy the sealed originals of up to `limit` records finished before
   * `cutoff` that still hold them, inside the run's transaction; the masked
   * text stays. Returns how many records were anonymised, and whether the
   * batch was full (more may be waiting).
   */
  anonymise(trx: Trx, cutoff: Date, now: Date, limit: number): Promise<{ anonymised: number; full: boolean }>;
}

const holders = new Map<string, RetentionHolder>();

/** Register a holder (done by its domain module). */
export function registerRetentionHolder(h: RetentionHolder): void {
  holders.set(h.table, h);
}

/** The instant before which a finished record's originals are destroyed. Pure. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * 86_400_000);
}

/** What one run did. */
export interface RetentionRun {
  cutoff: Date;
  /** Records anonymised, per table. */
  counts: Record<string, number>;
  /** Some table reached the batch limit: the next run continues. */
  more: boolean;
}

/**
 * One retention run: every holder anonymises its records finished before the
 * cutoff, and one audit row records the counts, all in one transaction.
 */
export async function applyRetention(db: Db, retentionDays: number, now: Date, limit = RETENTION_BATCH_LIMIT): Promise<RetentionRun> {
  const cutoff = retentionCutoff(now, retentionDays);
  return db.transaction().execute(async (trx) => {
    const counts: Record<string, number> = {};
    let more = false;
    for (const h of holders.values()) {
      const r = await h.anonymise(trx, cutoff, now, limit);
      counts[h.table] = r.anonymised;
      more ||= r.full;
    }
    await recordAudit(
      trx,
      SYSTEM_ACTOR,
      { action: 'privacy.retentionApplied', entityType: 'system', entityId: null, contractId: null, after: { retentionDays, cutoff: cutoff.toISOString(), counts, more } },
      now,
    );
    return { cutoff, counts, more };
  });
}
