/**
 * The periodic security-label integrity check (label-integrity.ts): every
 * hour, one run per hour slot whatever the number of workers.
 */
import { z } from 'zod';
import { defineJob, type RecurringJob } from '../jobs/job.types.ts';

/** Recompute every label's HMAC-SM3 and raise an alarm for each mismatch. */
export const verifyLabelsJob = defineJob({
  kind: 'security.verifyLabels',
  version: 1,
  payload: z.object({}),
  maxAttempts: 3,
  backoffSeconds: 60,
  async handler({ db, now }) {
    const { verifySecurityLabels } = await import('./label-integrity.ts');
    await verifySecurityLabels(db, now);
  },
});

/** Every label job kind, for the worker's registry. */
export const LABEL_JOBS = [verifyLabelsJob];

/** The verifier runs every hour. */
export const LABEL_RECURRING: RecurringJob<unknown>[] = [{ definition: verifyLabelsJob, everySeconds: 3600, payload: {} }];
