import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { useIsolatedDb } from '../helpers/db.ts';
import { defineJob, type JobDefinition } from '../../src/jobs/job.types.ts';
import { enqueueJob, recurringSlotKey, runDueJobs, scheduleRecurring } from '../../src/jobs/job.queue.ts';

const db = useIsolatedDb();

const seen: string[] = [];
let failuresLeft = 0;
const echo = defineJob({
  kind: 'test.echo',
  version: 1,
  payload: z.object({ id: z.string() }),
  maxAttempts: 3,
  backoffSeconds: 10,
  async handler({ payload }) {
    if (failuresLeft > 0) {
      failuresLeft--;
      throw new Error('temporary failure');
    }
    seen.push(payload.id);
  },
});
const registry = new Map<string, JobDefinition<unknown>>([[echo.kind, echo]]);

async function statusOf(id: string) {
  return db.selectFrom('jobs').select(['status', 'attempts', 'run_at', 'last_error']).where((eb) => eb(eb.ref('payload'), '@>', JSON.stringify({ data: { id } }) as never)).executeTakeFirst();
}

test('a job enqueued in a rolled-back transaction does not exist', async () => {
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await enqueueJob(trx, echo, { id: 'rolled-back' }, { runAt: new Date() });
      throw new Error('abort');
    }),
  );
  assert.equal(await statusOf('rolled-back'), undefined);
});

test('due jobs run once; future jobs wait; a dedupe key is enqueued once', async () => {
  const t0 = new Date('2030-01-01T00:00:00Z');
  await enqueueJob(db, echo, { id: 'now' }, { runAt: t0, dedupeKey: 'k-now' });
  await enqueueJob(db, echo, { id: 'now' }, { runAt: t0, dedupeKey: 'k-now' });
  await enqueueJob(db, echo, { id: 'later' }, { runAt: new Date(t0.getTime() + 60_000) });
  const pass = await runDueJobs(db, registry, t0);
  assert.equal(pass.done, 1);
  assert.deepEqual(seen.filter((s) => s === 'now' || s === 'later'), ['now']);
  const again = await runDueJobs(db, registry, t0);
  assert.equal(again.claimed, 0);
  await runDueJobs(db, registry, new Date(t0.getTime() + 61_000));
  assert.deepEqual(seen.filter((s) => s === 'now' || s === 'later'), ['now', 'later']);
});

test('a failing job is retried with exponential backoff, then marked failed', async () => {
  const t0 = new Date('2031-01-01T00:00:00Z');
  failuresLeft = 5;
  await enqueueJob(db, echo, { id: 'flaky' }, { runAt: t0 });
  await runDueJobs(db, registry, t0);
  let s = await statusOf('flaky');
  assert.equal(s?.status, 'pending');
  assert.equal(new Date(s?.run_at ?? 0).getTime(), t0.getTime() + 10_000);
  await runDueJobs(db, registry, new Date(t0.getTime() + 10_000));
  s = await statusOf('flaky');
  assert.equal(new Date(s?.run_at ?? 0).getTime(), t0.getTime() + 10_000 + 20_000);
  await runDueJobs(db, registry, new Date(t0.getTime() + 30_000));
  s = await statusOf('flaky');
  assert.equal(s?.status, 'failed');
  assert.equal(s?.attempts, 3);
  assert.equal(s?.last_error, 'temporary failure');
  failuresLeft = 0;
});

test('a job whose worker died is reclaimed after its lease', async () => {
  const t0 = new Date('2032-01-01T00:00:00Z');
  await enqueueJob(db, echo, { id: 'orphan' }, { runAt: t0 });
  // simulate a worker that claimed it and died
  await db.updateTable('jobs').set({ status: 'running', locked_until: new Date(t0.getTime() + 300_000) }).where('run_at', '=', t0).execute();
  assert.equal((await runDueJobs(db, registry, new Date(t0.getTime() + 1000))).claimed, 0);
  assert.equal((await runDueJobs(db, registry, new Date(t0.getTime() + 301_000))).done, 1);
  assert.ok(seen.includes('orphan'));
});

test('recurring jobs: one run per time slot, whatever the number of workers', async () => {
  const now = new Date('2033-05-05T10:07:31Z');
  assert.deepEqual(recurringSlotKey('test.echo', 60, now), { key: 'test.echo@2033-05-05T10:07:00.000Z', slot: new Date('2033-05-05T10:07:00Z') });
  const rec = [{ definition: echo, everySeconds: 60, payload: { id: 'tick' } }];
  await scheduleRecurring(db, rec, now);
  await scheduleRecurring(db, rec, new Date(now.getTime() + 20_000));
  const n = await db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).where('dedupe_key', 'like', 'test.echo@2033-05-05T10:07%').executeTakeFirstOrThrow();
  assert.equal(Number(n.n), 1);
});
