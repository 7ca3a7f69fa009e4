/**
 * No mass assignment (security.md checks 4 and 23): a body that names a
 * property its route does not accept (another contract, the creator, a
 * state) is refused with 400 in Chinese, and the database is unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs } from '../helpers/factories.ts';
import { buildWorkOrderContract, signInAll } from '../workorders/workorder-fixtures.ts';

const app = useTestApp();

async function countWhere(table: 'incidents' | 'work_orders', contractId: string): Promise<number> {
  const r = await testDb().selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('contract_id', '=', contractId).executeTakeFirstOrThrow();
  return Number(r.n);
}

test('an incident report naming its contract, creator or state is refused whole; without them it is accepted', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const other = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const cookie = await signInAs(app, desk);
  const report = { title: '网点读卡器无响应', systemKey: 'S1', channel: 'phone', reporterName: '网点负责人', reportedAt: new Date().toISOString(), levelKey: 'P1' };

  for (const extra of [{ contractId: other.id }, { createdBy: desk.id }, { state: 'closed' }, { version: 7 }]) {
    const r = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie }, payload: { ...report, ...extra } });
    assert.equal(r.statusCode, 400, JSON.stringify(extra));
    assert.equal(r.json().error.code, 'VALIDATION_FAILED');
    assert.match(r.json().error.message, /请求参数不正确/);
    assert.ok(r.json().error.message.includes(Object.keys(extra)[0] ?? '?'), r.json().error.message);
  }
  assert.equal(await countWhere('incidents', c.id), 0);
  assert.equal(await countWhere('incidents', other.id), 0);

  const ok = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie }, payload: report });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal(await countWhere('incidents', c.id), 1);
});

test('a work-order edit naming another contract or creator is refused, and the order keeps its contract, creator and version', async () => {
  const db = testDb();
  const { contractId, people } = await buildWorkOrderContract(db);
  const cookies = await signInAll(app, people);
  const other = await buildContract(db);
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${contractId}/work-orders`,
    headers: { cookie: cookies.engineer },
    payload: { kind: 'serviceRequest', subtype: 'statistics', title: '统计 5 月份补贴发放人数', systemKey: 'S1' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const before = await db.selectFrom('work_orders').select(['contract_id', 'created_by', 'version', 'title']).where('id', '=', id).executeTakeFirstOrThrow();

  for (const extra of [{ contractId: other.id }, { createdBy: people.lead.id }, { state: 'approved' }]) {
    const r = await app.inject({ method: 'PATCH', url: `/api/work-orders/${id}`, headers: { cookie: cookies.engineer }, payload: { version: 1, title: '已改标题', ...extra } });
    assert.equal(r.statusCode, 400, JSON.stringify(extra));
    assert.equal(r.json().error.code, 'VALIDATION_FAILED');
  }
  const unchanged = await db.selectFrom('work_orders').select(['contract_id', 'created_by', 'version', 'title']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.deepEqual(unchanged, before);
  assert.equal(await countWhere('work_orders', other.id), 0);

  const ok = await app.inject({ method: 'PATCH', url: `/api/work-orders/${id}`, headers: { cookie: cookies.engineer }, payload: { version: 1, title: '已改标题' } });
  assert.equal(ok.statusCode, 200, ok.body);
  const edited = await db.selectFrom('work_orders').select(['contract_id', 'title']).where('id', '=', id).executeTakeFirstOrThrow();
  assert.deepEqual(edited, { contract_id: contractId, title: '已改标题' });
});
