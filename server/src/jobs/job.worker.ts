/**
 * The worker loop: every few seconds, enqueue the current slot of each
 * recurring job and run what is due. The loop's timer holds no state: every
 * deadline and job lives in PostgreSQL, so a restart loses nothing.
 */
import type { Db } from '../db/database.ts';
import type { JobDefinition, RecurringJob } from './job.types.ts';
import { runDueJobs, scheduleRecurring } from './job.queue.ts';

/** A running worker. */
export interface Worker {
  stop(): Promise<void>;
}

/** Start polling. `clock` is injectable for tests. */
export function startWorker(
  db: Db,
  jobs: readonly JobDefinition<unknown>[],
  recurring: readonly RecurringJob<unknown>[],
  opts: { intervalMs?: number; clock?: () => Date; onError?: (e: unknown) => void } = {},
): Worker {
  const registry = new Map(jobs.map((j) => [j.kind, j]));
  const clock = opts.clock ?? (() => new Date());
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = async (): Promise<void> => {
    const now = clock();
    await scheduleRecurring(db, recurring, now);
    for (;;) {
      const pass = await runDueJobs(db, registry, now);
      if (pass.claimed === 0 || stopped) break;
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = tick()
      .catch((e: unknown) => opts.onError?.(e))
      .finally(() => {
        running = null;
      });
  }, opts.intervalMs ?? 5000);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      if (running) await running;
    },
  };
}
