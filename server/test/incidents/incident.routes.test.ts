import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, reauthAs, signInAs, type Plain } from '../helpers/factories.ts';

const app = useTestApp();

/** A contract with a serious level P0 that needs a leader's instruction, and P1 as in the factory. */
async function setup() {
  const db = testDb();
  const c = await buildContract(db, (d) => {
    const levels = d['severityLevels'] as Plain[];
    levels.unshift({
      key: 'P0',
      name: '严重故障',
      rank: 0 + 1,
      definition: '系统整体瘫痪',
      requiresLeaderApproval: { approver: '甲方信息中心领导' },
      criteria: [{ metric: 'wholeSystemDown', op: 'eq', value: true, label: '系统是否整体瘫痪？' }],
      targets: [
        { kind: 'respond', within: { amount: 10, unit: 'minutes' } },
        { kind: 'resolve', within: { amount: 8, unit: 'workingHours' } },
        { kind: 'analysisReport', startOn: 'resolved', within: { amount: 1, unit: 'workingDays' } },
      ],
    });
    (levels[1] as Plain)['rank'] = 2;
  });
  const users = {
    agency: await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] }),
    leader: await buildUser(db, { contractId: c.id, roles: ['agencyLeader'] }),
    desk: await buildUser(db, { contractId: c.id, roles: ['deskAgent'] }),
    engineer: await buildUser(db, { contractId: c.id, roles: ['engineer'] }),
  };
  const cookies = {
    agency: await signInAs(app, users.agency),
    leader: await signInAs(app, users.leader),
    desk: await signInAs(app, users.desk),
    engineer: await signInAs(app, users.engineer),
  };
  return { c, users, cookies };
}

async function command(cookie: string, id: string, version: number, command: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: `/api/incidents/${id}/commands`, headers: { cookie }, payload: { version, command } });
}

test('report → acknowledge → leader instruction gate → on site → resolve → callback → close, with the timeline and SLA', async () => {
  const { c, cookies } = await setup();
  const reportedAt = new Date(Date.now() - 5 * 60_000).toISOString();
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: cookies.agency },
    payload: { title: '朝阳区网点社保卡补卡业务无法办理', description: '网点反映补卡时系统报错', systemKey: 'S1', site: '朝阳区某社保所', siteZone: 'urban', channel: 'phone', reporterName: '网点负责人', reportedAt, impact: { wholeSystemDown: true } },
  });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().levelKey, 'P0', 'suggested from the impact answers');
  const id = created.json().id as string;

  let d = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: cookies.desk } })).json();
  assert.equal(d.incident.status, 'new');
  assert.ok(d.availableCommands.includes('acknowledge'), 'the desk may acknowledge a new incident');
  assert.ok(!d.availableCommands.includes('resolve'), 'nobody resolves a new incident');
  const asLeader = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: cookies.leader } })).json();
  assert.ok(asLeader.availableCommands.includes('leaderApproval'));
  assert.ok(!asLeader.availableCommands.includes('acknowledge'), 'an agency leader does not handle faults');
  assert.equal(d.incident.leaderApprovalRequired, true);
  assert.equal(d.sla.result.targets[0].kind, 'respond');
  assert.equal(d.sla.result.targets[0].startAt, new Date(reportedAt).toISOString().replace(/:\d\d\.\d+Z$/, ':00.000Z'), 'the clock starts at the first report');

  let r = await command(cookies.desk, id, d.incident.version, { type: 'acknowledge' });
  assert.equal(r.statusCode, 200, r.body);
  let version = r.json().version as number;

  r = await command(cookies.engineer, id, version, { type: 'arrive' });
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'LEADER_APPROVAL_REQUIRED');
  assert.match(r.json().error.message, /须经甲方领导批示/);

  r = await command(cookies.engineer, id, version, { type: 'leaderApproval', instruction: '同意' });
  assert.equal(r.statusCode, 403, 'only an agency leader can give the instruction');

  r = await command(cookies.leader, id, version, { type: 'leaderApproval', instruction: '同意按应急预案处置，注意保护数据' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;

  r = await command(cookies.engineer, id, version, { type: 'arrive' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  r = await command(cookies.engineer, id, version, { type: 'resolve', resolution: '重启应用服务并修复配置' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  r = await command(cookies.desk, id, version, { type: 'callback', satisfaction: 5, note: '网点表示满意' });
  assert.equal(r.statusCode, 200, r.body);
  version = r.json().version;
  r = await command(cookies.desk, id, version, { type: 'close' });
  assert.equal(r.statusCode, 200, r.body);

  d = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: cookies.agency } })).json();
  assert.equal(d.incident.status, 'closed');
  assert.equal(d.incident.satisfaction, 5);
  assert.deepEqual(
    d.events.map((e: { type: string }) => e.type),
    ['created', 'acknowledge', 'leaderApproval', 'arrive', 'resolve', 'callback', 'close'],
  );
  const respond = d.sla.result.targets.find((t: { kind: string }) => t.kind === 'respond');
  assert.equal(respond.state, 'met');
  const analysis = d.sla.result.targets.find((t: { kind: string }) => t.kind === 'analysisReport');
  assert.ok(analysis, 'the analysis report target exists after resolution');

  const audit = await testDb().selectFrom('audit_log').select('action').where('entity_id', '=', id).orderBy('seq').execute();
  assert.deepEqual(audit.map((a) => a.action), ['incident.created', 'incident.acknowledge', 'incident.leaderApproval', 'incident.arrive', 'incident.resolve', 'incident.callback', 'incident.close']);
});

test('choosing another level than the suggested one needs a reason', async () => {
  const { c, cookies } = await setup();
  const base = { title: '系统整体瘫痪', systemKey: 'S1', channel: 'web', reporterName: '张三', reportedAt: new Date().toISOString(), impact: { wholeSystemDown: true } };
  const r1 = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { ...base, levelKey: 'P1' } });
  assert.equal(r1.statusCode, 400);
  assert.match(r1.json().error.message, /选择其他等级须填写理由/);
  const r2 = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { ...base, levelKey: 'P1', levelReason: '仅测试环境瘫痪' } });
  assert.equal(r2.statusCode, 201);
  const unknownLevel = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { ...base, levelKey: 'X9', levelReason: 'x' } });
  assert.equal(unknownLevel.statusCode, 400);
  assert.equal(unknownLevel.json().error.code, 'CONTRACT_REFERENCE_UNKNOWN');
  const unknownSystem = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { ...base, systemKey: 'NOPE' } });
  assert.equal(unknownSystem.statusCode, 400);
  assert.match(unknownSystem.json().error.message, /合同中没有系统「NOPE」/);
});

test('two people changing the same incident at once: the second gets VERSION_CONFLICT and nothing is lost', async () => {
  const { c, cookies } = await setup();
  const created = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { title: '打印机卡纸', systemKey: 'S2', channel: 'web', reporterName: '李四', reportedAt: new Date().toISOString(), levelKey: 'P1' } });
  const id = created.json().id;
  const [a, b] = await Promise.all([
    command(cookies.desk, id, 1, { type: 'comment', text: '甲' }),
    command(cookies.engineer, id, 1, { type: 'comment', text: '乙' }),
  ]);
  const codes = [a.statusCode, b.statusCode].sort();
  assert.deepEqual(codes, [200, 409]);
  const loser = a.statusCode === 409 ? a : b;
  assert.equal(loser.json().error.code, 'VERSION_CONFLICT');
  const d = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: cookies.desk } })).json();
  assert.equal(d.events.filter((e: { type: string }) => e.type === 'comment').length, 1);
  assert.equal(d.incident.version, 2);
});

test('a transition the state machine forbids leaves the incident as it was', async () => {
  const { c, cookies } = await setup();
  const created = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { title: '打印机卡纸', systemKey: 'S2', channel: 'web', reporterName: '李四', reportedAt: new Date().toISOString(), levelKey: 'P1' } });
  const id = created.json().id;
  const r = await command(cookies.engineer, id, 1, { type: 'resolve', resolution: 'x' });
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'INCIDENT_TRANSITION_FORBIDDEN');
  const d = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: cookies.desk } })).json();
  assert.equal(d.incident.status, 'new');
  assert.equal(d.incident.version, 1);
  assert.equal(d.events.length, 1);

  // check 39: skipping states (acknowledged → closed, past resolution and callback) → 422, not the 409 of a version conflict
  const ack = await command(cookies.desk, id, 1, { type: 'acknowledge' });
  assert.equal(ack.statusCode, 200, ack.body);
  const skip = await command(cookies.desk, id, ack.json().version, { type: 'close' });
  assert.equal(skip.statusCode, 422);
  assert.equal(skip.json().error.code, 'INCIDENT_TRANSITION_FORBIDDEN');
  const after = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: cookies.desk } })).json();
  assert.equal(after.incident.status, 'acknowledged');
  assert.equal(after.incident.version, ack.json().version);
});

test('a third-party supplier needs the agency\'s recorded consent', async () => {
  const { c, cookies } = await setup();
  const created = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { title: '自助终端读卡器故障', systemKey: 'S2', channel: 'web', reporterName: '王五', reportedAt: new Date().toISOString(), levelKey: 'P1' } });
  const id = created.json().id;
  let r = await command(cookies.desk, id, 1, { type: 'assign', line: 2, supplierName: '某终端厂商' });
  assert.equal(r.statusCode, 422);
  assert.equal(r.json().error.code, 'SUPPLIER_CONSENT_REQUIRED');
  r = await command(cookies.agency, id, 1, { type: 'supplierConsent', supplierName: '某终端厂商', note: '同意厂商上门维修' });
  assert.equal(r.statusCode, 200);
  r = await command(cookies.desk, id, 2, { type: 'assign', line: 2, supplierName: '某终端厂商' });
  assert.equal(r.statusCode, 200, r.body);
});

test('Chinese substring search: 补卡 finds 社保卡补卡进度查询失败', async () => {
  const { c, cookies } = await setup();
  for (const title of ['社保卡补卡进度查询失败', '网点打印机卡纸', '自助终端无法补打凭证']) {
    const r = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { title, systemKey: 'S1', channel: 'hotline', reporterName: '市民来电', reportedAt: new Date().toISOString(), levelKey: 'P1' } });
    assert.equal(r.statusCode, 201);
  }
  const res = await app.inject({ url: `/api/contracts/${c.id}/incidents?q=${encodeURIComponent('补卡')}`, headers: { cookie: cookies.agency } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json().map((i: { title: string }) => i.title), ['社保卡补卡进度查询失败']);
  const one = await app.inject({ url: `/api/contracts/${c.id}/incidents?q=${encodeURIComponent('补')}`, headers: { cookie: cookies.agency } });
  assert.deepEqual(one.json().map((i: { title: string }) => i.title).sort(), ['社保卡补卡进度查询失败', '自助终端无法补打凭证'].sort());
});

test('another contract\'s incident answers 404', async () => {
  const { c, cookies } = await setup();
  const other = await setup();
  const created = await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { title: '测试', systemKey: 'S1', channel: 'web', reporterName: '甲', reportedAt: new Date().toISOString(), levelKey: 'P1' } });
  const id = created.json().id;
  const r = await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: other.cookies.desk } });
  assert.equal(r.statusCode, 404);
  assert.equal(r.json().error.code, 'INCIDENT_NOT_FOUND');
  const cmd = await command(other.cookies.desk, id, 1, { type: 'acknowledge' });
  assert.equal(cmd.statusCode, 404);
  const list = await app.inject({ url: `/api/contracts/${c.id}/incidents`, headers: { cookie: other.cookies.desk } });
  assert.equal(list.statusCode, 404);
});

test('the filtered list exports to Excel with Chinese headers, and the export is audited', async () => {
  const { c, users, cookies } = await setup();
  for (const title of ['社保卡补卡进度查询失败', '网点打印机卡纸']) {
    await app.inject({ method: 'POST', url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.desk }, payload: { title, systemKey: 'S1', channel: 'hotline', reporterName: '市民来电', reportedAt: '2024-03-15T16:30:00+08:00', levelKey: 'P1' } });
  }
  await reauthAs(app, cookies.agency, users.agency); // exports need a fresh re-authentication
  const res = await app.inject({ url: `/api/contracts/${c.id}/incidents/export.xlsx?q=${encodeURIComponent('补卡')}`, headers: { cookie: cookies.agency } });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /spreadsheetml/);
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  const { Readable } = await import('node:stream');
  await wb.xlsx.read(Readable.from([res.rawPayload]));
  const ws = wb.getWorksheet('故障清单');
  assert.ok(ws);
  assert.equal(ws.getRow(1).getCell(1).value, '故障单号');
  assert.equal(ws.rowCount, 2, 'header + the one matching incident');
  assert.equal(ws.getRow(2).getCell(2).value, '社保卡补卡进度查询失败');
  assert.equal(ws.getRow(2).getCell(8).value, '2024-03-15 16:30', 'times in the contract time zone');
  const audit = await testDb().selectFrom('audit_log').select('after').where('contract_id', '=', c.id).where('action', '=', 'incident.exported').execute();
  assert.equal(audit.length, 1);
});

test('the serious-fault record is produced from the incident as a Word document', async () => {
  const { c, cookies } = await setup();
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: cookies.agency },
    payload: { title: '卡管系统数据库宕机', description: '全市网点无法办理业务', systemKey: 'S1', channel: 'phone', reporterName: '信息中心值班员', reportedAt: new Date().toISOString(), impact: { wholeSystemDown: true } },
  });
  const id = created.json().id;
  await command(cookies.leader, id, 1, { type: 'leaderApproval', instruction: '立即启动应急预案' });
  const res = await app.inject({ url: `/api/incidents/${id}/serious-fault-record.docx`, headers: { cookie: cookies.agency } });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-disposition']), /%E4%B8%A5%E9%87%8D%E6%95%85%E9%9A%9C%E8%AE%B0%E5%BD%95%E8%A1%A8/);
  // a .docx is a zip: find word/document.xml and check the content made it in
  const { inflateRawSync } = await import('node:zlib');
  const buf = res.rawPayload;
  const name = 'word/document.xml';
  const at = buf.indexOf(Buffer.from(name));
  assert.ok(at > 30, 'document.xml present');
  const header = at - 30;
  const method = buf.readUInt16LE(header + 8);
  const compSize = buf.readUInt32LE(header + 18);
  const extra = buf.readUInt16LE(header + 28);
  const data = buf.subarray(at + name.length + extra, at + name.length + extra + compSize);
  const xml = (method === 8 ? inflateRawSync(data) : data).toString('utf8');
  for (const s of ['严重故障记录表', created.json().number, '立即启动应急预案', '卡管系统数据库宕机', '甲方项目负责人（签字）']) assert.ok(xml.includes(s), `missing ${s}`);
});

test('personal data in incident text is masked in the API and in the Excel export', async () => {
  const { c, cookies } = await setup();
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: cookies.desk },
    payload: { title: '市民来电反映补卡失败', description: '来电人身份证 11010519491231002X，手机 13812345678', systemKey: 'S1', channel: 'hotline', reporterName: '市民', reporterContact: '13812345678', reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  const id = created.json().id;
  const d = (await app.inject({ url: `/api/incidents/${id}`, headers: { cookie: cookies.agency } })).json();
  assert.equal(d.incident.description, '来电人身份证 110105********002X，手机 138****5678');
  assert.equal(d.incident.reporterContact, '138****5678');
  const res = await app.inject({ url: `/api/contracts/${c.id}/incidents`, headers: { cookie: cookies.agency } });
  assert.ok(!res.body.includes('13812345678'));
  assert.ok(!res.body.includes('11010519491231002X'));
});
