import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useIsolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser } from '../helpers/factories.ts';
import { createIncident } from '../../src/incidents/incident.service.ts';
import { sweepDueClocks } from '../../src/sla/sla-clock.service.ts';
import type { Ctx } from '../../src/shared/context.ts';

const db = useIsolatedDb();

test('the sweep keeps the incident row in step: breached and at-risk flags, nearest deadline', async () => {
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const t0 = new Date('2024-05-06T09:00:00+08:00');
  const ctx: Ctx = {
    user: { id: desk.id, username: desk.username, displayName: '坐席', organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 's', lastSignInAt: null, lastSignInIp: null },
    clientIp: null,
    now: t0,
  };
  const inc = await createIncident(db, ctx, c.id, { title: '网点打印机故障', description: '', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: t0, impact: {}, levelKey: 'P1' });
  let row = await db.selectFrom('incidents').select(['sla_breached', 'sla_at_risk', 'sla_due_at']).where('id', '=', inc.id).executeTakeFirstOrThrow();
  assert.equal(row.sla_breached, false);
  assert.equal(new Date(row.sla_due_at ?? 0).toISOString(), new Date('2024-05-06T09:30:00+08:00').toISOString(), 'nearest: the 30-minute response');
  // 25 minutes in: the response is at risk (past 80%)
  await sweepDueClocks(db, new Date('2024-05-06T09:25:00+08:00'));
  row = await db.selectFrom('incidents').select(['sla_breached', 'sla_at_risk', 'sla_due_at']).where('id', '=', inc.id).executeTakeFirstOrThrow();
  assert.equal(row.sla_at_risk, true);
  assert.equal(row.sla_breached, false);
  // 40 minutes in: breached, and the nearest open deadline is now the resolution
  await sweepDueClocks(db, new Date('2024-05-06T09:40:00+08:00'));
  row = await db.selectFrom('incidents').select(['sla_breached', 'sla_at_risk', 'sla_due_at']).where('id', '=', inc.id).executeTakeFirstOrThrow();
  assert.equal(row.sla_breached, true);
  assert.equal(new Date(row.sla_due_at ?? 0).toISOString(), new Date('2024-05-06T14:00:00+08:00').toISOString(), 'resolve: 4 working hours from 09:00 on 5×8 (09–12, 13–14)');
});
