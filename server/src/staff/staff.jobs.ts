/**
 * Roster background job: the periodic sweep that turns replacement requests
 * past their deadline into overdue ones (once each) and notifies both sides.
 */
import { z } from 'zod';
import { defineJob, type RecurringJob } from '../jobs/job.types.ts';

/** Mark overdue replacement requests (every minute). */
export const replacementSweepJob = defineJob({
  kind: 'staff.replacementSweep',
  version: 1,
  payload: z.object({}),
  maxAttempts: 3,
  backoffSeconds: 10,
  async handler({ db, now }) {
    const { sweepOverdueReplacements } = await import('./staff.service.ts');
    await sweepOverdueReplacements(db, now);
  },
});

/** Every roster job kind, for the worker's registry. */
export const STAFF_JOBS = [replacementSweepJob];

/** The sweep runs every minute; one run per minute slot whatever the number of workers. */
export const STAFF_RECURRING: RecurringJob<unknown>[] = [{ definition: replacementSweepJob, everySeconds: 60, payload: {} }];
