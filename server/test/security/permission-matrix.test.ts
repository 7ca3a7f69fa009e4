/**
 * Permission matrix (security.md check 5), over HTTP. Two contracts A and B
 * with sites; in A, incidents and work orders at two streets of 朝阳区, at
 * 海淀区 and at no site. The subjects: every contract role of ROLE_KEYS
 * unscoped in A; every role that accepts a scope limited to 朝阳区, and to
 * 朝阳区建外街道; a user with no role at all; a user with roles in B only;
 * three subjects whose grant carries a clearance other than the default 内部
 * (敏感 unscoped, 敏感 limited to 朝阳区, 公开), against an incident and a
 * release at CY-1 labelled 敏感 (every other record is 内部).
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
 * whose reading grant is limited to a district or street; a record above the
 * clearance of the caller's grants is handled like one outside their scope.
 *
 * Besides the contract lists: the members, contacts and grant candidates of
 * A, each subject's own in-app notifications, and the attachments of every
 * record and the report-up notices of every incident (A's and one of B's),
 * where a record the subject may not see answers its own 404.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestApp } from '../helpers/app.ts';
import { testDb } from '../helpers/db.ts';
import { buildContract, buildUser, enrolTestStaff, signInAs, type Plain } from '../helpers/factories.ts';
import { multipart, PNG } from '../helpers/upload.ts';
import { withWorkOrders } from '../workorders/workorder-fixtures.ts';
import { grantRole } from '../../src/orgs/user.service.ts';
import { ACCESS_REVIEWERS, MEMBERSHIP_MANAGERS, ROLE_KEYS, ROLES, type Role } from '../../src/auth/roles.ts';
import { roleAcceptsScope } from '../../src/contracts/scope.ts';
import { addContact } from '../../src/contacts/contact.service.ts';
import { DEFAULT_CLEARANCE, highestOf, mayRead, type SecurityLabel } from '../../src/labels/security-label.ts';

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
  /** Reads the permission list (ACCESS_REVIEWERS in auth/roles.ts). */
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
  /** The highest label the grant reads; the default (内部) when absent. */
  clearance?: SecurityLabel;
}

function clearanceOf(g: { clearance?: SecurityLabel | undefined }): SecurityLabel {
  return g.clearance ?? DEFAULT_CLEARANCE;
}

interface Subject {
  label: string;
  /** A platform flag (a user flag, not a contract role): the administrator, or the security auditor (三权分立). */
  platform?: 'admin' | 'auditor';
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
  label: SecurityLabel;
  /** The flow the order waits in (submitted), or null (draft, or an incident). */
  pendingIn: Flow | null;
}

/** An endpoint's answer reduced to what the matrix compares. */
type Outcome = { status: 200; ids: string[] } | { status: number; code: string };

const contracts: Record<ContractName, string> = { A: '', B: '' };
const records: Rec[] = [];
const subjects: Subject[] = [];
/** Grants in A of people who are not subjects (the desk that reports every record, cleared 敏感). */
const extraGrantsOfA: { userId: string; role: Role; clearance: SecurityLabel }[] = [];
/** The contacts of each contract, by id. */
const contactsOf: Record<ContractName, string[]> = { A: [], B: [] };
/** The attachment ids of each record (every record of A, and B's incident), by record id. */
const attachmentsOf = new Map<string, string[]>();
/** The desk that reports every record of A (deskAgent, cleared 敏感). */
let deskAId = '';
/** The site whose incident and release in A are labelled 敏感. */
const SENSITIVE_AT: SiteKey = 'CY-1';
/** Readable names of the ids in this file, so a failing matrix diff can be read. */
const names = new Map<string, string>();

function placeOf(siteKey: SiteKey | null): { district: string | null; street: string | null } {
  const site = SITES.find((s) => s.key === siteKey);
  return { district: site?.district ?? null, street: site?.street ?? null };
}

/** Who a P1 incident is reported up to (one notice per incident), in-app. */
const REPORT_UP_POSITION = '甲方处长';

function withSites(doc: Plain): void {
  doc['sites'] = SITES.map((s) => ({ ...s }));
  const p1 = (doc['severityLevels'] as Plain[]).find((l) => l['key'] === 'P1');
  if (!p1) throw new Error('the minimal contract has a P1 level');
  (p1['targets'] as Plain[]).push({ kind: 'reportUp', name: '上报处长', within: { amount: 30, unit: 'minutes' }, notify: [{ position: REPORT_UP_POSITION, side: 'agency', channels: ['inApp'] }] });
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
 * a draft account change at CY-1, which waits on nobody. In A the incident and
 * the release at SENSITIVE_AT are labelled 敏感, every other record 内部.
 */
async function recordsOf(contract: ContractName, deskCookie: string, places: readonly (SiteKey | null)[], withDraft: boolean): Promise<void> {
  const contractId = contracts[contract];
  const place = (siteKey: SiteKey | null) => (siteKey ? { siteKey } : { site: '某临时办公点' });
  const where = (siteKey: SiteKey | null) => `${contract}@${siteKey ?? '无地点'}`;
  const labelAt = (siteKey: SiteKey | null): SecurityLabel => (contract === 'A' && siteKey === SENSITIVE_AT ? 'sensitive' : 'internal');
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
      securityLabel: labelAt(siteKey),
      ...place(siteKey),
    });
    add({ id: incident, name: `incident ${where(siteKey)}`, type: 'incident', label: labelAt(siteKey), pendingIn: null }, siteKey);
    const account = await post(`/api/contracts/${contractId}/work-orders`, deskCookie, {
      kind: 'serviceRequest',
      subtype: 'accountChange',
      title: '为网点新增柜员账号',
      description: '为网点新增柜员账号',
      ...(siteKey ? { siteKey } : {}),
    });
    await submit(account);
    add({ id: account, name: `accountChange ${where(siteKey)}`, type: 'workOrder', label: 'internal', pendingIn: 'accountChange' }, siteKey);
    if (contract === 'B') continue;
    const release = await post(`/api/contracts/${contractId}/work-orders`, deskCookie, {
      kind: 'release',
      subtype: 'minorUpgrade',
      title: '测试系统一 V2.3.1 小版本升级',
      systemKey: 'S1',
      ...(siteKey ? { siteKey } : {}),
      securityLabel: labelAt(siteKey),
      details: { version: 'V2.3.1', testEvidence: '测试报告：128 个用例全部通过', observationHours: 24 },
    });
    await submit(release);
    add({ id: release, name: `release ${where(siteKey)}`, type: 'workOrder', label: labelAt(siteKey), pendingIn: 'release' }, siteKey);
  }
  if (withDraft) {
    const draft = await post(`/api/contracts/${contractId}/work-orders`, deskCookie, { kind: 'serviceRequest', subtype: 'accountChange', title: '草稿：新增柜员账号', description: '尚未提交', siteKey: 'CY-1' });
    add({ id: draft, name: `draft accountChange ${where('CY-1')}`, type: 'workOrder', label: 'internal', pendingIn: null }, 'CY-1');
  }
}

async function addPlatformSubject(label: string, platform: 'admin' | 'auditor'): Promise<void> {
  const user = await buildUser(testDb(), platform === 'admin' ? { platformAdmin: true } : { platformAuditor: true });
  subjects.push({ label, platform, grants: [], id: user.id, cookie: await signInAs(app, user) });
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
    await grantRole(db, null, { userId: user.id, contractId: contracts[g.contract], role: g.role, scope: g.area, clearance: g.clearance }, new Date());
  }
  subjects.push({ label, grants, id: user.id, cookie: await signInAs(app, user) });
}

before(async () => {
  const db = testDb();
  contracts.A = (await buildContract(db, withSites)).id;
  contracts.B = (await buildContract(db, withSites)).id;
  names.set(contracts.A, 'contract A');
  names.set(contracts.B, 'contract B');
  // the desk of A is cleared 敏感, so that it can report the records labelled so
  const deskA = await buildUser(db);
  await enrolTestStaff(db, contracts.A, deskA.id, '服务台甲');
  await grantRole(db, null, { userId: deskA.id, contractId: contracts.A, role: 'deskAgent', clearance: 'sensitive' }, new Date());
  deskAId = deskA.id;
  const deskB = await buildUser(db, { contractId: contracts.B, roles: ['deskAgent'] });
  extraGrantsOfA.push({ userId: deskA.id, role: 'deskAgent', clearance: 'sensitive' });
  names.set(deskA.id, 'desk of A');
  names.set(deskB.id, 'desk of B');
  // contacts before the incidents, so that each P1 incident's report-up notice finds its 甲方处长
  const contact = async (c: ContractName, position: string, name: string, side: 'agency' | 'vendor', phone: string) => {
    const { id } = await addContact(db, null, contracts[c], { position, name, side, phone }, new Date());
    contactsOf[c].push(id);
    names.set(id, `contact ${c} ${name}`);
  };
  await contact('A', REPORT_UP_POSITION, '张处', 'agency', '13800000001');
  await contact('A', '乙方总经理', '赵总', 'vendor', '13800000002');
  await contact('B', REPORT_UP_POSITION, '李处', 'agency', '13800000003');
  const deskACookie = await signInAs(app, deskA);
  const deskBCookie = await signInAs(app, deskB);
  await recordsOf('A', deskACookie, ['CY-1', 'CY-2', 'HD-1', null], true);
  await recordsOf('B', deskBCookie, ['CY-1'], false);
  // one attachment on every record of A and on B's incident, by its desk
  for (const r of records.filter((x) => x.contract === 'A' || x.type === 'incident')) {
    const upload = multipart('现场照片.png', PNG);
    const url = r.type === 'incident' ? `/api/incidents/${r.id}/attachments` : `/api/work-orders/${r.id}/attachments`;
    const cookie = r.contract === 'A' ? deskACookie : deskBCookie;
    const res = await app.inject({ method: 'POST', url, headers: { cookie, ...upload.headers }, payload: upload.payload });
    assert.equal(res.statusCode, 201, `${url}: ${res.body}`);
    const id = res.json().id as string;
    attachmentsOf.set(r.id, [id]);
    names.set(id, `attachment of ${r.name}`);
  }

  for (const role of ROLE_KEYS) {
    await addSubject(role, [{ contract: 'A', role, area: null }]);
    if (!roleAcceptsScope(role)) continue;
    for (const area of SCOPES) await addSubject(`${role}@${area.district}${area.street ?? ''}`, [{ contract: 'A', role, area }]);
  }
  await addSubject('no role', []);
  await addPlatformSubject('platform administrator', 'admin');
  await addPlatformSubject('platform auditor', 'auditor');
  await addSubject('B only (agencyAdmin + agencyReviewer@朝阳区)', [
    { contract: 'B', role: 'agencyAdmin', area: null },
    { contract: 'B', role: 'agencyReviewer', area: { district: '朝阳区', street: null } },
  ]);
  for (const [label, grant] of CLEARED) await addSubject(label, [grant]);
  for (const s of subjects) names.set(s.id, `user ${s.label}`);
  // one in-app notification for every subject and for each desk (the producers are SLA and report-up jobs; only the list is under test here)
  const now = new Date();
  for (const userId of [...subjects.map((s) => s.id), deskA.id, deskB.id]) {
    await db
      .insertInto('notifications')
      .values({ user_id: userId, contract_id: contracts.A, kind: 'slaWarning', title: '时限预警', body: `给 ${names.get(userId) ?? userId} 的预警`, subject_type: null, subject_id: null, dedupe_key: null, created_at: now })
      .execute();
  }
});

/** The subjects whose grant carries a clearance other than the default (内部). */
const CLEARED: readonly [string, Grant][] = [
  ['agencyLeader cleared 敏感', { contract: 'A', role: 'agencyLeader', area: null, clearance: 'sensitive' }],
  ['agencyReviewer@朝阳区 cleared 敏感', { contract: 'A', role: 'agencyReviewer', area: { district: '朝阳区', street: null }, clearance: 'sensitive' }],
  ['readOnly cleared 公开', { contract: 'A', role: 'readOnly', area: null, clearance: 'public' }],
];

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

/** The highest clearance of some grants (contract-access.ts: the highest among the grants the caller acts in). */
function clearanceOfGrants(grants: readonly Grant[]): SecurityLabel {
  return highestOf(grants.map(clearanceOf));
}

/**
 * A list of records in A: stranger 404, no reading role 403, otherwise the
 * records within the reading grants' scope and clearance.
 */
function expectRecords(s: Subject, type: Rec['type']): Outcome {
  if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
  const readers = grantsIn(s, 'A', (r) => r.readsRecords);
  if (readers.length === 0) return FORBIDDEN;
  const scope = scopeOf(readers);
  const clearance = clearanceOfGrants(readers);
  return ok(records.filter((r) => r.contract === 'A' && r.type === type && inScope(scope, r) && mayRead(clearance, r.label)).map((r) => r.id));
}

/**
 * Whether the subject may open one record (requireLocatedRecord: no role
 * named, so every grant in the record's contract counts): the platform
 * administrator always, the platform auditor never; a member when the record
 * lies in the union of their grants' scopes and its label within the highest
 * of their clearances.
 */
function mayOpen(s: Subject, r: Rec): boolean {
  if (s.platform) return s.platform === 'admin';
  const grants = grantsIn(s, r.contract);
  return grants.length > 0 && inScope(scopeOf(grants), r) && mayRead(clearanceOfGrants(grants), r.label);
}

/** The 404 of a record the caller may not open. */
function recordNotFound(r: Rec): Outcome {
  return r.type === 'incident' ? { status: 404, code: 'INCIDENT_NOT_FOUND' } : { status: 404, code: 'WORK_ORDER_NOT_FOUND' };
}

/** A contract-wide list of A: stranger 404, no reading role 403, a reading grant limited to an area 404. */
function expectWhole(s: Subject, reads: (r: RoleRule) => boolean, all: () => Iterable<string>): Outcome {
  if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
  const readers = grantsIn(s, 'A', reads);
  if (readers.length === 0) return FORBIDDEN;
  if (scopeOf(readers) !== null) return NOT_FOUND;
  return ok(all());
}

/**
 * The platform subjects, per column. The administrator acts in every contract
 * unscoped and at the highest clearance (contract-access.ts) but holds no
 * contract role, so no approval waits on them, and reads no audit row
 * (三权分立). The security auditor holds no contract role: contract lists
 * answer 404 and only the audit trail is theirs, every row of it.
 */
function platformExpect(s: Subject, column: keyof typeof EXPECT | 'audit', audit: () => Outcome): Outcome | null {
  if (!s.platform) return null;
  const admin = s.platform === 'admin';
  switch (column) {
    case 'contracts':
      return ok(admin ? [contracts.A, contracts.B] : []);
    case 'incidents':
    case 'workOrders':
      return admin ? ok(records.filter((r) => r.contract === 'A' && r.type === (column === 'incidents' ? 'incident' : 'workOrder')).map((r) => r.id)) : NOT_FOUND;
    case 'sites':
      return admin ? ok(SITES.map((site) => site.key)) : NOT_FOUND;
    case 'inbox':
      return ok([]);
    case 'staff':
      return admin ? ok(EXPECT.staff(WHOLE_READER)) : NOT_FOUND;
    case 'accessReview':
      return admin ? ok(EXPECT.accessReview(WHOLE_READER)) : NOT_FOUND;
    case 'audit':
      return admin ? FORBIDDEN : audit();
    default: {
      const never: never = column;
      return never;
    }
  }
}

/** What a reader of the whole of A sees, as ids (for the platform administrator's contract-wide lists). */
const WHOLE_READER: Subject = { label: 'whole reader', grants: [{ contract: 'A', role: 'auditor', area: null, clearance: 'sensitive' }], id: '', cookie: '' };

/** The ids of a 200 outcome (for reusing a role's expected list). */
function ok(ids: Iterable<string> | Outcome): Outcome {
  if (typeof ids === 'object' && 'status' in ids) {
    if (ids.status !== 200) throw new Error('expected a list');
    return ids;
  }
  return { status: 200, ids: [...ids].map((id) => names.get(id) ?? id).sort() };
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
  /**
   * Orders of any contract waiting in a flow on a role the subject holds
   * there, with a grant of that role whose scope covers the order and whose
   * clearance reaches its label (workorder.repo.ts; none was created by a subject).
   */
  inbox: (s: Subject) =>
    ok(
      records
        .filter((r) => {
          const flow = r.pendingIn;
          return flow !== null && s.grants.some((g) => g.contract === r.contract && RULES[g.role].approves.includes(flow) && inScope(g.area ? [g.area] : null, r) && mayRead(clearanceOf(g), r.label));
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

/** The platform administrator lists every contract of the shared test database: only this file's count. */
function onlyThisFile(idsOf: (body: unknown) => string[]): (body: unknown) => string[] {
  return (body) => idsOf(body).filter((id) => names.has(id));
}

function idsOfArray(key: string): (body: unknown) => string[] {
  return (body) => (body as Record<string, string>[]).map((x) => String(x[key]));
}

/** Ask every subject, and compare the whole matrix column at once (the diff names each subject and record). */
async function checkColumn(url: string, idsOf: (body: unknown) => string[], expect: (s: Subject) => Outcome, column: keyof typeof EXPECT | 'audit'): Promise<void> {
  const actual: Record<string, Outcome> = {};
  const expected: Record<string, Outcome> = {};
  for (const s of subjects) {
    actual[s.label] = await outcome(s, url, idsOf);
    expected[s.label] = platformExpect(s, column, () => expect(WHOLE_READER)) ?? expect(s);
  }
  assert.deepEqual(actual, expected);
}

test('every role has its rules, and the matrix covers every role unscoped and every scope-accepting role limited to a district and to a street', () => {
  assert.deepEqual(Object.keys(RULES).sort(), [...ROLE_KEYS].sort());
  const expectedLabels = ROLE_KEYS.flatMap((role) => [role, ...(roleAcceptsScope(role) ? SCOPES.map((a) => `${role}@${a.district}${a.street ?? ''}`) : [])]);
  assert.deepEqual(subjects.map((s) => s.label), [...expectedLabels, 'no role', 'platform administrator', 'platform auditor', 'B only (agencyAdmin + agencyReviewer@朝阳区)', ...CLEARED.map(([label]) => label)]);
  assert.equal(records.filter((r) => r.contract === 'A').length, 13, '4 incidents, 8 submitted orders and 1 draft in A');
  assert.deepEqual(records.filter((r) => r.label !== 'internal').map((r) => `${r.name}: ${r.label}`), ['incident A@CY-1: sensitive', 'release A@CY-1: sensitive']);
});

test('GET /api/contracts: exactly the contracts the user holds a grant in', async () => {
  await checkColumn('/api/contracts', onlyThisFile(idsOfArray('id')), EXPECT.contracts, 'contracts');
});

test('GET /api/contracts/{A}/incidents: every member, within the scope and clearance of their grants; strangers 404', async () => {
  await checkColumn(`/api/contracts/${contracts.A}/incidents?limit=500`, idsOfArray('id'), EXPECT.incidents, 'incidents');
});

test('GET /api/contracts/{A}/work-orders: every member, within the scope and clearance of their grants; strangers 404; the total counts the same set', async () => {
  await checkColumn(
    `/api/contracts/${contracts.A}/work-orders?limit=500`,
    (body) => {
      const { items, total } = body as { items: { id: string }[]; total: number };
      assert.equal(total, items.length, 'the total counts only what the caller may see');
      return items.map((i) => i.id);
    },
    EXPECT.workOrders,
    'workOrders',
  );
});

test('GET /api/contracts/{A}/sites: every member, the sites within the scope of their grants; strangers 404', async () => {
  await checkColumn(`/api/contracts/${contracts.A}/sites`, (body) => (body as { sites: { key: string }[] }).sites.map((x) => x.key), EXPECT.sites, 'sites');
});

test('GET /api/approvals/inbox: orders waiting on a role the user holds, in the scope and clearance of that grant, across contracts', async () => {
  await checkColumn('/api/approvals/inbox', idsOfArray('workOrderId'), EXPECT.inbox, 'inbox');
});

test('GET /api/contracts/{A}/staff: roster readers of the whole contract; other members 403; limited readers and strangers 404', async () => {
  await checkColumn(`/api/contracts/${contracts.A}/staff`, (body) => (body as { members: { userId: string | null }[] }).members.map((m) => String(m.userId)), EXPECT.staff, 'staff');
});

test('GET /api/contracts/{A}/access-review: reviewers of the whole contract; other members 403; limited reviewers and strangers 404', async () => {
  await checkColumn(
    `/api/contracts/${contracts.A}/access-review`,
    (body) => (body as { grants: { userId: string; role: Role; scope: Area | null }[] }).grants.map((g) => grantKey(g.userId, g.role, g.scope)),
    EXPECT.accessReview,
    'accessReview',
  );
});

test('GET /api/audit?contractId=A: audit readers only; rows about records above the reader\'s clearance are hidden; a limited reader sees rows about records (and their attachments) in scope, no contract-wide rows', async () => {
  const db = testDb();
  // The rows of A as the database holds them (no job worker runs in tests, and reading writes no audit row in A).
  const rowsOfA = await db.selectFrom('audit_log').select(['id', 'entity_type', 'entity_id']).where('contract_id', '=', contracts.A).execute();
  assert.ok(rowsOfA.length > 0 && rowsOfA.length < 500, `${rowsOfA.length} rows fit one page`);
  const recordOf = new Map(records.map((r) => [r.id, r]));
  const parentOfAttachment = new Map([...attachmentsOf].flatMap(([recordId, ids]) => ids.map((id) => [id, recordOf.get(recordId)] as const)));
  for (const row of rowsOfA) names.set(row.id, `${row.entity_type} row about ${row.entity_id ? (names.get(row.entity_id) ?? row.entity_id) : '-'} (${row.id.slice(0, 8)})`);
  const expectAudit = (s: Subject): Outcome => {
    if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
    const readers = grantsIn(s, 'A', (r) => r.readsAudit);
    if (readers.length === 0) return FORBIDDEN;
    const scope = scopeOf(readers);
    const clearance = clearanceOfGrants(readers);
    // the record a row is about (directly or through an attachment), if it is one of the matrix's records
    const recordOfRow = (row: (typeof rowsOfA)[number]) => {
      if (!row.entity_id) return undefined;
      if (row.entity_type === 'attachment') return parentOfAttachment.get(row.entity_id);
      const rec = recordOf.get(row.entity_id);
      return rec !== undefined && rec.type === row.entity_type ? rec : undefined;
    };
    // audit.repo.ts: the whole contract shows every row except those about records above the clearance;
    // a limited scope shows only rows about records inside it and within the clearance (no contract-wide rows)
    return ok(
      rowsOfA
        .filter((row) => {
          const rec = recordOfRow(row);
          if (scope === null) return rec === undefined || mayRead(clearance, rec.label);
          return rec !== undefined && inScope(scope, rec) && mayRead(clearance, rec.label);
        })
        .map((r) => r.id),
    );
  };
  await checkColumn(`/api/audit?contractId=${contracts.A}&limit=500`, idsOfArray('id'), expectAudit, 'audit');
  const after = await db.selectFrom('audit_log').select('id').where('contract_id', '=', contracts.A).execute();
  assert.equal(after.length, rowsOfA.length, 'no row of A was written while the matrix was read');
});

test('GET /api/users: the platform administrator alone (every user; this file’s subjects counted), everyone else 403, the platform auditor too', async () => {
  const actual: Record<string, Outcome> = {};
  const expected: Record<string, Outcome> = {};
  for (const s of subjects) {
    actual[s.label] = await outcome(s, '/api/users', (body) => (body as { id: string }[]).map((u) => u.id).filter((id) => subjects.some((x) => x.id === id)));
    expected[s.label] = s.platform === 'admin' ? ok(subjects.map((x) => x.id)) : FORBIDDEN;
  }
  assert.deepEqual(actual, expected);
});

// ---- lists of contract parts and of a record's parts ----

/** Ask every subject, comparing the whole column at once; `expect` answers for the platform subjects too. */
async function checkEach(url: string, idsOf: (body: unknown) => string[], expect: (s: Subject) => Outcome): Promise<void> {
  const actual: Record<string, Outcome> = {};
  const expected: Record<string, Outcome> = {};
  for (const s of subjects) {
    actual[s.label] = await outcome(s, url, idsOf);
    expected[s.label] = expect(s);
  }
  assert.deepEqual(actual, expected);
}

/** A grant as the members list shows it: holder, role, area and clearance. */
function memberKey(userId: string, role: Role, area: Area | null, clearance: SecurityLabel): string {
  return `${grantKey(userId, role, area)} / ${clearance}`;
}

test('GET /api/contracts/{A}/members: every member of A sees who holds which role; only grant managers and whole-contract reviewers see each grant\'s scope and clearance; strangers 404', async () => {
  // listContractMembers: any member; scope and clearance for MEMBERSHIP_MANAGERS (any scope) and ACCESS_REVIEWERS of the whole contract
  const grantsOfA = [
    ...extraGrantsOfA.map((g) => ({ userId: g.userId, role: g.role, area: null as Area | null, clearance: g.clearance })),
    ...subjects.flatMap((x) => grantsIn(x, 'A').map((g) => ({ userId: x.id, role: g.role, area: g.area, clearance: clearanceOf(g) }))),
  ];
  const withDetails = grantsOfA.map((g) => memberKey(g.userId, g.role, g.area, g.clearance));
  const namesOnly = grantsOfA.map((g) => `${names.get(g.userId) ?? g.userId} / ${g.role}`);
  await checkEach(
    `/api/contracts/${contracts.A}/members`,
    (body) =>
      (body as { userId: string; role: Role; scope?: Area | null; clearance?: SecurityLabel }[]).map((m) =>
        m.clearance === undefined && m.scope === undefined ? `${names.get(m.userId) ?? m.userId} / ${m.role}` : memberKey(m.userId, m.role, m.scope ?? null, m.clearance ?? DEFAULT_CLEARANCE),
      ),
    (s) => {
      if (s.platform) return s.platform === 'admin' ? ok(withDetails) : NOT_FOUND;
      const grants = grantsIn(s, 'A');
      if (grants.length === 0) return NOT_FOUND;
      const manages = grants.some((g) => MEMBERSHIP_MANAGERS.includes(g.role));
      const reviewsWhole = grants.some((g) => ACCESS_REVIEWERS.includes(g.role)) && scopeOf(grants.filter((g) => ACCESS_REVIEWERS.includes(g.role))) === null;
      return ok(manages || reviewsWhole ? withDetails : namesOnly);
    },
  );
});

test('GET /api/contracts/{A}/contacts: every member whose grants cover the whole contract; limited members and strangers 404', async () => {
  // listContacts: requireWholeContract with no role named
  await checkEach(
    `/api/contracts/${contracts.A}/contacts`,
    idsOfArray('id'),
    (s) => (s.platform ? (s.platform === 'admin' ? ok(contactsOf.A) : NOT_FOUND) : expectWhole(s, () => true, () => contactsOf.A)),
  );
});

test('GET /api/contracts/{A}/grant-candidates: the agency administrator (limited ones too) gets every account tied to A; other members 403; strangers 404', async () => {
  // listGrantCandidates: requireContractAccess(MEMBERSHIP_MANAGERS), scope not checked; candidates are
  // users of A's party organisations (none here), on A's roster or holding a grant in A, never platform administrators
  const candidates = [deskAId, ...subjects.filter((x) => grantsIn(x, 'A').length > 0).map((x) => x.id)];
  await checkEach(`/api/contracts/${contracts.A}/grant-candidates`, idsOfArray('userId'), (s) => {
    if (s.platform) return s.platform === 'admin' ? ok(candidates) : NOT_FOUND;
    if (grantsIn(s, 'A').length === 0) return NOT_FOUND;
    return grantsIn(s, 'A').some((g) => g.role === 'agencyAdmin') ? ok(candidates) : FORBIDDEN;
  });
});

test('GET /api/notifications: each subject sees exactly its own notifications, whatever its roles', async () => {
  const db = testDb();
  const rows = await db.selectFrom('notifications').select(['id', 'user_id']).where('user_id', 'in', [...subjects.map((s) => s.id), deskAId]).execute();
  for (const r of rows) if (!names.has(r.id)) names.set(r.id, `notification of ${names.get(r.user_id) ?? 'someone else'} (${r.id.slice(0, 8)})`);
  const own = (userId: string) => rows.filter((r) => r.user_id === userId).map((r) => r.id);
  for (const s of subjects) assert.ok(own(s.id).length > 0 && own(s.id).length <= 200, `${s.label} has notifications, on one page`);
  assert.ok(own(deskAId).length > 0, 'someone who is not a subject has notifications too');
  await checkEach('/api/notifications?limit=200', (body) => (body as { items: { id: string }[] }).items.map((n) => n.id), (s) => ok(own(s.id)));
});

test('GET /api/{incidents,work-orders}/{id}/attachments: the record’s attachments to whoever may open it (contract, scope, clearance); otherwise the record’s 404', async () => {
  const withAttachments = records.filter((r) => attachmentsOf.has(r.id));
  assert.equal(withAttachments.length, 14, 'every record of A and the incident of B');
  const actual: Record<string, Record<string, Outcome>> = {};
  const expected: Record<string, Record<string, Outcome>> = {};
  for (const r of withAttachments) {
    const url = r.type === 'incident' ? `/api/incidents/${r.id}/attachments` : `/api/work-orders/${r.id}/attachments`;
    actual[r.name] = {};
    expected[r.name] = {};
    for (const s of subjects) {
      actual[r.name]![s.label] = await outcome(s, url, idsOfArray('id'));
      expected[r.name]![s.label] = mayOpen(s, r) ? ok(attachmentsOf.get(r.id) ?? []) : recordNotFound(r);
    }
  }
  assert.deepEqual(actual, expected);
});

test('GET /api/incidents/{id}/report-ups: the incident’s notices to whoever may open it (contract, scope, clearance); otherwise 404', async () => {
  const incidents = records.filter((r) => r.type === 'incident');
  const notices = await testDb().selectFrom('report_up_notices').select(['id', 'incident_id', 'position']).where('incident_id', 'in', incidents.map((r) => r.id)).execute();
  const noticesOf = (r: Rec) => notices.filter((n) => n.incident_id === r.id).map((n) => n.id);
  for (const r of incidents) {
    // the P1 level has one report-up target naming one position: one notice per incident
    assert.deepEqual(notices.filter((n) => n.incident_id === r.id).map((n) => n.position), [REPORT_UP_POSITION], r.name);
    for (const id of noticesOf(r)) names.set(id, `report-up of ${r.name}`);
  }
  const actual: Record<string, Record<string, Outcome>> = {};
  const expected: Record<string, Record<string, Outcome>> = {};
  for (const r of incidents) {
    actual[r.name] = {};
    expected[r.name] = {};
    for (const s of subjects) {
      actual[r.name]![s.label] = await outcome(s, `/api/incidents/${r.id}/report-ups`, idsOfArray('id'));
      expected[r.name]![s.label] = mayOpen(s, r) ? ok(noticesOf(r)) : recordNotFound(r);
    }
  }
  assert.deepEqual(actual, expected);
});
