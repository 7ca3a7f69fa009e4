/**
 * Hostile input over HTTP (security.md checks 17 and 19).
 *
 * Attachment serving: the `evil.html` / `evil.svg` / PNG-with-HTML /
 * `../../x.js` corpus is refused by its content (415, stable code, Chinese
 * message, nothing stored), or, where the bytes really are an allowed image,
 * stored under a server-made id with a display name that holds no path and
 * served only as a download typed by the content.
 *
 * SQL injection: injection strings in every list filter of incidents, work
 * orders and the audit trail answer 400 (typed filters) or are matched
 * literally (text), quickly, and the tables are still there afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, enrolTestStaff, signInAs, TEST_PASSWORD, uniq } from '../helpers/factories.ts';
import { multipart, PNG } from '../helpers/upload.ts';
import { createUser, grantRole } from '../../src/orgs/user.service.ts';

const app = useTestApp();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHINESE = /[\u4e00-\u9fff]/;

// ---------------------------------------------------------------- attachments

const HTML = Buffer.from('<!DOCTYPE html><html><body><script>fetch("/api/auth/me").then((r) => r.text()).then(alert)</script></body></html>\n');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>\n');
const SVG_WITH_PROLOGUE = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n'), SVG]);
const JS = Buffer.from('fetch("/api/auth/me").then((r) => r.text()).then(alert);\n');
/** A real PNG that carries an HTML page after the image data (a polyglot). */
const PNG_WITH_HTML = Buffer.concat([PNG, HTML]);

/** A contract, a desk agent and one of their incidents. */
async function incidentWorld() {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const cookie = await signInAs(app, desk);
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie },
    payload: { title: '读卡器故障', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  assert.equal(created.statusCode, 201, created.body);
  return { contractId: c.id, cookie, incidentId: created.json().id as string };
}

function upload(cookie: string, url: string, fileName: string, content: Buffer) {
  const body = multipart(fileName, content);
  return app.inject({ method: 'POST', url, headers: { cookie, ...body.headers }, payload: body.payload });
}

async function storedAttachments(subjectId: string): Promise<number> {
  const r = await testDb().selectFrom('attachments').select((eb) => eb.fn.countAll<string>().as('n')).where('subject_id', '=', subjectId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The download answers of check 17: a download, never sniffed, never run, typed by the content. */
function assertServedAsDownload(dl: LightMyRequestResponse, mimeType: string, content: Buffer): void {
  assert.equal(dl.statusCode, 200, dl.body);
  assert.equal(dl.headers['content-type'], mimeType);
  assert.doesNotMatch(String(dl.headers['content-type']), /html|svg|xml|javascript/);
  assert.equal(dl.headers['x-content-type-options'], 'nosniff');
  assert.match(String(dl.headers['content-security-policy']), /sandbox/);
  // one parameter only, its value made of RFC 8187 attr-chars: the name cannot add a second `filename=` or a path
  const disposition = /^attachment; filename\*=UTF-8''([A-Za-z0-9%!#$&+.^_`|~-]+)$/.exec(String(dl.headers['content-disposition']));
  assert.ok(disposition, `Content-Disposition: ${String(dl.headers['content-disposition'])}`);
  assert.doesNotMatch(decodeURIComponent(disposition[1] ?? ''), /[/\\]/);
  assert.deepEqual(dl.rawPayload, content);
}

test('the evil.html / evil.svg / PNG-named-.html / ../../x.js corpus is refused by its content in Chinese, and nothing is stored', async () => {
  const { cookie, incidentId } = await incidentWorld();
  const url = `/api/incidents/${incidentId}/attachments`;
  const corpus: Array<[string, Buffer, RegExp]> = [
    ['evil.html', HTML, /不支持的文件类型|与扩展名不符/],
    ['evil.htm', HTML, /不支持的文件类型|与扩展名不符/],
    ['evil.svg', SVG, /不支持的文件类型|与扩展名不符/],
    ['evil.svg', SVG_WITH_PROLOGUE, /不支持的文件类型/],
    // a genuine image whose name would make a browser render it as a page
    ['evil.html', PNG, /PNG.*与扩展名不符/],
    ['evil.html', PNG_WITH_HTML, /PNG.*与扩展名不符/],
    ['evil.svg', PNG, /PNG.*与扩展名不符/],
    // an HTML page dressed up as an image
    ['evil.png', HTML, /与扩展名不符/],
    ['../../x.js', JS, /与扩展名不符/],
    ['..\\..\\x.js', JS, /与扩展名不符/],
  ];
  for (const [fileName, content, message] of corpus) {
    const before = await storedAttachments(incidentId);
    const r = await upload(cookie, url, fileName, content);
    const label = `${fileName} (${content.subarray(0, 8).toString('latin1')}…)`;
    assert.equal(r.statusCode, 415, `${label}: ${r.body}`);
    assert.equal(r.json().error.code, 'ATTACHMENT_TYPE_REFUSED', label);
    assert.match(r.json().error.message, CHINESE, label);
    assert.match(r.json().error.message, message, label);
    assert.equal(await storedAttachments(incidentId), before, `${label}: nothing stored`);
  }
  const list = await app.inject({ url, headers: { cookie } });
  assert.deepEqual(list.json(), []);
  const events = (await app.inject({ url: `/api/incidents/${incidentId}`, headers: { cookie } })).json().events as Array<{ type: string }>;
  assert.ok(!events.some((e) => e.type === 'attachmentAdded'), 'no attachment in the timeline');
});

test('a PNG with an HTML page after the image is kept as a PNG and served only as an image/png download', async () => {
  const { cookie, incidentId } = await incidentWorld();
  const up = await upload(cookie, `/api/incidents/${incidentId}/attachments`, 'evil.png', PNG_WITH_HTML);
  assert.equal(up.statusCode, 201, up.body);
  assert.equal(up.json().mimeType, 'image/png');
  assert.match(up.json().id, UUID);
  const dl = await app.inject({ url: `/api/attachments/${up.json().id}`, headers: { cookie } });
  assertServedAsDownload(dl, 'image/png', PNG_WITH_HTML);
  assert.equal(dl.headers['content-disposition'], "attachment; filename*=UTF-8''evil.png");
});

test('a path or a header trick in the file name never reaches storage: the server makes the key, the name is for display only', async () => {
  const { cookie, incidentId } = await incidentWorld();
  const names = ['../../x.png', '..\\..\\x.png', '/etc/cron.d/x.png', 'C:\\Windows\\x.png', '报告;filename=evil.html.png', "O'Brien (1)*.png"];
  for (const name of names) {
    const up = await upload(cookie, `/api/incidents/${incidentId}/attachments`, name, PNG);
    assert.equal(up.statusCode, 201, `${name}: ${up.body}`);
    const { id, fileName, mimeType } = up.json() as { id: string; fileName: string; mimeType: string };
    assert.match(id, UUID, 'the storage key is the server-made id');
    assert.equal(mimeType, 'image/png');
    assert.doesNotMatch(fileName, /[/\\]/, `${name} → ${fileName}: no path separator is kept`);
    assert.ok(!fileName.startsWith('..') && !fileName.startsWith('/'), `${name} → ${fileName}`);
    assert.ok(fileName.endsWith('.png'), `${name} → ${fileName}`);
    const row = await testDb().selectFrom('attachments').select(['file_name', 'subject_id']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { file_name: fileName, subject_id: incidentId });
    const dl = await app.inject({ url: `/api/attachments/${id}`, headers: { cookie } });
    assertServedAsDownload(dl, 'image/png', PNG);
    assert.equal(decodeURIComponent(String(dl.headers['content-disposition']).replace("attachment; filename*=UTF-8''", '')), fileName, 'the display name is kept');
  }
  assert.equal(await storedAttachments(incidentId), names.length);
});

test('work-order attachments go through the same check: evil.svg and evil.html are refused and nothing is stored', async () => {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const cookie = await signInAs(app, desk);
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/work-orders`,
    headers: { cookie },
    payload: { kind: 'serviceRequest', subtype: 'statistics', title: '统计 5 月份补贴发放人数', systemKey: 'S1' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  for (const [fileName, content] of [['evil.svg', SVG], ['evil.html', PNG_WITH_HTML], ['../../x.js', JS]] as const) {
    const r = await upload(cookie, `/api/work-orders/${id}/attachments`, fileName, content);
    assert.equal(r.statusCode, 415, `${fileName}: ${r.body}`);
    assert.equal(r.json().error.code, 'ATTACHMENT_TYPE_REFUSED');
    assert.match(r.json().error.message, CHINESE);
  }
  assert.equal(await storedAttachments(id), 0);
});

// ---------------------------------------------------------------- SQL injection

/** Injection strings of check 19 and their usual variants (quotes, comments, stacked queries, full-width quotes). */
const INJECTIONS = [
  "' OR 1=1 --",
  "' OR 1=1--",
  "' OR '1'='1",
  "%' OR '1'='1",
  "'; DROP TABLE incidents; --",
  '1) OR (1=1',
  "') UNION SELECT id, username FROM users --",
  "\\' OR 1=1 --",
  '" OR ""="',
  "＇ OR 1=1 --",
  "' OR pg_sleep(5) IS NULL --",
  '(select pg_sleep(5))',
  'id;DROP TABLE incidents',
  "1' AND (SELECT COUNT(*) FROM audit_log) > 0 --",
];

type Query = Record<string, string>;

/** Sort and order parameters of check 19; no list takes one, so they must change nothing. */
const SORT_INJECTIONS: Query[] = [
  { sort: 'id;DROP TABLE incidents' },
  { order: '(select pg_sleep(5))' },
  { sort: "title' --", order: 'desc; DELETE FROM audit_log' },
  { orderBy: 'seq; DROP TABLE work_orders', sortBy: '1 desc, (select pg_sleep(5))' },
];

/** GET with a query string; checks it never fails with a 500 and answers well under a second. */
async function timedGet(url: string, query: Query, cookie: string): Promise<LightMyRequestResponse> {
  const started = performance.now();
  const r = await app.inject({ url, query, headers: { cookie } });
  const ms = performance.now() - started;
  assert.notEqual(r.statusCode, 500, `${url} ${JSON.stringify(query)}: ${r.body}`);
  assert.ok(ms < 1000, `${url} ${JSON.stringify(query)} took ${Math.round(ms)} ms`);
  return r;
}

async function assertRefused(url: string, query: Query, cookie: string): Promise<void> {
  const r = await timedGet(url, query, cookie);
  assert.equal(r.statusCode, 400, `${JSON.stringify(query)}: ${r.body}`);
  assert.equal(r.json().error.code, 'VALIDATION_FAILED', JSON.stringify(query));
  assert.match(r.json().error.message, /请求参数不正确/);
}

/** The tables the injection strings name are all still there, with their rows. */
async function assertTablesIntact(contractId: string, incidents: number): Promise<void> {
  const db = testDb();
  for (const table of ['incidents', 'work_orders', 'audit_log', 'users', 'attachments']) {
    const r = await sql<{ t: string | null }>`SELECT to_regclass(${`public.${table}`})::text AS t`.execute(db);
    assert.equal(r.rows[0]?.t, table, `table ${table} still exists`);
  }
  const n = await db.selectFrom('incidents').select((eb) => eb.fn.countAll<string>().as('n')).where('contract_id', '=', contractId).executeTakeFirstOrThrow();
  assert.equal(Number(n.n), incidents);
}

/** A desk agent whose display name is itself an injection string (it ends up in the audit trail's actor column). */
async function buildHostileDesk(contractId: string, displayName: string) {
  const db = testDb();
  const username = `u-${uniq()}`;
  const u = await createUser(db, null, { username, displayName, password: TEST_PASSWORD, mustChangePassword: false }, new Date());
  await enrolTestStaff(db, contractId, u.id, displayName);
  await grantRole(db, null, { userId: u.id, contractId, role: 'deskAgent' }, new Date());
  return { id: u.id, username, password: TEST_PASSWORD };
}

const HOSTILE_NAME = "王' OR 1=1 --";

/**
 * A contract whose incidents carry some injection strings in their text:
 * the literal string must find exactly those, and nothing else.
 */
async function injectionWorld() {
  const db = testDb();
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const auditor = await buildUser(db, { contractId: c.id, roles: ['auditor'] });
  const hostile = await buildHostileDesk(c.id, HOSTILE_NAME);
  const cookies = { desk: await signInAs(app, desk), auditor: await signInAs(app, auditor), hostile: await signInAs(app, hostile) };
  const report = async (cookie: string, title: string, description = '') => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/contracts/${c.id}/incidents`,
      headers: { cookie },
      payload: { title, description, systemKey: 'S1', channel: 'phone', reporterName: '网点负责人', reportedAt: new Date().toISOString(), levelKey: 'P1' },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const incidents = {
    orTrue: await report(cookies.desk, "读卡器故障 ' OR 1=1 -- 无法读卡"),
    plain: await report(cookies.desk, '打印机卡纸', '网点打印机无法出纸'),
    parens: await report(cookies.desk, '制卡失败', '错误信息：1) OR (1=1'),
    quotes: await report(cookies.desk, "O'Brien 网点 ＇全角引号＇"),
    drop: await report(cookies.hostile, "社保卡补办'; DROP TABLE incidents; --"),
  };
  return { contractId: c.id, cookies, incidents };
}

test('incident list: injection strings in the search are matched literally, typed filters answer 400, unknown sort parameters change nothing', async () => {
  const { contractId, cookies, incidents } = await injectionWorld();
  const url = `/api/contracts/${contractId}/incidents`;
  const cookie = cookies.desk;
  const ids = async (query: Query) => {
    const r = await timedGet(url, query, cookie);
    assert.equal(r.statusCode, 200, `${JSON.stringify(query)}: ${r.body}`);
    return (r.json() as Array<{ id: string }>).map((i) => i.id).sort();
  };
  const all = await ids({});
  assert.equal(all.length, 5);
  const sorted = (...xs: string[]) => [...xs].sort();

  // text search: exactly the incidents whose title or description contains the string
  const expected: Array<[string, string[]]> = [
    ["' OR 1=1 --", [incidents.orTrue]],
    ["' or 1=1 --", [incidents.orTrue]], // the search ignores case, nothing more
    ["' OR 1=1--", []],
    ["' OR '1'='1", []],
    // LIKE wildcards and the escape character are dropped from the search, never interpreted
    ["%' OR '1'='1", []],
    ["\\' OR 1=1 --", [incidents.orTrue]],
    ["'; DROP TABLE incidents; --", [incidents.drop]],
    ['1) OR (1=1', [incidents.parens]],
    ["O'Brien", [incidents.quotes]],
    ['＇全角引号＇', [incidents.quotes]],
    ["' OR pg_sleep(5) IS NULL --", []],
    ['(select pg_sleep(5))', []],
    ["') UNION SELECT id, username FROM users --", []],
    ['" OR ""="', []],
  ];
  for (const [q, want] of expected) assert.deepEqual(await ids({ q }), sorted(...want), `q=${q}`);
  for (const q of INJECTIONS) assert.ok((await ids({ q })).length <= 1, `q=${q} does not list everything`);

  // free-text filters compared for equality: no row has such a system or level
  for (const s of INJECTIONS) {
    assert.deepEqual(await ids({ systemKey: s }), [], `systemKey=${s}`);
    assert.deepEqual(await ids({ levelKey: s }), [], `levelKey=${s}`);
  }
  assert.deepEqual(await ids({ systemKey: 'S1', levelKey: 'P1' }), all, 'the safe filter still finds them');

  // typed filters (status enum, uuid, booleans, numbers) refuse anything else
  for (const s of INJECTIONS) {
    for (const key of ['status', 'assigneeUserId', 'breached', 'atRisk', 'openOnly', 'limit', 'offset']) await assertRefused(url, { [key]: s }, cookie);
  }
  await assertRefused(url, { status: "new,closed') OR ('1'='1" }, cookie);

  // there is no sort parameter: sort/order injections are ignored and the answer is the safe query's
  for (const query of SORT_INJECTIONS) {
    assert.deepEqual(await ids(query), all, JSON.stringify(query));
  }
  await assertTablesIntact(contractId, 5);
});

test('work-order list: the search is literal, enum and typed filters answer 400, sort injections change nothing', async () => {
  const { contractId, cookies } = await injectionWorld();
  const url = `/api/contracts/${contractId}/work-orders`;
  const cookie = cookies.desk;
  const create = async (title: string) => {
    const r = await app.inject({ method: 'POST', url, headers: { cookie }, payload: { kind: 'serviceRequest', subtype: 'statistics', title, systemKey: 'S1' } });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  const hostile = await create("统计 ' OR 1=1 -- 人数");
  await create('统计 5 月份补贴发放人数');
  const list = async (query: Query) => {
    const r = await timedGet(url, query, cookie);
    assert.equal(r.statusCode, 200, `${JSON.stringify(query)}: ${r.body}`);
    const body = r.json() as { items: Array<{ id: string }>; total: number };
    return { ids: body.items.map((i) => i.id).sort(), total: body.total };
  };
  const all = await list({});
  assert.equal(all.total, 2);

  assert.deepEqual(await list({ q: "' OR 1=1 --" }), { ids: [hostile], total: 1 });
  for (const q of INJECTIONS.filter((s) => s !== "' OR 1=1 --" && s !== "\\' OR 1=1 --")) assert.deepEqual(await list({ q }), { ids: [], total: 0 }, `q=${q}`);
  for (const s of INJECTIONS) {
    assert.deepEqual(await list({ subtype: s }), { ids: [], total: 0 }, `subtype=${s}`);
    assert.deepEqual(await list({ systemKey: s }), { ids: [], total: 0 }, `systemKey=${s}`);
    for (const key of ['kind', 'state', 'assigneeUserId', 'mine', 'openOnly', 'breached', 'limit', 'offset']) await assertRefused(url, { [key]: s }, cookie);
  }
  for (const query of SORT_INJECTIONS) assert.deepEqual(await list(query), all, JSON.stringify(query));
  await assertTablesIntact(contractId, 5);
});

test('audit list (as the auditor): action, actor and entity type are matched literally, typed filters answer 400', async () => {
  const { contractId, cookies } = await injectionWorld();
  const cookie = cookies.auditor;
  const rows = async (query: Query) => {
    const r = await timedGet('/api/audit', { contractId, limit: '500', ...query }, cookie);
    assert.equal(r.statusCode, 200, `${JSON.stringify(query)}: ${r.body}`);
    return r.json() as Array<{ seq: string; action: string; entityType: string; actorName: string | null }>;
  };
  const all = await rows({});
  assert.ok(all.length >= 5, 'the incidents were audited');
  const byHostile = all.filter((r) => r.actorName === HOSTILE_NAME);
  assert.ok(byHostile.length >= 1, 'the hostile-named desk agent has audit rows');

  // the actor filter is a literal "name contains": the injection string finds exactly that person's rows
  assert.deepEqual((await rows({ actor: HOSTILE_NAME })).map((r) => r.seq), byHostile.map((r) => r.seq));
  // (a backslash is never an operator either: like the incident search, it does not count)
  for (const actor of ["' OR 1=1 --", "\\' OR 1=1 --"]) assert.deepEqual((await rows({ actor })).map((r) => r.seq), byHostile.map((r) => r.seq), `actor=${actor}`);
  // the action filter is a literal prefix, the entity type an equality
  assert.ok((await rows({ action: 'incident.' })).every((r) => r.action.startsWith('incident.')));
  assert.ok((await rows({ entityType: 'incident' })).length >= 5);
  for (const s of INJECTIONS) {
    assert.deepEqual(await rows({ action: s }), [], `action=${s}`);
    assert.deepEqual(await rows({ entityType: s }), [], `entityType=${s}`);
    if (s !== "' OR 1=1 --" && s !== "\\' OR 1=1 --") assert.deepEqual(await rows({ actor: s }), [], `actor=${s}`);
    for (const key of ['contractId', 'from', 'to', 'beforeSeq', 'limit']) await assertRefused('/api/audit', { contractId, limit: '500', [key]: s }, cookie);
  }
  for (const query of SORT_INJECTIONS) {
    assert.deepEqual((await rows(query)).map((r) => r.seq), all.map((r) => r.seq), JSON.stringify(query));
  }
  await assertTablesIntact(contractId, 5);
});

test('a NUL character, which PostgreSQL cannot store in text, answers 400 in Chinese wherever it is sent, and nothing is stored', async () => {
  const w = await injectionWorld();
  const nul = (r: LightMyRequestResponse, what: string) => {
    assert.equal(r.statusCode, 400, `${what}: ${r.body}`);
    assert.equal(r.json().error.code, 'VALIDATION_FAILED', what);
    assert.match(r.json().error.message, /不允许的字符/, what);
  };
  nul(await app.inject({ url: `/api/contracts/${w.contractId}/incidents`, query: { q: '补卡\u0000' }, headers: { cookie: w.cookies.desk } }), 'incident search');
  nul(await app.inject({ url: '/api/audit', query: { contractId: w.contractId, actor: '王\u0000' }, headers: { cookie: w.cookies.auditor } }), 'audit actor filter');
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${w.contractId}/incidents`,
    headers: { cookie: w.cookies.desk },
    payload: { title: '读卡器\u0000故障', systemKey: 'S1', channel: 'phone', reporterName: '网点负责人', reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  nul(created, 'incident title');
  await assertTablesIntact(w.contractId, Object.keys(w.incidents).length);
});
