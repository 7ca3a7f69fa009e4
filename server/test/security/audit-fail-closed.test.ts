/**
 * Fail closed (security.md check 34, 等保 安全审计 d): when the audit insert of
 * a real incident change fails, the change itself is rolled back — incident
 * row, timeline, SLA clock, its events and schedule, and jobs alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { isolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs } from '../helpers/factories.ts';
import { testLogger } from '../helpers/test-log.ts';
import { buildApp } from '../../src/http/app.ts';
import type { Db } from '../../src/db/database.ts';

/** Everything an incident command may change, read back as plain JSON. */
async function snapshot(db: Db, incidentId: string) {
  const incident = await db.selectFrom('incidents').selectAll().where('id', '=', incidentId).executeTakeFirstOrThrow();
  const events = await db.selectFrom('incident_events').selectAll().where('incident_id', '=', incidentId).orderBy('at').orderBy('id').execute();
  const clocks = await db.selectFrom('sla_clocks').selectAll().where('subject_id', '=', incidentId).orderBy('id').execute();
  const clockIds = clocks.map((c) => c.id);
  const slaEvents = clockIds.length ? await db.selectFrom('sla_events').selectAll().where('clock_id', 'in', clockIds).orderBy('id').execute() : [];
  const schedules = await db.selectFrom('sla_clock_schedules').selectAll().where('subject_id', '=', incidentId).orderBy('clock_id').execute();
  const audit = await db.selectFrom('audit_log').select(['seq', 'action']).where('entity_id', '=', incidentId).orderBy('seq').execute();
  const jobs = await db.selectFrom('jobs').select(['id', 'kind', 'status', 'run_at']).orderBy('id').execute();
  return JSON.parse(JSON.stringify({ incident, events, clocks, slaEvents, schedules, audit, jobs })) as Record<string, unknown>;
}

test('a fault injected into the audit insert of an incident change rolls the change back: incident, timeline, SLA and jobs unchanged', { timeout: 60_000 }, async () => {
  const iso = await isolatedDb();
  const app = await buildApp({ db: iso.db, config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', signInPerMinute: 1000 }, logger: testLogger() });
  try {
    const c = await buildContract(iso.db);
    const desk = await buildUser(iso.db, { contractId: c.id, roles: ['deskAgent'] });
    const engineer = await buildUser(iso.db, { contractId: c.id, roles: ['engineer'] });
    const deskCookie = await signInAs(app, desk);
    const cookie = await signInAs(app, engineer);
    const created = await app.inject({
      method: 'POST',
      url: `/api/contracts/${c.id}/incidents`,
      headers: { cookie: deskCookie },
      payload: { title: '社保卡读卡器无法读卡', systemKey: 'S1', channel: 'phone', reporterName: '网点', reportedAt: new Date(Date.now() - 5 * 60_000).toISOString(), levelKey: 'P1' },
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json().id as string;
    const acknowledge = () => app.inject({ method: 'POST', url: `/api/incidents/${id}/commands`, headers: { cookie }, payload: { version: 1, command: { type: 'acknowledge', note: '已电话联系网点' } } });

    // The fault: the audit insert of this incident's acknowledgement raises, as a full disk or a broken audit table would.
    await sql`
      CREATE FUNCTION test_audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.entity_id = ${sql.lit(id)}::uuid AND NEW.action = 'incident.acknowledge' THEN
          RAISE EXCEPTION 'injected audit fault';
        END IF;
        RETURN NEW;
      END $$`.execute(iso.db);
    await sql`CREATE TRIGGER test_audit_fault BEFORE INSERT ON audit_pending FOR EACH ROW EXECUTE FUNCTION test_audit_fault()`.execute(iso.db);

    const before = await snapshot(iso.db, id);
    assert.equal((before['clocks'] as unknown[]).length > 0, true, 'the incident runs an SLA clock');
    const failed = await acknowledge();
    assert.equal(failed.statusCode, 500);
    assert.equal(failed.json().error.code, 'INTERNAL');
    assert.deepEqual(await snapshot(iso.db, id), before, 'nothing of the change was committed');

    // Without the fault the same command goes through and changes what the failed one did not.
    await sql`DROP TRIGGER test_audit_fault ON audit_pending`.execute(iso.db);
    const ok = await acknowledge();
    assert.equal(ok.statusCode, 200, ok.body);
    const afterOk = await snapshot(iso.db, id);
    assert.notDeepEqual(afterOk['incident'], before['incident']);
    assert.ok((afterOk['events'] as unknown[]).length > (before['events'] as unknown[]).length, 'the timeline grew');
    assert.notDeepEqual(afterOk['slaEvents'], before['slaEvents'], 'the SLA clock recorded the response');
    assert.deepEqual(
      (afterOk['audit'] as { action: string }[]).map((a) => a.action),
      ['incident.created', 'incident.acknowledge'],
    );
  } finally {
    await app.close();
    await iso.drop();
  }
});
