/**
 * The vendor-access sweep (security.md check 6): every 30 seconds, keep each
 * contract's stored vendor access end in step with the grace setting and end
 * the sessions of people whose every grant is a vendor grant on an ended
 * contract. With the worker's 5-second poll, a session ends at most about
 * 35 seconds after the access did (the bar: 60 s); the access check itself
 * stops counting those grants at once.
 */
import { z } from 'zod';
import { defineJob, type RecurringJob } from '../jobs/job.types.ts';

/** Seconds between sweeps. */
export const VENDOR_ACCESS_SWEEP_SECONDS = 30;

/** The sweep job; the payload carries the grace setting of the process that scheduled it. */
export const vendorAccessSweepJob = defineJob({
  kind: 'auth.vendorAccessSweep',
  version: 1,
  payload: z.object({ graceDays: z.number().int().min(0).max(365) }),
  maxAttempts: 3,
  backoffSeconds: 5,
  async handler({ db, payload, now }) {
    const { sweepVendorAccess } = await import('./vendor-access.service.ts');
    await sweepVendorAccess(db, payload.graceDays, now);
  },
});

/** Every job kind of this module, for the worker's registry. */
export const VENDOR_ACCESS_JOBS = [vendorAccessSweepJob];

/** The recurring sweep with the configured grace period. */
export function vendorAccessRecurring(graceDays: number): RecurringJob<unknown>[] {
  return [{ definition: vendorAccessSweepJob, everySeconds: VENDOR_ACCESS_SWEEP_SECONDS, payload: { graceDays } }];
}
