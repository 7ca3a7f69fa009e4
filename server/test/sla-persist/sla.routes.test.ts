import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs } from '../helpers/factories.ts';

const app = useTestApp();

async function member() {
  const c = await buildContract(testDb());
  const u = await buildUser(testDb(), { contractId: c.id, roles: ['vendorProjectManager'] });
  return { c, cookie: await signInAs(app, u) };
}

test('preview: each target of a level with its due time and the rule behind it', async () => {
  const { c, cookie } = await member();
  const res = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/sla/preview`,
    headers: { cookie },
    payload: { levelKey: 'P1', reportedAt: '2023-09-28T16:30:00+08:00', systemKey: 'S1' },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.levelName, '一级故障');
  const resolve = body.result.targets.find((t: { kind: string }) => t.kind === 'resolve');
  // Thursday 28 Sep 2023 16:30 + 4 working hours: 30 min that day; 29 Sep – 6 Oct is the
  // Mid-Autumn/National Day holiday; Saturday 7 Oct is a make-up workday (09:00–12:00 = 180,
  // 13:00–13:30 = 30) → due Saturday 2023-10-07 13:30.
  assert.ok(Math.abs(new Date(resolve.dueAt).getTime() - new Date('2023-10-07T13:30:00+08:00').getTime()) <= 60_000, resolve.dueAt);
  assert.equal(resolve.rule.windowKey, 'w5x8');
  assert.match(resolve.rule.calendarVersion, /chinese-days@/);
});

test('preview: an unknown level or system gets a clear Chinese error', async () => {
  const { c, cookie } = await member();
  const r1 = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/sla/preview`, headers: { cookie }, payload: { levelKey: 'P9', reportedAt: '2024-01-02T10:00:00+08:00' } });
  assert.equal(r1.statusCode, 400);
  assert.match(r1.json().error.message, /合同未定义故障等级「P9」/);
  const r2 = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/sla/preview`, headers: { cookie }, payload: { levelKey: 'P1', reportedAt: 'yesterday' } });
  assert.equal(r2.statusCode, 400);
  assert.equal(r2.json().error.code, 'VALIDATION_FAILED');
});

test('working time between two instants on a window', async () => {
  const { c, cookie } = await member();
  // Friday 2024-03-15 16:30 → Monday 2024-03-18 10:00 on 5×8: 30 + 60 = 90 minutes.
  const q = new URLSearchParams({ window: 'w5x8', from: '2024-03-15T16:30:00+08:00', to: '2024-03-18T10:00:00+08:00' });
  const res = await app.inject({ url: `/api/contracts/${c.id}/working-time?${q}`, headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().minutes, 90);
  assert.equal(res.json().text, '1 小时 30 分钟');
  const q2 = new URLSearchParams({ window: 'nope', from: '2024-03-15T16:30:00+08:00', to: '2024-03-18T10:00:00+08:00' });
  const bad = await app.inject({ url: `/api/contracts/${c.id}/working-time?${q2}`, headers: { cookie } });
  assert.equal(bad.statusCode, 422);
  assert.equal(bad.json().error.code, 'SLA_UNKNOWN_WINDOW');
  assert.match(bad.json().error.message, /服务时间窗「nope」不存在/);
});

test('another contract\'s SLA endpoints answer 404', async () => {
  const { cookie } = await member();
  const other = await buildContract(testDb());
  const res = await app.inject({ method: 'POST', url: `/api/contracts/${other.id}/sla/preview`, headers: { cookie }, payload: { levelKey: 'P1', reportedAt: '2024-01-02T10:00:00+08:00' } });
  assert.equal(res.statusCode, 404);
});

test('calendar year view: 2023 National Day and make-up workdays; unpublished years say what is assumed', async () => {
  const { cookie } = await member();
  const res = await app.inject({ url: '/api/calendar/years/2023', headers: { cookie } });
  assert.equal(res.statusCode, 200);
  const days = res.json().days as { date: string; workday: boolean; reason: string }[];
  const byDate = new Map(days.map((d) => [d.date, d]));
  for (const d of ['2023-09-29', '2023-10-02', '2023-10-06']) assert.equal(byDate.get(d)?.reason, 'holiday', d);
  for (const d of ['2023-10-07', '2023-10-08']) assert.equal(byDate.get(d)?.reason, 'makeupWorkday', d);
  assert.equal(res.json().published, true);
  const future = await app.inject({ url: '/api/calendar/years/2029', headers: { cookie } });
  assert.equal(future.statusCode, 200);
  assert.equal(future.json().published, false);
  assert.match(future.json().note, /2029 年的放假安排尚未由国务院办公厅发布，暂按周一至周五为工作日/);
});

test('only platform administrators change the calendar', async () => {
  const { cookie } = await member();
  const res = await app.inject({ method: 'POST', url: '/api/calendar/overrides', headers: { cookie }, payload: { date: '2024-07-01', kind: 'holiday', name: '测试' } });
  assert.equal(res.statusCode, 403);
});
