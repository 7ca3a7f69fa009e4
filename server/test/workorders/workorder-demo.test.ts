import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedDb } from '../helpers/db.ts';
import { seedDemo } from '../../src/demo/demo.seed.ts';
import { approvalsInbox } from '../../src/workorders/workorder.query.ts';
import { listIncidents } from '../../src/incidents/incident.service.ts';
import { ctxAt } from './workorder-fixtures.ts';

test('demo data: work orders in every sample contract, created once, with the approvals waiting on the right people', { timeout: 180_000 }, async () => {
  const iso = await isolatedDb();
  const dataDir = mkdtempSync(join(tmpdir(), 'yunwei-demo-wo-'));
  try {
    const now = new Date();
    await seedDemo(iso.db, dataDir, now);
    const rows = await iso.db
      .selectFrom('work_orders as w')
      .innerJoin('contracts as c', 'c.id', 'w.contract_id')
      .select(['c.code', 'w.kind', 'w.state', 'w.title', 'w.approval_step_key'])
      .orderBy('w.number')
      .execute();
    const summary = rows.map((r) => `${r.code} ${r.kind} ${r.state}${r.approval_step_key ? ` @${r.approval_step_key}` : ''}`);
    assert.deepEqual(summary.sort(), [
      'BJ-MZ-2023-P7 dataWorkOrder closed',
      'BJ-MZ-2023-P7 dataWorkOrder pendingApproval @agencySign',
      'BJ-SBK-2022 change pendingApproval @agencyConfirm',
      'BJ-SBK-2022 content published',
      'BJRBJ2021020 content pendingApproval @editorReview',
    ].sort());
    const lead = await iso.db.selectFrom('users').select(['id', 'username']).where('username', '=', 'mz-agency-lead').executeTakeFirstOrThrow();
    const inbox = await approvalsInbox(iso.db, ctxAt(lead, new Date(now.getTime() + 10 * 60_000)));
    assert.deepEqual(inbox.map((i) => i.stepName), ['甲方项目负责人审批签字']);
    assert.equal(inbox[0]?.waitingMinutes, 10);
    // two demo faults at district outlets of the card contract; the district reviewer sees the one in their district
    const faults = await iso.db.selectFrom('incidents').select(['id', 'district']).orderBy('reported_at').execute();
    assert.equal(faults.length, 2);
    const reviewer = await iso.db.selectFrom('users').select(['id', 'username']).where('username', '=', 'sbk-district-reviewer').executeTakeFirstOrThrow();
    const grant = await iso.db.selectFrom('memberships').select(['scope_district']).where('user_id', '=', reviewer.id).executeTakeFirstOrThrow();
    const sbk = await iso.db.selectFrom('contracts').select('id').where('code', '=', 'BJ-SBK-2022').executeTakeFirstOrThrow();
    const visible = await listIncidents(iso.db, ctxAt(reviewer, now), { contractId: sbk.id, limit: 50, offset: 0 });
    assert.deepEqual(visible.map((i) => i.district), [grant.scope_district]);
    assert.ok(faults.some((f) => f.district !== grant.scope_district), 'the other fault lies in another district');

    await seedDemo(iso.db, dataDir, new Date());
    const again = await iso.db.selectFrom('work_orders').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(again.n), 5, 'a second start adds nothing');
    assert.equal((await iso.db.selectFrom('incidents').select('id').execute()).length, 2, 'nor incidents');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await iso.drop();
  }
});
