/**
 * The PostgreSQL-backed job queue: enqueue inside the business transaction,
 * claim with FOR UPDATE SKIP LOCKED, retry with exponential backoff.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import type { JobDefinition, JobSpec, RecurringJob } from './job.types.ts';

/**
 * Enqueue a job in `trx`, so it exists if and only if the change that caused
 * it commits. With a `dedupeKey`, a second enqueue of the same key is a no-op.
 */
export async function enqueueJob<P>(trx: Trx | Db, def: JobSpec<P>, payload: P, opts: { runAt: Date; dedupeKey?: string }): Promise<void> {
  const parsed = def.payload.parse(payload);
  await trx
    .insertInto('jobs')
    .values({
      kind: def.kind,
      payload: JSON.stringify({ v: def.version, data: parsed }),
      dedupe_key: opts.dedupeKey ?? null,
      run_at: opts.runAt,
      max_attempts: def.maxAttempts,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}

/**
 * {@link enqueueJob} for many jobs of one kind in one statement (e.g. a
 * notification per new SLA signal of a sweep batch), in `trx`.
 */
export async function enqueueJobs<P>(trx: Trx | Db, def: JobSpec<P>, jobs: readonly { payload: P; runAt: Date; dedupeKey?: string }[]): Promise<void> {
  // 1,000 rows of 5 parameters stay well under PostgreSQL's 65,535 parameters per statement.
  for (let i = 0; i < jobs.length; i += 1000) {
    await trx
      .insertInto('jobs')
      .values(
        jobs.slice(i, i + 1000).map((j) => ({
          kind: def.kind,
          payload: JSON.stringify({ v: def.version, data: def.payload.parse(j.payload) }),
          dedupe_key: j.dedupeKey ?? null,
          run_at: j.runAt,
          max_attempts: def.maxAttempts,
        })),
      )
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }
}

/** The deterministic run id of a recurring job's time slot. */
export function recurringSlotKey(kind: string, everySeconds: number, now: Date): { key: string; slot: Date } {
  const ms = everySeconds * 1000;
  const slot = new Date(Math.floor(now.getTime() / ms) * ms);
  return { key: `${kind}@${slot.toISOString()}`, slot };
}

/** Enqueue the current slot of every recurring job (idempotent across workers). */
export async function scheduleRecurring(db: Db, recurring: readonly RecurringJob<unknown>[], now: Date): Promise<void> {
  for (const r of recurring) {
    const { key, slot } = recurringSlotKey(r.definition.kind, r.everySeconds, now);
    await enqueueJob(db, r.definition, r.payload, { runAt: slot, dedupeKey: key });
  }
}

/** Outcome counts of one worker pass. */
export interface WorkerPass {
  claimed: number;
  done: number;
  retried: number;
  failed: number;
}

/**
 * Claim up to `limit` due jobs and run them. A job whose worker died is
 * reclaimed once its lease (`locked_until`) has passed.
 */
export async function runDueJobs(db: Db, registry: ReadonlyMap<string, JobDefinition<unknown>>, now: Date, limit = 20, leaseSeconds = 300): Promise<WorkerPass> {
  const claimed = await sql<{ id: string; kind: string; payload: { v: number; data: unknown }; attempts: number; max_attempts: number }>`
    UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = ${new Date(now.getTime() + leaseSeconds * 1000)}
    WHERE id IN (
      SELECT id FROM jobs
      WHERE (status = 'pending' AND run_at <= ${now}) OR (status = 'running' AND locked_until < ${now})
      ORDER BY run_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id, kind, payload, attempts, max_attempts`.execute(db);
  const pass: WorkerPass = { claimed: claimed.rows.length, done: 0, retried: 0, failed: 0 };
  for (const job of claimed.rows) {
    const def = registry.get(job.kind);
    try {
      if (!def) throw new Error(`unknown job kind ${job.kind}`);
      const payload = def.payload.parse(job.payload.data);
      await def.handler({ db, payload, now, attempt: job.attempts });
      await db.updateTable('jobs').set({ status: 'done', finished_at: now, locked_until: null, last_error: null }).where('id', '=', job.id).execute();
      pass.done++;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const final = job.attempts >= job.max_attempts || !def;
      const delay = (def?.backoffSeconds ?? 30) * 2 ** Math.max(0, job.attempts - 1);
      await db
        .updateTable('jobs')
        .set({
          status: final ? 'failed' : 'pending',
          last_error: message.slice(0, 2000),
          locked_until: null,
          run_at: final ? now : new Date(now.getTime() + delay * 1000),
          finished_at: final ? now : null,
        })
        .where('id', '=', job.id)
        .execute();
      if (final) pass.failed++;
      else pass.retried++;
    }
  }
  return pass;
}
