import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { isolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser } from '../helpers/factories.ts';
import { openClock, recomputeOpenClocks, recordClockEvents, sweepDueClocks } from '../../src/sla/sla-clock.service.ts';
import { createIncident } from '../../src/incidents/incident.service.ts';
import type { Ctx } from '../../src/shared/context.ts';

// The factory contract: P1 respond within 30 minutes (calendar), resolve within 4 working hours on 5×8.
const at = (s: string) => new Date(s);

test('the sweep works in batches: every due clock once, each signal and its job once, the incidents in step, a broken clock parked', async () => {
  const iso = await isolatedDb();
  const db = iso.db;
  try {
    const c = await buildContract(db);
    const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
    const t0 = at('2024-05-06T09:00:00+08:00');
    const ctx: Ctx = {
      user: { id: desk.id, username: desk.username, displayName: '坐席', organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 's', lastSignInAt: null, lastSignInIp: null },
      clientIp: null,
      now: t0,
    };
    // 7 bare clocks and 3 incidents (whose rows the sweep keeps in step, in one statement per batch)
    const clockIds: string[] = [];
    for (let i = 0; i < 7; i++) {
      const view = await db.transaction().execute((trx) =>
        openClock(trx, { contractId: c.id, subjectType: 'incident', subjectId: randomUUID(), systemKey: 'S1', levelKey: 'P1', conditions: {}, reportedAt: t0 }, t0),
      );
      clockIds.push(view.clockId);
    }
    const incidents: string[] = [];
    for (let i = 0; i < 3; i++) {
      const inc = await createIncident(db, ctx, c.id, { title: `网点打印机故障 ${i}`, description: '', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: t0, impact: {}, levelKey: 'P1' });
      incidents.push(inc.id);
    }
    // one clock whose level the contract does not define: it cannot be computed
    const broken = await db
      .insertInto('sla_clocks')
      .values({ contract_id: c.id, subject_type: 'incident', subject_id: randomUUID(), system_key: 'S1', conditions: '{}', level_key: 'NOPE', next_deadline_at: t0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('sla_events').values({ clock_id: broken.id, type: 'created', at: t0, data: JSON.stringify({ level: 'NOPE' }), recorded_at: t0 }).execute();

    // 40 minutes in: respond (30 min) is breached on all ten; batches of 3, two at a time
    const t1 = at('2024-05-06T09:40:00+08:00');
    const r = await sweepDueClocks(db, t1, 3, { concurrency: 2 });
    assert.deepEqual(r, { clocks: 10, errors: 1 });
    const parked = await db.selectFrom('sla_clocks').select('next_deadline_at').where('id', '=', broken.id).executeTakeFirstOrThrow();
    assert.equal(parked.next_deadline_at, null);

    const signals = await sql<{ n: string; clocks: string }>`
      SELECT count(*)::text AS n, count(DISTINCT clock_id)::text AS clocks FROM sla_signals s JOIN sla_clocks c ON c.id = s.clock_id
      WHERE c.contract_id = ${c.id} AND s.target_key = 'respond'`.execute(db);
    assert.deepEqual(signals.rows[0], { n: '30', clocks: '10' }, 'warnings at 50% and 80% and the breach, for each of the ten clocks');
    const jobs = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM jobs j JOIN sla_signals s ON j.dedupe_key = 'sla.signal:' || s.id::text
      JOIN sla_clocks c ON c.id = s.clock_id WHERE c.contract_id = ${c.id} AND j.kind = 'sla.signalFired'`.execute(db);
    assert.equal(jobs.rows[0]?.n, '30');

    const rows = await db.selectFrom('incidents').select(['sla_breached', 'sla_due_at']).where('id', 'in', incidents).execute();
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(row.sla_breached, true);
      assert.equal(new Date(row.sla_due_at ?? 0).toISOString(), at('2024-05-06T14:00:00+08:00').toISOString());
    }

    // the same instant again, then a full recompute: nothing is recorded twice
    await sweepDueClocks(db, t1, 3, { concurrency: 2 });
    const again = await recomputeOpenClocks(db, t1, 4);
    assert.ok(again.clocks >= 10);
    const after = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM sla_signals s JOIN sla_clocks c ON c.id = s.clock_id WHERE c.contract_id = ${c.id}`.execute(db);
    assert.equal(after.rows[0]?.n, '30');
  } finally {
    await iso.drop();
  }
});

test('a writer that waited for the clock lock recomputes with the events committed meanwhile', async () => {
  const iso = await isolatedDb();
  const db = iso.db;
  try {
    const c = await buildContract(db);
    const t0 = at('2024-05-06T09:00:00+08:00');
    const view = await db.transaction().execute((trx) =>
      openClock(trx, { contractId: c.id, subjectType: 'incident', subjectId: randomUUID(), systemKey: 'S1', levelKey: 'P1', conditions: {}, reportedAt: t0 }, t0),
    );
    const t1 = at('2024-05-06T09:10:00+08:00');
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked: () => void = () => undefined;
    const firstHasLock = new Promise<void>((r) => {
      locked = r;
    });
    // the first writer records the response and keeps the lock until told to commit
    const first = db.transaction().execute(async (trx) => {
      await recordClockEvents(trx, view.clockId, [{ type: 'responded', at: t1 }], t1);
      locked();
      await held;
    });
    await firstHasLock;
    // the second starts while the first holds the lock: its snapshot predates the response
    const second = db.transaction().execute((trx) => recordClockEvents(trx, view.clockId, [{ type: 'resolved', at: t1 }], t1));
    await sleep(150);
    release();
    await first;
    const after = await second;
    assert.equal(after.result.targets.find((t) => t.kind === 'respond')?.state, 'met', 'the response committed meanwhile counts');
    assert.equal(after.result.targets.find((t) => t.kind === 'resolve')?.state, 'met');
    const events = await db.selectFrom('sla_events').select('type').where('clock_id', '=', view.clockId).orderBy('id').execute();
    assert.deepEqual(
      events.map((e) => e.type),
      ['created', 'responded', 'resolved'],
    );
  } finally {
    await iso.drop();
  }
});
