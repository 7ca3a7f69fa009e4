/**
 * The vendor staff roster over HTTP: who may do what, the grant gate
 * (accepted + agreement on file), departure ending access at once, the
 * replacement deadline and its sweep, KPIs, and cross-contract 404s.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs, type Plain } from '../helpers/factories.ts';
import { multipart } from '../helpers/upload.ts';
import { sweepOverdueReplacements } from '../../src/staff/staff.service.ts';
import { computeReplacementDueAt } from '../../src/staff/staff-rules.ts';
import { loadWorkingCalendar } from '../../src/calendar/calendar.service.ts';

const app = useTestApp();

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');


const STAFFING = {
  positions: [{ key: 'AGENT', name: '坐席代表', headcount: 2, source: 'L1169' }],
  kpis: [{ key: 'EDU', name: '坐席代表大专以上学历占比', metric: 'educationAtLeast', education: 'juniorCollege', minShare: '75%', positions: ['AGENT'], source: 'L1550' }],
  replacement: { within: { amount: 7, unit: 'days' }, source: 'L151' },
};

async function setup(mutate?: (doc: Plain) => void) {
  const db = testDb();
  const c = await buildContract(db, (doc) => {
    doc['staffing'] = STAFFING;
    mutate?.(doc);
  });
  const admin = await buildUser(db, { contractId: c.id, roles: ['agencyAdmin'] });
  const pm = await buildUser(db, { contractId: c.id, roles: ['vendorProjectManager'] });
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const newcomer = await buildUser(db);
  return {
    db,
    c,
    admin,
    pm,
    desk,
    newcomer,
    adminCookie: await signInAs(app, admin),
    pmCookie: await signInAs(app, pm),
    deskCookie: await signInAs(app, desk),
  };
}

async function propose(contractId: string, cookie: string, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: `/api/contracts/${contractId}/staff`, headers: { cookie }, payload: { education: 'bachelor', systemStartOn: '2020-03-01', positionKey: 'AGENT', ...body } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id as string;
}

async function detail(staffId: string, cookie: string) {
  const res = await app.inject({ url: `/api/staff/${staffId}`, headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function uploadAgreement(staffId: string, cookie: string, signedOn = '2024-01-05') {
  const mp = multipart('保密协议.pdf', PDF);
  return app.inject({ method: 'POST', url: `/api/staff/${staffId}/documents?kind=agreement&signedOn=${signedOn}`, headers: { cookie, ...mp.headers }, payload: mp.payload });
}

async function auditRows(db: ReturnType<typeof testDb>, entityId: string) {
  return db.selectFrom('audit_log').select(['action', 'after', 'actor_user_id']).where('entity_id', '=', entityId).orderBy('seq').execute();
}

test('the vendor project manager registers and edits people; the agency reads; a desk agent may not; stale versions conflict', async () => {
  const { c, adminCookie, pmCookie, deskCookie } = await setup();
  const refused = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/staff`, headers: { cookie: adminCookie }, payload: { personName: '李四', education: 'bachelor', systemStartOn: '2020-01-01', positionName: '工程师' } });
  assert.equal(refused.statusCode, 403);
  const id = await propose(c.id, pmCookie, { personName: '张三', qualifications: [{ name: '客服行业工作经验' }] });

  const roster = await app.inject({ url: `/api/contracts/${c.id}/staff`, headers: { cookie: adminCookie } });
  assert.equal(roster.statusCode, 200);
  const me = roster.json().members.find((m: { id: string }) => m.id === id);
  assert.equal(me.status, 'proposed');
  assert.equal(me.statusLabel, '待甲方确认');
  assert.equal(me.positionName, '坐席代表', 'position name taken from the contract');
  assert.equal(me.educationLabel, '本科');
  assert.equal(me.cleared, false);
  assert.deepEqual(roster.json().permissions, { edit: false, decide: true, leave: true });
  assert.equal(roster.json().replacementWithin.amount, 7);

  assert.equal((await app.inject({ url: `/api/contracts/${c.id}/staff`, headers: { cookie: deskCookie } })).statusCode, 403);
  assert.equal((await app.inject({ url: `/api/staff/${id}`, headers: { cookie: deskCookie } })).statusCode, 403);

  const unknownPosition = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/staff`, headers: { cookie: pmCookie }, payload: { personName: '王五', education: 'bachelor', systemStartOn: '2020-01-01', positionKey: 'NOPE' } });
  assert.equal(unknownPosition.statusCode, 400);
  assert.equal(unknownPosition.json().error.code, 'CONTRACT_REFERENCE_UNKNOWN');

  const patched = await app.inject({ method: 'PATCH', url: `/api/staff/${id}`, headers: { cookie: pmCookie }, payload: { version: me.version, education: 'juniorCollege', experienceYears: 4 } });
  assert.equal(patched.statusCode, 200, patched.body);
  const stale = await app.inject({ method: 'PATCH', url: `/api/staff/${id}`, headers: { cookie: pmCookie }, payload: { version: me.version, education: 'master' } });
  assert.equal(stale.statusCode, 409);
  assert.equal(stale.json().error.code, 'VERSION_CONFLICT');
  const after = await detail(id, adminCookie);
  assert.equal(after.member.education, 'juniorCollege');
  assert.equal(after.member.experienceYears, 4);
});

test('a vendor person cannot be granted a role before the agency accepts them and their agreement is on file', async () => {
  const { db, c, adminCookie, pmCookie, newcomer } = await setup();
  const id = await propose(c.id, pmCookie, { personName: '赵六', username: newcomer.username });
  const grant = () => app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie }, payload: { userId: newcomer.id, role: 'engineer' } });

  const r1 = await grant();
  assert.equal(r1.statusCode, 409);
  assert.equal(r1.json().error.code, 'STAFF_NOT_CLEARED');
  assert.match(r1.json().error.message, /尚未经甲方确认/);
  assert.match(r1.json().error.message, /保密协议/);

  const v1 = (await detail(id, adminCookie)).member.version;
  const pmCannotAccept = await app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie: pmCookie }, payload: { version: v1 } });
  assert.equal(pmCannotAccept.statusCode, 403);
  const accepted = await app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie: adminCookie }, payload: { version: v1 } });
  assert.equal(accepted.statusCode, 200, accepted.body);

  const r2 = await grant();
  assert.equal(r2.statusCode, 409);
  assert.doesNotMatch(r2.json().error.message, /尚未经甲方确认/);
  assert.match(r2.json().error.message, /保密协议/);

  // a file that is not what its name says is refused, and does not count as the agreement
  const fake = multipart('保密协议.pdf', Buffer.from('<html><script>alert(1)</script></html>'));
  const bad = await app.inject({ method: 'POST', url: `/api/staff/${id}/documents?kind=agreement&signedOn=2024-01-05`, headers: { cookie: pmCookie, ...fake.headers }, payload: fake.payload });
  assert.equal(bad.statusCode, 415);
  const noDate = await app.inject({ method: 'POST', url: `/api/staff/${id}/documents?kind=agreement`, headers: { cookie: pmCookie, ...multipart('a.pdf', PDF).headers }, payload: multipart('a.pdf', PDF).payload });
  assert.equal(noDate.statusCode, 400);
  assert.equal((await grant()).statusCode, 409);

  const up = await uploadAgreement(id, pmCookie);
  assert.equal(up.statusCode, 201, up.body);
  assert.equal(up.json().mimeType, 'application/pdf');
  const d = await detail(id, adminCookie);
  assert.equal(d.member.agreementSignedOn, '2024-01-05');
  assert.equal(d.member.agreementDocumentId, up.json().id);
  assert.equal(d.member.cleared, true);

  const r3 = await grant();
  assert.equal(r3.statusCode, 201, r3.body);
  const audit = await auditRows(db, r3.json().id);
  assert.deepEqual(audit.map((a) => a.action), ['membership.granted']);

  const dl = await app.inject({ url: `/api/staff-documents/${up.json().id}`, headers: { cookie: adminCookie } });
  assert.equal(dl.statusCode, 200);
  assert.equal(dl.headers['content-type'], 'application/pdf');
  assert.match(String(dl.headers['content-disposition']), /^attachment;/);
  assert.equal(dl.headers['x-content-type-options'], 'nosniff');
  assert.deepEqual((await auditRows(db, up.json().id)).map((a) => a.action), ['staff.documentAdded', 'staff.documentDownloaded']);
});

test('a contract that asks for background checks also needs a passed check before access', async () => {
  const { c, adminCookie, pmCookie, newcomer } = await setup((doc) => {
    (doc['staffing'] as Plain)['clearance'] = { backgroundCheck: true, source: 'L389' };
  });
  const id = await propose(c.id, pmCookie, { personName: '钱七', username: newcomer.username, backgroundCheckResult: 'pending' });
  await app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie: adminCookie }, payload: { version: 1 } });
  assert.equal((await uploadAgreement(id, pmCookie)).statusCode, 201);
  const grant = () => app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie }, payload: { userId: newcomer.id, role: 'deskAgent' } });
  const r1 = await grant();
  assert.equal(r1.statusCode, 409);
  assert.match(r1.json().error.message, /背景审查/);
  const v = (await detail(id, adminCookie)).member.version;
  await app.inject({ method: 'PATCH', url: `/api/staff/${id}`, headers: { cookie: pmCookie }, payload: { version: v, backgroundCheckOn: '2024-01-03', backgroundCheckResult: 'passed' } });
  assert.equal((await grant()).statusCode, 201);
});

test('an agency grant needs no roster entry, but a user of a vendor organisation does, whatever the role', async () => {
  const { db, c, adminCookie } = await setup();
  const agencyPerson = await buildUser(db);
  const ok = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie }, payload: { userId: agencyPerson.id, role: 'agencyReviewer' } });
  assert.equal(ok.statusCode, 201);
  const vendorOrg = await db
    .selectFrom('contract_parties as p')
    .innerJoin('organisations as o', 'o.id', 'p.organisation_id')
    .select('o.name')
    .where('p.contract_id', '=', c.id)
    .where('p.side', '=', 'vendor')
    .executeTakeFirstOrThrow();
  const vendorPerson = await buildUser(db, { organisationName: vendorOrg.name });
  const refused = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie }, payload: { userId: vendorPerson.id, role: 'readOnly' } });
  assert.equal(refused.statusCode, 409);
  assert.equal(refused.json().error.code, 'STAFF_NOT_CLEARED');
});

test('marking a person left revokes their grants and ends their session at once; the next call answers 401', async () => {
  const { db, c, pmCookie, adminCookie } = await setup();
  const engineer = await buildUser(db, { contractId: c.id, roles: ['engineer', 'deskAgent'] });
  const engineerCookie = await signInAs(app, engineer);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie: engineerCookie } })).statusCode, 200);

  const roster = (await app.inject({ url: `/api/contracts/${c.id}/staff`, headers: { cookie: pmCookie } })).json();
  const entry = roster.members.find((m: { userId: string | null }) => m.userId === engineer.id);
  assert.deepEqual([...entry.roles].sort(), ['deskAgent', 'engineer']);

  const futureDay = await app.inject({ method: 'POST', url: `/api/staff/${entry.id}/leave`, headers: { cookie: pmCookie }, payload: { version: entry.version, leftOn: '2999-01-01', reason: '调离' } });
  assert.equal(futureDay.statusCode, 400);
  const left = await app.inject({ method: 'POST', url: `/api/staff/${entry.id}/leave`, headers: { cookie: pmCookie }, payload: { version: entry.version, reason: '调离本项目' } });
  assert.equal(left.statusCode, 200, left.body);
  assert.deepEqual(left.json(), { revokedGrants: 2, endedSessions: 1 });

  const next = await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie: engineerCookie } });
  assert.equal(next.statusCode, 401);
  const active = await db.selectFrom('memberships').select('id').where('user_id', '=', engineer.id).where('contract_id', '=', c.id).where('revoked_at', 'is', null).execute();
  assert.equal(active.length, 0);

  const audit = await auditRows(db, entry.id);
  const leftRow = audit.find((a) => a.action === 'staff.left');
  assert.ok(leftRow, 'the departure is audited');
  const leftAfter = leftRow.after as { status: string; reason: string; revokedGrants: string[]; endedSessions: number };
  assert.equal(leftAfter.status, 'left');
  assert.equal(leftAfter.reason, '调离本项目');
  assert.deepEqual([...leftAfter.revokedGrants].sort(), ['deskAgent', 'engineer']);
  assert.equal(leftAfter.endedSessions, 1);
  const revokedAudits = await db.selectFrom('audit_log').select('entity_id').where('action', '=', 'membership.revoked').where('contract_id', '=', c.id).execute();
  assert.equal(revokedAudits.length, 2);

  // the person who left cannot be given access again, and signing in again gives no contract
  const regrant = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie }, payload: { userId: engineer.id, role: 'engineer' } });
  assert.equal(regrant.statusCode, 409);
  const again = await signInAs(app, engineer);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie: again } })).statusCode, 404);
  const twice = await app.inject({ method: 'POST', url: `/api/staff/${entry.id}/leave`, headers: { cookie: pmCookie }, payload: { version: entry.version + 1, reason: '再次' } });
  assert.equal(twice.statusCode, 422);
  assert.equal(twice.json().error.code, 'STAFF_TRANSITION_FORBIDDEN');
});

test('a replacement request gets the contract deadline; the sweep marks it overdue exactly once and notifies both sides', async () => {
  const { db, c, adminCookie, pmCookie, admin, pm } = await setup();
  const worker = await buildUser(db, { contractId: c.id, roles: ['onsiteEngineer'] });
  const entry = (await app.inject({ url: `/api/contracts/${c.id}/staff`, headers: { cookie: pmCookie } })).json().members.find((m: { userId: string | null }) => m.userId === worker.id);

  const vendorCannot = await app.inject({ method: 'POST', url: `/api/staff/${entry.id}/replacement-requests`, headers: { cookie: pmCookie }, payload: { reason: '自己要求' } });
  assert.equal(vendorCannot.statusCode, 403);
  const before = new Date();
  const req = await app.inject({ method: 'POST', url: `/api/staff/${entry.id}/replacement-requests`, headers: { cookie: adminCookie }, payload: { reason: '多次违反机房管理规定' } });
  const afterCall = new Date();
  assert.equal(req.statusCode, 201, req.body);
  const { id, dueAt, deadlineRule } = req.json();
  const calendar = await loadWorkingCalendar(db, before);
  const expect = [before, afterCall].map((t) => computeReplacementDueAt({ requestedAt: t, within: { amount: 7, unit: 'days' }, timezone: 'Asia/Shanghai', isRestDay: (d) => !calendar.isWorkday(d) }).dueAt.toISOString());
  assert.ok(expect.includes(dueAt), `due ${dueAt} is the computed deadline`);
  assert.match(deadlineRule, /7 日内/);

  const dup = await app.inject({ method: 'POST', url: `/api/staff/${entry.id}/replacement-requests`, headers: { cookie: adminCookie }, payload: { reason: '再次' } });
  assert.equal(dup.statusCode, 422);
  assert.equal(dup.json().error.code, 'STAFF_TRANSITION_FORBIDDEN');

  const pmNotes = await db.selectFrom('notifications').select('kind').where('user_id', '=', pm.id).where('subject_id', '=', id).execute();
  assert.deepEqual(pmNotes.map((n) => n.kind), ['staff.replacementRequested']);

  // before the deadline nothing happens
  assert.equal(await countOverdue(db, id, new Date(Date.parse(dueAt) - 1000)), 0);
  // after it: overdue once, whatever the number of sweeps
  const late = new Date(Date.parse(dueAt) + 60_000);
  assert.equal(await countOverdue(db, id, late), 1);
  assert.equal(await countOverdue(db, id, new Date(late.getTime() + 60_000)), 0);
  const row = await db.selectFrom('staff_replacement_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'overdue');
  assert.equal(new Date(row.overdue_at ?? 0).toISOString(), late.toISOString());
  const overdueNotes = await db.selectFrom('notifications').select(['user_id']).where('subject_id', '=', id).where('kind', '=', 'staff.replacementOverdue').execute();
  assert.deepEqual(overdueNotes.map((n) => n.user_id).sort(), [admin.id, pm.id].sort());
  assert.equal((await auditRows(db, id)).filter((a) => a.action === 'staff.replacementOverdue').length, 1);

  const list = (await app.inject({ url: `/api/contracts/${c.id}/staff`, headers: { cookie: adminCookie } })).json();
  assert.equal(list.replacementRequests.find((r: { id: string }) => r.id === id).status, 'overdue');
});

/** Run the sweep at `now`; how many requests of this test it marked (other tests' requests are ignored). */
async function countOverdue(db: ReturnType<typeof testDb>, id: string, now: Date): Promise<number> {
  const before = await db.selectFrom('staff_replacement_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
  await sweepOverdueReplacements(db, now);
  const after = await db.selectFrom('staff_replacement_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow();
  return before.status === 'open' && after.status === 'overdue' ? 1 : 0;
}

test('the request is fulfilled when the proposed replacement is accepted; the replaced person then leaves', async () => {
  const { db, c, adminCookie, pmCookie } = await setup();
  const worker = await buildUser(db, { contractId: c.id, roles: ['engineer'] });
  const workerCookie = await signInAs(app, worker);
  const entry = (await app.inject({ url: `/api/contracts/${c.id}/staff`, headers: { cookie: pmCookie } })).json().members.find((m: { userId: string | null }) => m.userId === worker.id);
  const req = (await app.inject({ method: 'POST', url: `/api/staff/${entry.id}/replacement-requests`, headers: { cookie: adminCookie }, payload: { reason: '业务素质不被认可' } })).json();

  const newId = await propose(c.id, pmCookie, { personName: '孙八', replacesRequestId: req.id });
  let r = await db.selectFrom('staff_replacement_requests').selectAll().where('id', '=', req.id).executeTakeFirstOrThrow();
  assert.equal(r.status, 'open', 'a proposed person does not fulfil the request yet');
  assert.equal(r.replacement_member_id, newId);

  const accepted = await app.inject({ method: 'POST', url: `/api/staff/${newId}/accept`, headers: { cookie: adminCookie }, payload: { version: 1 } });
  assert.equal(accepted.statusCode, 200, accepted.body);
  r = await db.selectFrom('staff_replacement_requests').selectAll().where('id', '=', req.id).executeTakeFirstOrThrow();
  assert.equal(r.status, 'fulfilled');
  const replaced = await detail(entry.id, adminCookie);
  assert.equal(replaced.member.status, 'left');
  assert.match(replaced.member.leftReason ?? '', /孙八/);
  assert.equal((await app.inject({ url: `/api/contracts/${c.id}`, headers: { cookie: workerCookie } })).statusCode, 401, 'the replaced person is signed out');
  assert.equal(await sweepOverdueReplacements(db, new Date(Date.now() + 365 * 86_400_000)) >= 0, true);
  const still = await db.selectFrom('staff_replacement_requests').select('status').where('id', '=', req.id).executeTakeFirstOrThrow();
  assert.equal(still.status, 'fulfilled', 'a fulfilled request never turns overdue');
});

test('roster KPIs are computed from active staff against the contract thresholds', async () => {
  const { c, adminCookie, pmCookie } = await setup();
  for (const [name, education] of [['甲', 'bachelor'], ['乙', 'secondaryVocational']] as const) {
    const id = await propose(c.id, pmCookie, { personName: name, education });
    await app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie: adminCookie }, payload: { version: 1 } });
    assert.equal((await uploadAgreement(id, pmCookie)).statusCode, 201);
    const act = await app.inject({ method: 'POST', url: `/api/staff/${id}/activate`, headers: { cookie: pmCookie }, payload: { version: 3 } });
    assert.equal(act.statusCode, 200, act.body);
  }
  const kpis = (await app.inject({ url: `/api/contracts/${c.id}/staff`, headers: { cookie: adminCookie } })).json().kpis as { key: string; numerator: number; denominator: number; status: string; shareText: string | null }[];
  const edu = kpis.find((k) => k.key === 'EDU');
  assert.deepEqual(edu && { n: edu.numerator, d: edu.denominator, status: edu.status, share: edu.shareText }, { n: 1, d: 2, status: 'notMet', share: '50.0%' });
  const seats = kpis.find((k) => k.key === 'headcount:AGENT');
  assert.deepEqual(seats && { n: seats.numerator, d: seats.denominator, status: seats.status }, { n: 2, d: 2, status: 'met' });
});

test('a person cannot start work without the agreement; accepting twice is refused', async () => {
  const { c, adminCookie, pmCookie } = await setup();
  const id = await propose(c.id, pmCookie, { personName: '周九' });
  await app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie: adminCookie }, payload: { version: 1 } });
  const act = await app.inject({ method: 'POST', url: `/api/staff/${id}/activate`, headers: { cookie: pmCookie }, payload: { version: 2 } });
  assert.equal(act.statusCode, 409);
  assert.equal(act.json().error.code, 'STAFF_NOT_CLEARED');
  const again = await app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie: adminCookie }, payload: { version: 2 } });
  assert.equal(again.statusCode, 422);
  assert.equal(again.json().error.code, 'STAFF_TRANSITION_FORBIDDEN');
});

test('roster, entries, files and replacement requests of another contract answer 404', async () => {
  const mine = await setup();
  const other = await setup();
  const id = await propose(mine.c.id, mine.pmCookie, { personName: '吴十' });
  const doc = (await uploadAgreement(id, mine.pmCookie)).json().id as string;
  await app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie: mine.adminCookie }, payload: { version: 2 } });
  const req = (await app.inject({ method: 'POST', url: `/api/staff/${id}/replacement-requests`, headers: { cookie: mine.adminCookie }, payload: { reason: '测试' } })).json().id as string;
  for (const cookie of [other.adminCookie, other.pmCookie]) {
    const probes = [
      app.inject({ url: `/api/contracts/${mine.c.id}/staff`, headers: { cookie } }),
      app.inject({ url: `/api/staff/${id}`, headers: { cookie } }),
      app.inject({ method: 'PATCH', url: `/api/staff/${id}`, headers: { cookie }, payload: { version: 1, personName: 'x' } }),
      app.inject({ method: 'POST', url: `/api/staff/${id}/accept`, headers: { cookie }, payload: { version: 1 } }),
      app.inject({ method: 'POST', url: `/api/staff/${id}/leave`, headers: { cookie }, payload: { version: 1, reason: 'x' } }),
      app.inject({ url: `/api/staff-documents/${doc}`, headers: { cookie } }),
      app.inject({ method: 'POST', url: `/api/staff-replacements/${req}/withdraw`, headers: { cookie }, payload: { reason: 'x' } }),
      app.inject({ method: 'POST', url: `/api/staff-replacements/${req}/fulfil`, headers: { cookie }, payload: { replacementStaffId: id } }),
      app.inject({ url: `/api/staff/not-a-uuid`, headers: { cookie } }),
    ];
    for (const res of await Promise.all(probes)) {
      assert.equal(res.statusCode, 404, res.body);
      assert.ok(['STAFF_NOT_FOUND', 'CONTRACT_NOT_FOUND'].includes(res.json().error.code));
    }
  }
  // a replacement from another contract cannot be linked
  const foreign = await propose(other.c.id, other.pmCookie, { personName: '郑十一' });
  const link = await app.inject({ method: 'POST', url: `/api/staff-replacements/${req}/fulfil`, headers: { cookie: mine.pmCookie }, payload: { replacementStaffId: foreign } });
  assert.equal(link.statusCode, 404);
});
