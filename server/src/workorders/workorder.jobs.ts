/**
 * Work-order background jobs: scheduled content publication (one job per
 * scheduled item, enqueued in the transaction that schedules it) and the
 * sweep that ends data-access grants when their window closes.
 */
import { z } from 'zod';
import { defineJob, type RecurringJob } from '../jobs/job.types.ts';

/** Publish a content item at its scheduled time (a no-op if it was rescheduled, unscheduled or cancelled). */
export const publishScheduledJob = defineJob({
  kind: 'workOrders.publishScheduled',
  version: 1,
  payload: z.object({ workOrderId: z.string().uuid(), publishAt: z.string() }),
  maxAttempts: 5,
  backoffSeconds: 30,
  async handler({ db, payload, now }) {
    const { publishScheduledContent } = await import('./workorder.service.ts');
    await publishScheduledContent(db, payload.workOrderId, payload.publishAt, now);
  },
});

/** End data-access grants whose window has closed (every minute). */
export const expireAccessGrantsJob = defineJob({
  kind: 'workOrders.expireAccessGrants',
  version: 1,
  payload: z.object({}),
  maxAttempts: 3,
  backoffSeconds: 10,
  async handler({ db, now }) {
    const { expireAccessGrants } = await import('./workorder.service.ts');
    await expireAccessGrants(db, now);
  },
});

/** Every work-order job kind, for the worker's registry. */
export const WORK_ORDER_JOBS = [publishScheduledJob, expireAccessGrantsJob];

/** The grant sweep runs every minute; one run per minute slot whatever the number of workers. */
export const WORK_ORDER_RECURRING: RecurringJob<unknown>[] = [{ definition: expireAccessGrantsJob, everySeconds: 60, payload: {} }];
