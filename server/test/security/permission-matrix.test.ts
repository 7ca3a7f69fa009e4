/**
 * Permission matrix (security.md check 5), over HTTP. Two contracts A and B
 * with sites; in A, incidents and work orders at two streets of 朝阳区, at
 * 海淀区 and at no site. The subjects: every contract role of ROLE_KEYS
 * unscoped in A; every role that accepts a scope limited to 朝阳区, and to
 * 朝阳区建外街道; a user with no role at all; a user with roles in B only.
 *
 * Each list endpoint must return exactly the expected set (sorted ids, not
 * counts), or the expected refusal. The expected sets are generated from a
 * table of rules per role (RULES, an exhaustive Record<Role, …>: a new role
 * does not compile, and fails the first test, until it is given its rules)
 * and from the general rules written out in `expect*` below: a member of a
 * contract reads its records within the scope of their grants (one unscoped
 * grant means the whole contract; a record without a site is outside every
 * limited scope); a stranger gets 404; a member without the reading role 403;
 * contract-wide lists (roster, permission review) answer 404 to a caller
 * whose reading grant is limited to a district or street.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs, type Plain } from '../helpers/factories.ts';
import { withWorkOrders } from '../workorders/workorder-fixtures.ts';
import { grantRole } from '../../src/orgs/user.service.ts';
import { ROLE_KEYS, ROLES, type Role } from '../../src/auth/roles.ts';
import { roleAcceptsScope } from '../../src/contracts/scope.ts';

const app = useTestApp();

const SITES = [
  { key: 'CY-1', name: '朝阳区建外街道社保所', kind: 'streetOffice', district: '朝阳区', street: '建外街道', zone: 'urban' },
  { key: 'CY-2', name: '朝阳区三里屯街道社保所', kind: 'streetOffice', district: '朝阳区', street: '三里屯街道', zone: 'urban' },
  { key: 'HD-1', name: '海淀区中关村街道社保所', kind: 'streetOffice', district: '海淀区', street: '中关村街道', zone: 'suburban' },
] as const;

type SiteKey = (typeof SITES)[number]['key'];

/** The approval flows of this file's pending work orders. */
type Flow = 'accountChange' | 'release';

/** What one role may list, as the rule tables of the code state it. */
interface RoleRule {
  /** Reads the contract's incidents and work orders (within the grant's scope). */
  readsRecords: boolean;
  /** Reads the contract's audit trail (AUDIT_READERS in auth/roles.ts). */
  readsAudit: boolean;
  /** Reads the roster (STAFF_READERS in staff/staff.service.ts). */
  readsRoster: boolean;
  /** Reads the permission list (ACCESS_REVIEWERS in access/access.service.ts). */
  reviewsAccess: boolean;
  /**
   * Flows whose current step waits on the role: account changes on the
   * agency administrator (the platform's default flow, workorder-kinds.ts),
   * releases on the contract's countersign by the agency project lead and
   * reviewer (withWorkOrders in workorder-fixtures.ts).
   */
  approves: readonly Flow[];
}

/** The rules of every role. Exhaustive: adding a role to ROLES must add it here. */
const RULES: Record<Role, RoleRule> = {
  agencyAdmin: { readsRecords: true, readsAudit: false, readsRoster: true, reviewsAccess: true, approves: ['accountChange'] },
  agencyProjectLead: { readsRecords: true, readsAudit: false, readsRoster: true, reviewsAccess: false, approves: ['release'] },
  agencyLeader: { readsRecords: true, readsAudit: false, readsRoster: true, reviewsAccess: false, approves: [] },
  agencyReviewer: { readsRecords: true, readsAudit: false, readsRoster: true, reviewsAccess: false, approves: ['release'] },
  auditor: { readsRecords: true, readsAudit: true, readsRoster: true, reviewsAccess: true, approves: [] },
  vendorProjectManager: { readsRecords: true, readsAudit: false, readsRoster: true, reviewsAccess: false, approves: [] },
  vendorTeamLead: { readsRecords: true, readsAudit: false, readsRoster: true, reviewsAccess: false, approves: [] },
  deskAgent: { readsRecords: true, readsAudit: false, readsRoster: false, reviewsAccess: false, approves: [] },
  engineer: { readsRecords: true, readsAudit: false, readsRoster: false, reviewsAccess: false, approves: [] },
  onsiteEngineer: { readsRecords: true, readsAudit: false, readsRoster: false, reviewsAccess: false, approves: [] },
  readOnly: { readsRecords: true, readsAudit: false, readsRoster: false, reviewsAccess: false, approves: [] },
};

type ContractName = 'A' | 'B';

/** A district, or one street of it. */
interface Area {
  district: string;
  street: string | null;
}

/** The limited scopes tried for every role that accepts one. */
const SCOPES: readonly Area[] = [
  { district: '朝阳区', street: null },
  { district: '朝阳区', street: '建外街道' },
];

interface Grant {
  contract: ContractName;
  role: Role;
  /** null: the whole contract. */
  area: Area | null;
}

interface Subject {
  label: string;
  grants: Grant[];
  id: string;
  cookie: string;
}

/** A record the file created, with its place. */
interface Rec {
  id: string;
  name: string;
  type: 'incident' | 'workOrder';
  contract: ContractName;
  district: string | null;
  street: string | null;
  /** The flow the order waits in (submitted), or null (draft, or an incident). */
  pendingIn: Flow | null;
}

/** An endpoint's answer reduced to what the matrix compares. */
type Outcome = { status: 200; ids: string[] } | { status: number; code: string };

const contracts: Record<ContractName, string> = { A: '', B: '' };
const records: Rec[] = [];
const subjects: Subject[] = [];
/** Grants in A of people who are not subjects (the desk that reports every record). */
const extraGrantsOfA: { userId: string; role: Role }[] = [];
/** Readable names of the ids in this file, so a failing matrix diff can be read. */
const names = new Map<string, string>();

function placeOf(siteKey: SiteKey | null): { district: string | null; street: string | null } {
  const site = SITES.find((s) => s.key === siteKey);
  return { district: site?.district ?? null, street: site?.street ?? null };
}

function withSites(doc: Plain): void {
  doc['sites'] = SITES.map((s) => ({ ...s }));
  withWorkOrders(doc);
}

async function post(url: string, cookie: string, payload: Record<string, unknown>): Promise<string> {
  const r = await app.inject({ method: 'POST', url, headers: { cookie }, payload });
  assert.equal(r.statusCode, 201, `${url}: ${r.body}`);
  return r.json().id as string;
}

/**
 * Records of one contract, by its desk, at each place: an incident, an
 * account change and (in A) a release, both submitted for approval; in A also
 * a draft account change at CY-1, which waits on nobody.
 */
async function recordsOf(contract: ContractName, deskCookie: string, places: readonly (SiteKey | null)[], withDraft: boolean): Promise<void> {
  const contractId = contracts[contract];
  const place = (siteKey: SiteKey | null) => (siteKey ? { siteKey } : { site: '某临时办公点' });
  const where = (siteKey: SiteKey | null) => `${contract}@${siteKey ?? '无地点'}`;
  const add = (r: Omit<Rec, 'contract' | 'district' | 'street'>, siteKey: SiteKey | null) => {
    records.push({ ...r, contract, ...placeOf(siteKey) });
    names.set(r.id, r.name);
  };
  const submit = async (id: string) => {
    const r = await app.inject({ method: 'POST', url: `/api/work-orders/${id}/commands`, headers: { cookie: deskCookie }, payload: { version: 1, command: { type: 'submit' } } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().state, 'pendingApproval');
  };
  for (const siteKey of places) {
    const incident = await post(`/api/contracts/${contractId}/incidents`, deskCookie, {
      title: '网点读卡器无响应',
      description: '网点反映读卡器无响应',
      systemKey: 'S1',
      channel: 'phone',
      reporterName: '网点负责人',
      reportedAt: new Date().toISOString(),
      levelKey: 'P1',
      ...place(siteKey),
    });
    add({ id: incident, name: `incident ${where(siteKey)}`, type: 'incident', pendingIn: null }, siteKey);
    const account = await post(`/api/contracts/${contractId}/work-orders`, deskCookie, {
      kind: 'serviceRequest',
      subtype: 'accountChange',
      title: '为网点新增柜员账号',
      description: '为网点新增柜员账号',
      ...(siteKey ? { siteKey } : {}),
    });
    await submit(account);
    add({ id: account, name: `accountChange ${where(siteKey)}`, type: 'workOrder', pendingIn: 'accountChange' }, siteKey);
    if (contract === 'B') continue;
    const release = await post(`/api/contracts/${contractId}/work-orders`, deskCookie, {
      kind: 'release',
      subtype: 'minorUpgrade',
      title: '测试系统一 V2.3.1 小版本升级',
      systemKey: 'S1',
      ...(siteKey ? { siteKey } : {}),
      details: { version: 'V2.3.1', testEvidence: '测试报告：128 个用例全部通过', observationHours: 24 },
    });
    await submit(release);
    add({ id: release, name: `release ${where(siteKey)}`, type: 'workOrder', pendingIn: 'release' }, siteKey);
  }
  if (withDraft) {
    const draft = await post(`/api/contracts/${contractId}/work-orders`, deskCookie, { kind: 'serviceRequest', subtype: 'accountChange', title: '草稿：新增柜员账号', description: '尚未提交', siteKey: 'CY-1' });
    add({ id: draft, name: `draft accountChange ${where('CY-1')}`, type: 'workOrder', pendingIn: null }, 'CY-1');
  }
}

async function addSubject(label: string, grants: Grant[]): Promise<void> {
  const db = testDb();
  const vendorIn = (c: ContractName) => grants.filter((g) => g.contract === c && ROLES[g.role].side === 'vendor').map((g) => g.role);
  // buildUser puts vendor people on the roster before granting, as the application requires
  const [first, ...others] = (['A', 'B'] as const).filter((c) => vendorIn(c).length > 0);
  if (others.length > 0) throw new Error('one contract with vendor roles per subject');
  const user = first ? await buildUser(db, { contractId: contracts[first], roles: vendorIn(first) }) : await buildUser(db);
  for (const g of grants) {
    if (ROLES[g.role].side === 'vendor') continue;
    await grantRole(db, null, { userId: user.id, contractId: contracts[g.contract], role: g.role, scope: g.area }, new Date());
  }
  subjects.push({ label, grants, id: user.id, cookie: await signInAs(app, user) });
}

before(async () => {
  const db = testDb();
  contracts.A = (await buildContract(db, withSites)).id;
  contracts.B = (await buildContract(db, withSites)).id;
  names.set(contracts.A, 'contract A');
  names.set(contracts.B, 'contract B');
  const deskA = await buildUser(db, { contractId: contracts.A, roles: ['deskAgent'] });
  const deskB = await buildUser(db, { contractId: contracts.B, roles: ['deskAgent'] });
  extraGrantsOfA.push({ userId: deskA.id, role: 'deskAgent' });
  names.set(deskA.id, 'desk of A');
  await recordsOf('A', await signInAs(app, deskA), ['CY-1', 'CY-2', 'HD-1', null], true);
  await recordsOf('B', await signInAs(app, deskB), ['CY-1'], false);

  for (const role of ROLE_KEYS) {
    await addSubject(role, [{ contract: 'A', role, area: null }]);
    if (!roleAcceptsScope(role)) continue;
    for (const area of SCOPES) await addSubject(`${role}@${area.district}${area.street ?? ''}`, [{ contract: 'A', role, area }]);
  }
  await addSubject('no role', []);
  await addSubject('B only (agencyAdmin + agencyReviewer@朝阳区)', [
    { contract: 'B', role: 'agencyAdmin', area: null },
    { contract: 'B', role: 'agencyReviewer', area: { district: '朝阳区', street: null } },
  ]);
  for (const s of subjects) names.set(s.id, `user ${s.label}`);
});

// ---- the general rules ----

function grantsIn(s: Subject, c: ContractName, which: (r: RoleRule) => boolean = () => true): Grant[] {
  return s.grants.filter((g) => g.contract === c && which(RULES[g.role]));
}

/** The union of the grants' areas; one unscoped grant means the whole contract (null). */
function scopeOf(grants: readonly Grant[]): Area[] | null {
  if (grants.some((g) => g.area === null)) return null;
  return grants.flatMap((g) => (g.area ? [g.area] : []));
}

/** Inside the scope: whole contract; or the record's district (and street, when the area names one). No site: outside every limited scope. */
function inScope(scope: readonly Area[] | null, r: { district: string | null; street: string | null }): boolean {
  if (scope === null) return true;
  if (r.district === null) return false;
  return scope.some((a) => a.district === r.district && (a.street === null || a.street === r.street));
}

const NOT_FOUND: Outcome = { status: 404, code: 'CONTRACT_NOT_FOUND' };
const FORBIDDEN: Outcome = { status: 403, code: 'FORBIDDEN' };

function ok(ids: Iterable<string>): Outcome {
  return { status: 200, ids: [...ids].map((id) => names.get(id) ?? id).sort() };
}

/** A list of records in A: stranger 404, no reading role 403, otherwise the records within the reading grants' scope. */
function expectRecords(s: Subject, type: Rec['type']): Outcome {
  if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
  const readers = grantsIn(s, 'A', (r) => r.readsRecords);
  if (readers.length === 0) return FORBIDDEN;
  const scope = scopeOf(readers);
  return ok(records.filter((r) => r.contract === 'A' && r.type === type && inScope(scope, r)).map((r) => r.id));
}

/** A contract-wide list of A: stranger 404, no reading role 403, a reading grant limited to an area 404. */
function expectWhole(s: Subject, reads: (r: RoleRule) => boolean, all: () => Iterable<string>): Outcome {
  if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
  const readers = grantsIn(s, 'A', reads);
  if (readers.length === 0) return FORBIDDEN;
  if (scopeOf(readers) !== null) return NOT_FOUND;
  return ok(all());
}

const EXPECT = {
  contracts: (s: Subject) => ok((['A', 'B'] as const).filter((c) => grantsIn(s, c).length > 0).map((c) => contracts[c])),
  incidents: (s: Subject) => expectRecords(s, 'incident'),
  workOrders: (s: Subject) => expectRecords(s, 'workOrder'),
  /** The contract's sites, like its records: every member, within the scope of their grants. */
  sites: (s: Subject): Outcome => {
    if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
    const scope = scopeOf(grantsIn(s, 'A'));
    return ok(SITES.filter((site) => inScope(scope, site)).map((site) => site.key));
  },
  /** Orders of any contract waiting in a flow on a role the subject holds there, with a grant whose scope covers the order (none was created by a subject). */
  inbox: (s: Subject) =>
    ok(
      records
        .filter((r) => {
          const flow = r.pendingIn;
          return flow !== null && s.grants.some((g) => g.contract === r.contract && RULES[g.role].approves.includes(flow) && inScope(g.area ? [g.area] : null, r));
        })
        .map((r) => r.id),
    ),
  /** The roster lists every vendor person of A: the buildUser factory enrols vendor people before granting. */
  staff: (s: Subject) =>
    expectWhole(
      s,
      (r) => r.readsRoster,
      () => [...extraGrantsOfA.filter((g) => ROLES[g.role].side === 'vendor').map((g) => g.userId), ...subjects.filter((x) => grantsIn(x, 'A').some((g) => ROLES[g.role].side === 'vendor')).map((x) => x.id)],
    ),
  /** The permission review lists every active grant of A. */
  accessReview: (s: Subject) =>
    expectWhole(
      s,
      (r) => r.reviewsAccess,
      () => [...extraGrantsOfA.map((g) => grantKey(g.userId, g.role, null)), ...subjects.flatMap((x) => grantsIn(x, 'A').map((g) => grantKey(x.id, g.role, g.area)))],
    ),
};

function grantKey(userId: string, role: Role, area: Area | null): string {
  return `${names.get(userId) ?? userId} / ${role} / ${area ? `${area.district}${area.street ?? ''}` : '整个合同'}`;
}

// ---- asking the server ----

async function outcome(s: Subject, url: string, idsOf: (body: unknown) => string[]): Promise<Outcome> {
  const res = await app.inject({ url, headers: { cookie: s.cookie } });
  if (res.statusCode !== 200) return { status: res.statusCode, code: String(res.json().error?.code) };
  return ok(idsOf(res.json()));
}

function idsOfArray(key: string): (body: unknown) => string[] {
  return (body) => (body as Record<string, string>[]).map((x) => String(x[key]));
}

/** Ask every subject, and compare the whole matrix column at once (the diff names each subject and record). */
async function checkColumn(url: string, idsOf: (body: unknown) => string[], expect: (s: Subject) => Outcome): Promise<void> {
  const actual: Record<string, Outcome> = {};
  const expected: Record<string, Outcome> = {};
  for (const s of subjects) {
    actual[s.label] = await outcome(s, url, idsOf);
    expected[s.label] = expect(s);
  }
  assert.deepEqual(actual, expected);
}

test('every role has its rules, and the matrix covers every role unscoped and every scope-accepting role limited to a district and to a street', () => {
  assert.deepEqual(Object.keys(RULES).sort(), [...ROLE_KEYS].sort());
  const expectedLabels = ROLE_KEYS.flatMap((role) => [role, ...(roleAcceptsScope(role) ? SCOPES.map((a) => `${role}@${a.district}${a.street ?? ''}`) : [])]);
  assert.deepEqual(subjects.map((s) => s.label), [...expectedLabels, 'no role', 'B only (agencyAdmin + agencyReviewer@朝阳区)']);
  assert.equal(records.filter((r) => r.contract === 'A').length, 13, '4 incidents, 8 submitted orders and 1 draft in A');
});

test('GET /api/contracts: exactly the contracts the user holds a grant in', async () => {
  await checkColumn('/api/contracts', idsOfArray('id'), EXPECT.contracts);
});

test('GET /api/contracts/{A}/incidents: every member, within the scope of their grants; strangers 404', async () => {
  await checkColumn(`/api/contracts/${contracts.A}/incidents?limit=500`, idsOfArray('id'), EXPECT.incidents);
});

test('GET /api/contracts/{A}/work-orders: every member, within the scope of their grants; strangers 404; the total counts the same set', async () => {
  await checkColumn(
    `/api/contracts/${contracts.A}/work-orders?limit=500`,
    (body) => {
      const { items, total } = body as { items: { id: string }[]; total: number };
      assert.equal(total, items.length, 'the total counts only what the caller may see');
      return items.map((i) => i.id);
    },
    EXPECT.workOrders,
  );
});

test('GET /api/contracts/{A}/sites: every member, the sites within the scope of their grants; strangers 404', async () => {
  await checkColumn(`/api/contracts/${contracts.A}/sites`, (body) => (body as { sites: { key: string }[] }).sites.map((x) => x.key), EXPECT.sites);
});

test('GET /api/approvals/inbox: orders waiting on a role the user holds, in the scope of that grant, across contracts', async () => {
  await checkColumn('/api/approvals/inbox', idsOfArray('workOrderId'), EXPECT.inbox);
});

test('GET /api/contracts/{A}/staff: roster readers of the whole contract; other members 403; limited readers and strangers 404', async () => {
  await checkColumn(`/api/contracts/${contracts.A}/staff`, (body) => (body as { members: { userId: string | null }[] }).members.map((m) => String(m.userId)), EXPECT.staff);
});

test('GET /api/contracts/{A}/access-review: reviewers of the whole contract; other members 403; limited reviewers and strangers 404', async () => {
  await checkColumn(
    `/api/contracts/${contracts.A}/access-review`,
    (body) => (body as { grants: { userId: string; role: Role; scope: Area | null }[] }).grants.map((g) => grantKey(g.userId, g.role, g.scope)),
    EXPECT.accessReview,
  );
});

test('GET /api/audit?contractId=A: audit readers only; a limited reader sees rows about records in scope, no contract-wide rows', async () => {
  const db = testDb();
  // The rows of A as the database holds them (no job worker runs in tests, and reading writes no audit row in A).
  const rowsOfA = await db.selectFrom('audit_log').select(['id', 'entity_type', 'entity_id']).where('contract_id', '=', contracts.A).execute();
  assert.ok(rowsOfA.length > 0 && rowsOfA.length < 500, `${rowsOfA.length} rows fit one page`);
  const recordOf = new Map(records.map((r) => [r.id, r]));
  for (const row of rowsOfA) names.set(row.id, `${row.entity_type} row about ${row.entity_id ? (names.get(row.entity_id) ?? row.entity_id) : '-'} (${row.id.slice(0, 8)})`);
  const expectAudit = (s: Subject): Outcome => {
    if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
    const readers = grantsIn(s, 'A', (r) => r.readsAudit);
    if (readers.length === 0) return FORBIDDEN;
    const scope = scopeOf(readers);
    if (scope === null) return ok(rowsOfA.map((r) => r.id));
    // limited: rows about an incident or work order inside the scope; rows about the contract as a whole stay hidden
    return ok(
      rowsOfA
        .filter((row) => {
          const rec = row.entity_id ? recordOf.get(row.entity_id) : undefined;
          return rec !== undefined && rec.type === row.entity_type && inScope(scope, rec);
        })
        .map((r) => r.id),
    );
  };
  await checkColumn(`/api/audit?contractId=${contracts.A}&limit=500`, idsOfArray('id'), expectAudit);
  const after = await db.selectFrom('audit_log').select('id').where('contract_id', '=', contracts.A).execute();
  assert.equal(after.length, rowsOfA.length, 'no row of A was written while the matrix was read');
});
