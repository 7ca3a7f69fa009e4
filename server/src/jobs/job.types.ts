/**
 * Typed background job definitions. Jobs are rows in PostgreSQL, so they
 * survive restarts; the payload carries ids, never whole objects.
 */
import type { z } from 'zod';
import type { Db } from '../db/database.ts';

/** What a handler receives. */
export interface JobContext<P> {
  db: Db;
  payload: P;
  /** The instant the worker picked the job up (handlers never read the clock). */
  now: Date;
  attempt: number;
}

/** A job kind: stable dotted id, payload schema, retry policy, handler. */
export interface JobDefinition<P> {
  kind: string;
  version: number;
  payload: z.ZodType<P>;
  maxAttempts: number;
  /** First retry delay; doubles on each further attempt. */
  backoffSeconds: number;
  /** Method syntax on purpose: definitions of any payload type fit one registry. */
  handler(ctx: JobContext<P>): Promise<void>;
}

/** What enqueueing needs: the kind, version, payload schema and retry budget (not the handler). */
export type JobSpec<P> = Pick<JobDefinition<P>, 'kind' | 'version' | 'payload' | 'maxAttempts'>;

/** A job kind that the scheduler enqueues every `everySeconds`, one run per time slot. */
export interface RecurringJob<P> {
  definition: JobDefinition<P>;
  everySeconds: number;
  payload: P;
}

/** Define a job kind (identity helper that keeps the payload type). */
export function defineJob<P>(def: JobDefinition<P>): JobDefinition<P> {
  return def;
}
