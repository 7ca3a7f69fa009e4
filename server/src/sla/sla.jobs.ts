/**
 * SLA background jobs: the periodic sweep, the full recompute after a
 * calendar correction, and turning a fired signal into notifications.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { defineJob, type RecurringJob } from '../jobs/job.types.ts';
import { TARGET_KIND_NAMES, type SlaTargetKind } from './sla-engine.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';

/** Recompute clocks whose next deadline has passed (every minute). */
export const slaSweepJob = defineJob({
  kind: 'sla.sweep',
  version: 1,
  payload: z.object({}),
  maxAttempts: 3,
  backoffSeconds: 10,
  async handler({ db, now }) {
    const { sweepDueClocks } = await import('./sla-clock.service.ts');
    await sweepDueClocks(db, now);
  },
});

/** Recompute every open clock (after a working-calendar correction), in set-based batches like the sweep. */
export const recomputeAllClocksJob = defineJob({
  kind: 'sla.recomputeAll',
  version: 1,
  payload: z.object({ reason: z.string() }),
  maxAttempts: 5,
  backoffSeconds: 30,
  async handler({ db, now }) {
    const { recomputeOpenClocks } = await import('./sla-clock.service.ts');
    await recomputeOpenClocks(db, now);
  },
});

/** Tables of the ticket kinds that have a place (district/street). */
const SUBJECT_TABLES: Record<string, 'incidents' | 'work_orders'> = { incident: 'incidents', workOrder: 'work_orders' };

const SIGNAL_ROLES_WARNING = ['vendorProjectManager', 'vendorTeamLead'];
const SIGNAL_ROLES_BREACH = ['vendorProjectManager', 'vendorTeamLead', 'agencyProjectLead'];

/** Notify the contract's responsible people of a warning or a breach. */
export const slaSignalFiredJob = defineJob({
  kind: 'sla.signalFired',
  version: 1,
  payload: z.object({ signalId: z.string(), subjectType: z.string(), subjectId: z.string() }),
  maxAttempts: 5,
  backoffSeconds: 30,
  async handler({ db, payload, now }) {
    const s = await db.selectFrom('sla_signals').selectAll().where('id', '=', payload.signalId as never).executeTakeFirst();
    if (!s) return;
    const roles = s.kind === 'breach' ? SIGNAL_ROLES_BREACH : SIGNAL_ROLES_WARNING;
    // a grant limited to a district or street hears only of tickets at a place inside it
    const located = SUBJECT_TABLES[payload.subjectType];
    const users = await db
      .selectFrom('memberships as m')
      .select('m.user_id')
      .distinct()
      .where('m.contract_id', '=', s.contract_id)
      .where('m.revoked_at', 'is', null)
      .where('m.role', 'in', roles)
      .where((eb) =>
        eb.or([
          eb('m.scope_district', 'is', null),
          located
            ? sql<boolean>`EXISTS (SELECT 1 FROM ${sql.table(located)} t WHERE t.id = ${payload.subjectId}::uuid
                AND t.district = m.scope_district AND (m.scope_street IS NULL OR t.street = m.scope_street))`
            : sql<boolean>`FALSE`,
        ]),
      )
      .execute();
    const kindName = TARGET_KIND_NAMES[s.target_key.split(':')[0] as SlaTargetKind] ?? s.target_key;
    const due = formatLocalDateTime(s.deadline_at);
    const title = s.kind === 'breach' ? `【超时】${kindName}时限已超时` : `【预警】${kindName}时限已用 ${s.percent}%`;
    const body = s.kind === 'breach' ? `${kindName}时限已于 ${due} 到期未完成。` : `${kindName}时限将于 ${due} 到期，已用时 ${s.percent}%。`;
    if (users.length === 0) return;
    await db
      .insertInto('notifications')
      .values(
        users.map((u) => ({
          contract_id: s.contract_id,
          user_id: u.user_id,
          kind: `sla.${s.kind}`,
          title,
          body,
          subject_type: payload.subjectType,
          subject_id: payload.subjectId,
          dedupe_key: `sla.signal:${payload.signalId}`,
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
      .execute();
  },
});

/** Every SLA job kind, for the worker's registry. */
export const SLA_JOBS = [slaSweepJob, recomputeAllClocksJob, slaSignalFiredJob];

/** The sweep runs every minute; one run per minute slot whatever the number of workers. */
export const SLA_RECURRING: RecurringJob<unknown>[] = [{ definition: slaSweepJob, everySeconds: 60, payload: {} }];
