/**
 * The periodic WAL switch of the embedded server: every
 * YUNWEI_WAL_ARCHIVE_TIMEOUT_SECONDS the server closes its current WAL segment
 * so that the archive is never further behind than that (the data lost with
 * the disk is at most one interval). PostgreSQL's own `archive_timeout` is
 * set as well, but did not fire on the embedded server in our tests; this job
 * does the same with `pg_switch_wal()`, which does nothing when no WAL was
 * written since the last switch. A switched segment is mostly zeros, and the
 * archive stores segments gzip-compressed (bin/wal-archive.mjs).
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { defineJob, type RecurringJob } from '../jobs/job.types.ts';

export const walSwitchJob = defineJob({
  kind: 'backup.walSwitch',
  version: 1,
  payload: z.object({}),
  maxAttempts: 1,
  backoffSeconds: 60,
  async handler({ db }) {
    await sql`SELECT pg_switch_wal()`.execute(db);
  },
});

/** The switch every `everySeconds` (none when 0: segments are archived when full). */
export function walSwitchRecurring(everySeconds: number): RecurringJob<unknown>[] {
  return everySeconds > 0 ? [{ definition: walSwitchJob, everySeconds, payload: {} }] : [];
}
