import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { isolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs, type Plain } from '../helpers/factories.ts';
import { startFakeGateway, type FakeGateway } from '../helpers/fake-gateway.ts';
import { buildApp } from '../../src/http/app.ts';
import { createReportUpJob } from '../../src/notices/report-up.service.ts';
import { addContact } from '../../src/contacts/contact.service.ts';
import { runDueJobs } from '../../src/jobs/job.queue.ts';
import type { JobDefinition } from '../../src/jobs/job.types.ts';
import type { Db } from '../../src/db/database.ts';
import { testLogger } from '../helpers/test-log.ts';

let iso: Awaited<ReturnType<typeof isolatedDb>>;
let db: Db;
let gw: FakeGateway;
let app: FastifyInstance;
let registry: Map<string, JobDefinition<unknown>>;

before(async () => {
  iso = await isolatedDb();
  db = iso.db;
  gw = await startFakeGateway();
  app = await buildApp({
    db,
    config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', channels: { smsGatewayUrl: `${gw.url}/sms`, mailGatewayUrl: undefined, wecomWebhookUrl: `${gw.url}/wecom`, dingtalkWebhookUrl: undefined }, reportUpAckMinutes: 5 },
    logger: testLogger(),
  });
  const job = createReportUpJob(app.services.reportUp);
  registry = new Map<string, JobDefinition<unknown>>([[job.kind, job]]);
});
after(async () => {
  await app.close();
  await gw.close();
  await iso.drop();
});

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

async function setup(channels: string[]) {
  const c = await buildContract(db, (d) => {
    (d['severityLevels'] as Plain[]).push({
      key: 'HOT-C',
      name: '较大（C级）突发事件',
      rank: 5,
      definition: '全部业务中断超过 30 分钟',
      targets: [{ kind: 'reportUp', name: '初次报告', within: { amount: 10, unit: 'minutes' }, notify: [{ position: '乙方总经理', side: 'vendor', channels }] }],
    });
  });
  const gm = await buildUser(db, { contractId: c.id, roles: ['vendorProjectManager'] });
  const deputy = await buildUser(db, { contractId: c.id, roles: ['vendorProjectManager'] });
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  await addContact(db, null, c.id, { position: '乙方总经理', name: '赵总', side: 'vendor', userId: gm.id, phone: '13800000001', priority: 1 }, new Date());
  await addContact(db, null, c.id, { position: '乙方总经理', name: '钱副总', side: 'vendor', userId: deputy.id, phone: '13800000002', priority: 2 }, new Date());
  const deskCookie = await signInAs(app, desk);
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: deskCookie },
    payload: { title: '96102 热线全部业务中断', systemKey: 'S2', channel: 'hotline', reporterName: '值班长', reportedAt: new Date().toISOString(), levelKey: 'HOT-C' },
  });
  assert.equal(created.statusCode, 201, created.body);
  return { c, gm, deputy, desk, deskCookie, incidentId: created.json().id as string, number: created.json().number as string };
}

async function reportUps(cookie: string, id: string) {
  const r = await app.inject({ url: `/api/incidents/${id}/report-ups`, headers: { cookie } });
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as { id: string; status: string; contactName: string; attempts: { channel: string; status: string; recipient: string | null }[] }[];
}

test('grade C: the SMS reaches the gateway within the window, the report-up target is met, and escalation follows when nobody acknowledges', async () => {
  const before = gw.calls.length;
  const s = await setup(['sms']);
  await runDueJobs(db, registry, new Date(), 50);
  const sms = gw.calls.slice(before).filter((c) => c.path === '/sms');
  assert.equal(sms.length, 1);
  assert.equal(sms[0]?.body['to'], '13800000001');
  assert.match(String(sms[0]?.body['text']), new RegExp(s.number));
  assert.match(String(sms[0]?.body['text']), /较大（C级）突发事件/);

  let notices = await reportUps(s.deskCookie, s.incidentId);
  assert.equal(notices[0]?.status, 'delivered');
  assert.equal(notices[0]?.attempts[0]?.recipient, '138****0001', 'phone numbers are masked in the record');
  const d = (await app.inject({ url: `/api/incidents/${s.incidentId}`, headers: { cookie: s.deskCookie } })).json();
  const target = d.sla.result.targets.find((t: { kind: string }) => t.kind === 'reportUp');
  assert.equal(target.state, 'met');

  // nobody acknowledges within 5 minutes: escalate to the next 乙方总经理 contact
  await runDueJobs(db, registry, minutes(6), 50);
  const sms2 = gw.calls.slice(before).filter((c) => c.path === '/sms');
  assert.equal(sms2.length, 2);
  assert.equal(sms2[1]?.body['to'], '13800000002');
  notices = await reportUps(s.deskCookie, s.incidentId);
  assert.deepEqual(notices.map((n) => [n.contactName, n.status]), [['赵总', 'escalated'], ['钱副总', 'delivered']]);

  // the deputy acknowledges: no further escalation
  const deputyCookie = await signInAs(app, s.deputy);
  const ack = await app.inject({ method: 'POST', url: `/api/report-ups/${notices[1]?.id}/ack`, headers: { cookie: deputyCookie } });
  assert.equal(ack.statusCode, 200, ack.body);
  await runDueJobs(db, registry, minutes(20), 50);
  assert.equal(gw.calls.slice(before).filter((c) => c.path === '/sms').length, 2);
  notices = await reportUps(s.deskCookie, s.incidentId);
  assert.equal(notices[1]?.status, 'acknowledged');
});

test('phone first: an unanswered call falls back to SMS at once; a gateway failure is recorded and the next channel used', async () => {
  const before = gw.calls.length;
  const s = await setup(['phone', 'sms', 'wecom']);
  await runDueJobs(db, registry, new Date(), 50);
  let notices = await reportUps(s.deskCookie, s.incidentId);
  assert.equal(notices[0]?.status, 'awaitingCall');
  assert.equal(gw.calls.length, before, 'nothing sent yet: a person must call');
  const desk = await db.selectFrom('notifications').select('title').where('user_id', '=', s.desk.id).where('kind', '=', 'reportUp.call').execute();
  assert.match(desk[0]?.title ?? '', /请电话上报：乙方总经理 赵总/);

  gw.failNext(1); // the SMS gateway is down for the first try
  const r = await app.inject({ method: 'POST', url: `/api/report-ups/${notices[0]?.id}/call-result`, headers: { cookie: s.deskCookie }, payload: { answered: false } });
  assert.equal(r.statusCode, 200, r.body);
  notices = await reportUps(s.deskCookie, s.incidentId);
  assert.deepEqual(notices[0]?.attempts.map((a) => `${a.channel}:${a.status}`), ['phone:awaitingCall', 'phone:unanswered', 'sms:failed', 'wecom:sent']);
  assert.equal(notices[0]?.status, 'delivered');
  const wecom = gw.calls.slice(before).filter((c) => c.path === '/wecom');
  assert.equal(wecom.length, 1);
  assert.deepEqual((wecom[0]?.body['text'] as { mentioned_mobile_list: string[] }).mentioned_mobile_list, ['13800000001']);
});

test('an answered call acknowledges the notice and meets the report-up target', async () => {
  const s = await setup(['phone', 'sms']);
  await runDueJobs(db, registry, new Date(), 50);
  const notices = await reportUps(s.deskCookie, s.incidentId);
  const r = await app.inject({ method: 'POST', url: `/api/report-ups/${notices[0]?.id}/call-result`, headers: { cookie: s.deskCookie }, payload: { answered: true } });
  assert.equal(r.statusCode, 200);
  const after = await reportUps(s.deskCookie, s.incidentId);
  assert.equal(after[0]?.status, 'acknowledged');
  const d = (await app.inject({ url: `/api/incidents/${s.incidentId}`, headers: { cookie: s.deskCookie } })).json();
  assert.equal(d.sla.result.targets.find((t: { kind: string }) => t.kind === 'reportUp').state, 'met');
  assert.ok(d.events.some((e: { type: string }) => e.type === 'reportedUp'));
});

test('the in-app notifications of the desk list the call task, and can be marked read', async () => {
  const s = await setup(['phone', 'sms']);
  await runDueJobs(db, registry, new Date(), 50);
  const list = await app.inject({ url: '/api/notifications', headers: { cookie: s.deskCookie } });
  assert.equal(list.statusCode, 200);
  const body = list.json() as { unread: number; items: { id: string; title: string; subjectId: string }[] };
  assert.equal(body.unread, 1);
  assert.match(body.items[0]?.title ?? '', /请电话上报/);
  assert.equal(body.items[0]?.subjectId, s.incidentId);
  const read = await app.inject({ method: 'POST', url: '/api/notifications/read', headers: { cookie: s.deskCookie }, payload: { ids: 'all' } });
  assert.equal(read.json().updated, 1);
  const again = await app.inject({ url: '/api/notifications', headers: { cookie: s.deskCookie } });
  assert.equal(again.json().unread, 0);
});
