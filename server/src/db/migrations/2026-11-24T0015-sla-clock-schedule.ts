/**
 * The SLA sweep replays schedules instead of recomputing histories (issue #4,
 * "Speed"). Every recomputation of a clock stores its schedule: the future
 * instants at which it changes by itself, the warnings and breaches each one
 * records, and the clock's summary from then on (nearest open deadline,
 * breached, at risk). The sweep then fires what has become due for 100,000
 * clocks in one set-based pass.
 *
 * The schedule and what the sweep moves (the next instant and the summary)
 * live in their own narrow table, so a sweep writes small rows packed a
 * hundred to a page instead of rewriting the wide `sla_clocks` rows (about
 * 1.2 kB each, their stored result inline) one page each.
 *
 * - `sla_clocks.scheduled`: the sweep need not recompute the clock from its
 *   history (its schedule is in `sla_clock_schedules`, or it has nothing
 *   due). `sla_clocks.next_deadline_at` stays the next deadline as of the
 *   last recomputation; only unscheduled clocks are found through it.
 * - No index of `sla_clocks` names `next_deadline_at` any more (nor any other
 *   column an event changes), so the UPDATE every event makes of the wide row
 *   can be a HOT update (no new index entries) when its page has room: the
 *   table keeps 20% of each new page free for that.
 * - Backfill: none in SQL (a schedule comes from the engine). Existing clocks
 *   with a next deadline are unscheduled: the sweep recomputes each once when
 *   it falls due, which stores its schedule; from then on it is replayed.
 *   Existing clocks without one (closed, paused, …) need nothing until their
 *   next event, which stores their schedule.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Existing rows take the first default (true), then the unscheduled ones are marked; new rows default to false.
  await sql`ALTER TABLE sla_clocks ADD COLUMN scheduled boolean NOT NULL DEFAULT true`.execute(db);
  await sql`UPDATE sla_clocks SET scheduled = false WHERE next_deadline_at IS NOT NULL`.execute(db);
  await sql`ALTER TABLE sla_clocks ALTER COLUMN scheduled SET DEFAULT false`.execute(db);
  await sql`ALTER TABLE sla_clocks SET (fillfactor = 80)`.execute(db);
  await sql`
    CREATE TABLE sla_clock_schedules (
      clock_id uuid PRIMARY KEY REFERENCES sla_clocks(id),
      subject_type text NOT NULL,
      subject_id uuid NOT NULL,
      next_at timestamptz,
      steps jsonb NOT NULL,
      due_at timestamptz,
      breached boolean NOT NULL,
      at_risk boolean NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX sla_clock_schedules_next ON sla_clock_schedules (next_at) WHERE next_at IS NOT NULL`.execute(db);
  await sql`DROP INDEX sla_clocks_next_deadline`.execute(db);
  await sql`CREATE INDEX sla_clocks_unscheduled ON sla_clocks (id) WHERE NOT scheduled`.execute(db);
}
