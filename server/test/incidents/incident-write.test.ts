/**
 * An incident's create and each command are one statement: the incident, its
 * SLA clock, its timeline event and its audit row are written together or not
 * at all. These tests hold a row lock in a second connection so that a
 * concurrent change lands between a command's read and its write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { useIsolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser } from '../helpers/factories.ts';
import { applyIncidentCommand, createIncident } from '../../src/incidents/incident.service.ts';
import { verifyAuditChain } from '../../src/audit/audit.service.ts';
import { AppError } from '../../src/errors.ts';
import type { Db } from '../../src/db/database.ts';
import type { Ctx } from '../../src/shared/context.ts';

const db = useIsolatedDb();

function ctxOf(user: { id: string; username: string }, now: Date): Ctx {
  return {
    user: { id: user.id, username: user.username, displayName: '坐席', organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 's', lastSignInAt: null, lastSignInIp: null },
    clientIp: null,
    now,
  };
}

async function setUp(title: string) {
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const t0 = new Date('2024-05-06T09:00:00+08:00');
  const ctx = ctxOf(desk, new Date('2024-05-06T09:05:00+08:00'));
  const inc = await createIncident(db, ctxOf(desk, t0), c.id, { title, description: '', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: t0, impact: {}, levelKey: 'P1' });
  const clock = await db.selectFrom('sla_clocks').select('id').where('subject_type', '=', 'incident').where('subject_id', '=', inc.id).executeTakeFirstOrThrow();
  return { contract: c, desk, ctx, inc, clockId: clock.id };
}

/** What a command leaves behind on an incident and its clock. */
async function traces(incidentId: string, clockId: string) {
  const inc = await db.selectFrom('incidents').select(['version', 'status']).where('id', '=', incidentId).executeTakeFirstOrThrow();
  const clock = await sql<{ xmin: string }>`SELECT xmin::text FROM sla_clocks WHERE id = ${clockId}::uuid`.execute(db);
  const schedule = await sql<{ xmin: string }>`SELECT xmin::text FROM sla_clock_schedules WHERE clock_id = ${clockId}::uuid`.execute(db);
  const clockEvents = await db.selectFrom('sla_events').select('type').where('clock_id', '=', clockId).orderBy('id').execute();
  const timeline = await db.selectFrom('incident_events').select('type').where('incident_id', '=', incidentId).orderBy('id').execute();
  const audit = await db.selectFrom('audit_log').select('action').where('entity_id', '=', incidentId).orderBy('seq').execute();
  return {
    version: inc.version,
    status: inc.status,
    clockXmin: clock.rows[0]?.xmin,
    scheduleXmin: schedule.rows[0]?.xmin,
    clockEvents: clockEvents.map((e) => e.type),
    timeline: timeline.map((e) => e.type),
    audit: audit.map((a) => a.action),
  };
}

/**
 * Run `change` in a transaction of a second connection, start `command`,
 * commit `change` once the command waits for its lock, and settle the command.
 */
async function racing<T>(d: Db, change: string, command: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  return d.connection().execute(async (conn) => {
    await sql`BEGIN`.execute(conn);
    await sql.raw(change).execute(conn);
    const running = command();
    running.catch(() => undefined);
    for (let i = 0; ; i++) {
      const waiting = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(d);
      if ((waiting.rows[0]?.n ?? 0) > 0) break;
      if (i > 500) throw new Error('the command never waited for the lock');
      await new Promise((r) => setTimeout(r, 10));
    }
    await sql`COMMIT`.execute(conn);
    const [settled] = await Promise.allSettled([running]);
    if (!settled) throw new Error('no outcome');
    return settled;
  });
}

test('a clock changed between a command\'s read and its write: the command is computed again and applied once', async () => {
  const { ctx, inc, clockId } = await setUp('读卡器无法识别社保卡');
  const before = await traces(inc.id, clockId);
  // another writer of the clock (as a report-up confirmation would) commits while the command waits for the clock's row
  const outcome = await racing(db, `UPDATE sla_clocks SET computed_at = computed_at WHERE id = '${clockId}'`, () => applyIncidentCommand(db, ctx, inc.id, 1, { type: 'acknowledge' }));
  assert.equal(outcome.status, 'fulfilled', outcome.status === 'rejected' ? String(outcome.reason) : '');
  const after = await traces(inc.id, clockId);
  assert.equal(after.version, 2);
  assert.equal(after.status, 'acknowledged');
  assert.deepEqual(after.clockEvents, [...before.clockEvents, 'responded'], 'the response is on the clock once');
  assert.deepEqual(after.timeline, [...before.timeline, 'acknowledge']);
  assert.deepEqual(after.audit, [...before.audit, 'incident.acknowledge']);
});

test('an incident changed after a command wrote its clock: VERSION_CONFLICT, and neither the clock nor anything else of the command is kept', async () => {
  const { ctx, inc, clockId } = await setUp('自助终端黑屏');
  const before = await traces(inc.id, clockId);
  // a concurrent change of the incident commits while the command, its clock already written, waits for the incident's row
  const outcome = await racing(db, `UPDATE incidents SET version = version + 1 WHERE id = '${inc.id}'`, () => applyIncidentCommand(db, ctx, inc.id, 1, { type: 'acknowledge' }));
  assert.equal(outcome.status, 'rejected');
  assert.ok(outcome.status === 'rejected' && outcome.reason instanceof AppError && outcome.reason.code === 'VERSION_CONFLICT', String(outcome.status === 'rejected' ? outcome.reason : ''));
  const after = await traces(inc.id, clockId);
  assert.equal(after.version, 2, 'only the concurrent change');
  assert.equal(after.status, 'new');
  assert.equal(after.clockXmin, before.clockXmin, 'the clock row is the version before the command');
  assert.equal(after.scheduleXmin, before.scheduleXmin, 'and so is its schedule');
  assert.deepEqual(after.clockEvents, before.clockEvents);
  assert.deepEqual(after.timeline, before.timeline);
  assert.deepEqual(after.audit, before.audit, 'no audit row for a command that did not happen');
});

test('a stale version with no clock event (a comment) writes nothing', async () => {
  const { ctx, inc, clockId } = await setUp('网点叫号机故障');
  await applyIncidentCommand(db, ctx, inc.id, 1, { type: 'comment', text: '已联系厂家' });
  const before = await traces(inc.id, clockId);
  await assert.rejects(applyIncidentCommand(db, ctx, inc.id, 1, { type: 'comment', text: '重复提交' }), (e: unknown) => e instanceof AppError && e.code === 'VERSION_CONFLICT');
  assert.deepEqual(await traces(inc.id, clockId), before);
});

test('the create\'s audit entry carries the number drawn by its statement, and the chain verifies', async () => {
  const { inc } = await setUp('社保卡补卡进度查询失败');
  assert.match(inc.number, /^GZ2024-\d{6,}$/);
  const row = await db.selectFrom('audit_log').select(['after']).where('entity_id', '=', inc.id).where('action', '=', 'incident.created').executeTakeFirstOrThrow();
  const after = row.after as Record<string, unknown>;
  assert.equal(after['number'], inc.number);
  assert.equal(after['title'], '社保卡补卡进度查询失败');
  const verified = await verifyAuditChain(db);
  assert.equal(verified.ok, true, JSON.stringify(verified.problem));
});
