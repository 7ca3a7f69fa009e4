/**
 * The server side of the incident benchmark, run in its own process (forked by
 * ../incidents.ts) so that the load generator never shares the server's event
 * loop: the real Fastify app on 127.0.0.1 with an ephemeral port, over a pool of
 * BENCH_POOL_SIZE connections (10, as the production server opens).
 *
 * It also runs the SLA sweep (or the recompute of every open clock) on
 * request, so a sweep that runs away can be stopped by killing this process.
 *
 * Messages: child → parent `{ type: 'ready', port }`, `{ type: 'sweepDone', ms, clocks, errors }`,
 * `{ type: 'failed', message }`; parent → child `{ type: 'sweep', nowIso, scope }`, `{ type: 'stop' }`.
 * The child exits when the parent goes away (IPC disconnect).
 */
import { performance } from 'node:perf_hooks';
import { createDb } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import { recomputeOpenClocks, sweepDueClocks } from '../../src/sla/sla-clock.service.ts';
import { loadOrCreateKeyRing } from '../../src/privacy/key-ring.ts';
import { installKeyRing } from '../../src/privacy/pii-vault.ts';

/** Messages from the parent. */
export type ToChild = { type: 'sweep'; nowIso: string; scope: 'due' | 'allOpen' } | { type: 'stop' };
/** Messages to the parent. */
export type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'sweepDone'; ms: number; clocks: number; errors: number }
  | { type: 'failed'; message: string };

function send(m: FromChild): void {
  if (process.send) process.send(m);
}

const url = process.env['BENCH_DATABASE_URL'];
if (!url) {
  process.stderr.write('server-child: BENCH_DATABASE_URL is not set (run through bench/incidents.ts)\n');
  process.exit(2);
}
const keyFile = process.env['BENCH_DATA_KEY_FILE'];
if (!keyFile) {
  process.stderr.write('server-child: BENCH_DATA_KEY_FILE is not set (run through bench/incidents.ts)\n');
  process.exit(2);
}
installKeyRing(loadOrCreateKeyRing(keyFile, new Date()).ring);
const poolSize = Number(process.env['BENCH_POOL_SIZE'] ?? '10');
const db = createDb(url, poolSize);
const app = await buildApp({
  db,
  config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent' },
  logger: false,
});
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await app.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  }
  process.exit(code);
}

process.on('message', (raw: unknown) => {
  const m = raw as ToChild;
  if (m.type === 'stop') {
    void stop(0);
    return;
  }
  if (m.type === 'sweep') {
    const t0 = performance.now();
    const now = new Date(m.nowIso);
    (m.scope === 'allOpen' ? recomputeOpenClocks(db, now) : sweepDueClocks(db, now))
      .then((r) => send({ type: 'sweepDone', ms: performance.now() - t0, clocks: r.clocks, errors: r.errors }))
      .catch((e: unknown) => send({ type: 'failed', message: e instanceof Error ? e.stack ?? e.message : String(e) }));
  }
});
process.on('disconnect', () => void stop(0));
// While the benchmark tears down, PostgreSQL may go away under a checked-out client: leave quietly then.
process.on('uncaughtException', (e: unknown) => {
  if (stopping || !process.connected) process.exit(0);
  process.stderr.write(`server-child: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop(0));

send({ type: 'ready', port });
