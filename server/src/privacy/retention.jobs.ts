/**
 * The personal-data retention job (retention.service.ts, security.md check
 * 29): once a day, one run per day slot whatever the number of workers.
 */
import { z } from 'zod';
import { defineJob, type RecurringJob } from '../jobs/job.types.ts';
import { MIN_PII_RETENTION_DAYS } from './retention-policy.ts';

/** Seconds between runs. */
export const RETENTION_EVERY_SECONDS = 24 * 3600;

/** Anonymise finished records older than the policy; the payload carries the policy of the process that scheduled it. */
export const applyRetentionJob = defineJob({
  kind: 'privacy.applyRetention',
  version: 1,
  payload: z.object({ retentionDays: z.number().int().min(MIN_PII_RETENTION_DAYS) }),
  maxAttempts: 3,
  backoffSeconds: 300,
  async handler({ db, payload, now }) {
    const { applyRetention } = await import('./retention.service.ts');
    await applyRetention(db, payload.retentionDays, now);
  },
});

/** Every job kind of this module, for the worker's registry. */
export const RETENTION_JOBS = [applyRetentionJob];

/** The daily run with the configured policy. */
export function retentionRecurring(retentionDays: number): RecurringJob<unknown>[] {
  return [{ definition: applyRetentionJob, everySeconds: RETENTION_EVERY_SECONDS, payload: { retentionDays } }];
}
