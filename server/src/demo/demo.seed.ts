/**
 * Demo data: the three sample contracts and demo users for both sides. Demo
 * passwords are random per installation, kept in the data directory (mode
 * 0600) and printed at start-up; nothing guessable ships in the repository.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { importContract } from '../contracts/contract.service.ts';
import { createUser, grantRole, markDemoAccount } from '../orgs/user.service.ts';
import { setPlatformAuditor } from '../orgs/platform-auditor.ts';
import { extendVendorAccess } from '../contracts/vendor-access.service.ts';
import { addDays, DEFAULT_VENDOR_ACCESS_GRACE_DAYS } from '../contracts/vendor-access.ts';
import { localDateOf } from '../staff/staff-rules.ts';
import { ROLES, type Role } from '../auth/roles.ts';
import { enrolClearedStaff } from '../staff/staff.service.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { addContact } from '../contacts/contact.service.ts';
import type { Ctx } from '../shared/context.ts';
import { applyWorkOrderCommand, createWorkOrder } from '../workorders/workorder.service.ts';
import { createIncident } from '../incidents/incident.service.ts';
import type { TWorkOrderCommand } from '../workorders/workorder.schema.ts';
import { enrolTotpDirectly, hasTwoFactor, isTwoFactorRequired } from '../auth/two-factor.service.ts';

/** Folder with the sample contract definitions. */
export const DEMO_CONTRACTS_DIR = join(import.meta.dirname, 'contracts');

/** One demo account. */
export interface DemoCredential {
  username: string;
  password: string;
  displayName: string;
  description: string;
  /** Base32 TOTP secret of an account that signs in with a second factor (administrators, auditors). */
  totpSecret?: string;
}

const PREFIX: Record<string, string> = { 'BJ-SBK-2022': 'sbk', 'BJ-MZ-2023-P7': 'mz', BJRBJ2021020: 'portal' };

const AGENCY_ROLES: [Role, string][] = [
  ['agencyAdmin', 'agency-admin'],
  ['agencyProjectLead', 'agency-lead'],
  ['agencyLeader', 'agency-leader'],
  ['agencyReviewer', 'agency-reviewer'],
  ['auditor', 'auditor'],
];
const VENDOR_ROLES: [Role, string][] = [
  ['vendorProjectManager', 'vendor-pm'],
  ['vendorTeamLead', 'vendor-lead'],
  ['deskAgent', 'desk'],
  ['engineer', 'engineer'],
  ['onsiteEngineer', 'onsite'],
];

/** Education levels given to the demo vendor accounts in turn. */
const DEMO_EDUCATION = ['bachelor', 'juniorCollege', 'bachelor', 'master', 'juniorCollege'] as const;

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN = ['建华', '晓明', '丽娟', '志强', '海燕', '国栋', '秀英', '文博', '雅琴', '子涵', '立新', '春梅', '宏伟', '静怡', '振宇', '佳慧', '永刚', '慧敏', '俊杰', '雪梅'];

/** A random password that satisfies the policy (16 chars, all four classes). */
export function generatePassword(): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!@#%*-_+='];
  const all = sets.join('');
  const chars = sets.map((s) => s[randomInt(s.length)] ?? 'A');
  while (chars.length < 16) chars.push(all[randomInt(all.length)] ?? 'a');
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
  }
  return chars.join('');
}

/** Load the demo credentials file, if present. */
export function readDemoCredentials(dataDir: string): DemoCredential[] {
  const f = join(dataDir, 'demo-credentials.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as DemoCredential[]) : [];
}

/**
 * The demo contracts are the real 2021–2023 contracts, whose service periods
 * (and grace periods) are over, so their vendor side could no longer sign in.
 * The demo records an explicit extension through the same audited service an
 * agency administrator uses, to one year from today, whenever less than
 * half a year is left. Returns the new last day, or null when nothing changed.
 */
async function keepDemoVendorAccess(db: Db, contractId: string, graceDays: number, now: Date): Promise<string | null> {
  const c = await db.selectFrom('contracts').select(['timezone', 'vendor_access_ends_at']).where('id', '=', contractId).executeTakeFirstOrThrow();
  if (new Date(c.vendor_access_ends_at).getTime() - now.getTime() > 183 * 86_400_000) return null;
  const until = addDays(localDateOf(now, c.timezone), 365);
  await extendVendorAccess(db, null, { contractId, until, reason: `演示数据：延长乙方访问期限至 ${until}（演示合同的服务期已结束，延长后乙方演示账号可继续登录）` }, graceDays, now);
  return until;
}

/**
 * Load the sample contracts and demo users, if not there yet. Idempotent:
 * a second run adds nothing. Returns every demo credential.
 */
export async function seedDemo(
  db: Db,
  dataDir: string,
  now: Date,
  log: (m: string) => void = () => undefined,
  opts: { vendorAccessGraceDays?: number } = {},
): Promise<DemoCredential[]> {
  const graceDays = opts.vendorAccessGraceDays ?? DEFAULT_VENDOR_ACCESS_GRACE_DAYS;
  const creds = readDemoCredentials(dataDir);
  const known = new Set(creds.map((c) => c.username));
  const save = (): void => writeFileSync(join(dataDir, 'demo-credentials.json'), JSON.stringify(creds, null, 2), { mode: 0o600 });
  let nameIdx = 0;
  const nextName = (): string => {
    const s = SURNAMES[nameIdx % SURNAMES.length] ?? '王';
    const g = GIVEN[(nameIdx * 7 + 3) % GIVEN.length] ?? '建华';
    nameIdx++;
    return s + g;
  };
  const ensureUser = async (username: string, description: string, org: string | undefined, kind: 'agency' | 'vendor' | 'platform', isPlatformAdmin = false, isPlatformAuditor = false): Promise<string> => {
    const displayName = nextName();
    const existing = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (existing) {
      await markDemoAccount(db, existing.id, now);
      return existing.id;
    }
    const password = generatePassword();
    // demo accounts: marked, never forced to change their (random, local) password
    const u = await createUser(db, null, { username, displayName, password, organisationName: org, organisationKind: kind, isPlatformAdmin, isPlatformAuditor, demoAccount: true }, now);
    if (!known.has(username)) {
      creds.push({ username, password, displayName, description });
      known.add(username);
    } else {
      const c = creds.find((x) => x.username === username);
      if (c) c.password = password;
    }
    save();
    return u.id;
  };

  await ensureUser('admin', '平台管理员', '运维平台运营方', 'platform', true);
  // 三权分立 at platform level: the security auditor reads the trail the administrator cannot (an older demo database gets the flag now)
  await setPlatformAuditor(db, null, await ensureUser('security-auditor', '平台安全审计员', '运维平台运营方', 'platform', false, true), true, now);

  const files = existsSync(DEMO_CONTRACTS_DIR) ? readdirSync(DEMO_CONTRACTS_DIR).filter((f) => f.endsWith('.yaml')).sort() : [];
  for (const file of files) {
    const text = readFileSync(join(DEMO_CONTRACTS_DIR, file), 'utf8');
    const code = /^\s*code:\s*(\S+)/m.exec(text)?.[1];
    let contract = code ? await db.selectFrom('contracts').select('id').where('code', '=', code).executeTakeFirst() : undefined;
    if (!contract) {
      const r = await importContract(db, null, text, now, '演示数据', { vendorAccessGraceDays: graceDays });
      contract = { id: r.contractId };
      log(`已导入示例合同 ${file}`);
    }
    const extended = await keepDemoVendorAccess(db, contract.id, graceDays, now);
    if (extended) log(`示例合同 ${code ?? file}：乙方访问期限已延长至 ${extended}（演示合同的服务期已结束）`);
    const row = await db.selectFrom('contract_versions').select('definition').where('contract_id', '=', contract.id).orderBy('version', 'desc').executeTakeFirstOrThrow();
    const def = row.definition as TContractDefinition;
    const prefix = PREFIX[def.contract.code] ?? def.contract.code.toLowerCase();
    const agency = def.parties.find((p) => p.side === 'agency');
    const vendors = def.parties.filter((p) => p.side === 'vendor');
    const lead = vendors.find((p) => p.leadMember) ?? vendors[0];
    for (const [role, suffix] of AGENCY_ROLES) {
      const id = await ensureUser(`${prefix}-${suffix}`, `${def.contract.code} ${agency?.name ?? '甲方'}`, agency?.name, 'agency');
      // the agency's administrator and project lead may read and set 敏感 records (security labels)
      await grantRole(db, null, { userId: id, contractId: contract.id, role, clearance: role === 'agencyAdmin' || role === 'agencyProjectLead' ? 'sensitive' : undefined }, now);
    }
    // vendor people are on the roster, accepted and with an agreement on file, before any grant
    const enrol = async (userId: string, role: Role, partyKey: string | undefined, i: number): Promise<void> => {
      const u = await db.selectFrom('users').select('display_name').where('id', '=', userId).executeTakeFirstOrThrow();
      await enrolClearedStaff(
        db,
        {
          contractId: contract.id,
          userId,
          personName: u.display_name,
          positionName: ROLES[role].label,
          memberPartyKey: partyKey ?? null,
          education: DEMO_EDUCATION[i % DEMO_EDUCATION.length] ?? 'bachelor',
          systemStartOn: def.contract.period.start,
          agreementSignedOn: def.contract.signedOn ?? def.contract.period.start,
        },
        now,
      );
    };
    for (const [i, [role, suffix]] of VENDOR_ROLES.entries()) {
      const id = await ensureUser(`${prefix}-${suffix}`, `${def.contract.code} ${lead?.name ?? '乙方'}`, lead?.name, 'vendor');
      await enrol(id, role, lead?.key, i);
      await grantRole(db, null, { userId: id, contractId: contract.id, role }, now);
    }
    // an outlet-side reviewer whose grant covers one district only (区/街道数据权限)
    const district = def.sites?.find((x) => x.district)?.district;
    if (district) {
      const id = await ensureUser(`${prefix}-district-reviewer`, `${def.contract.code} ${agency?.name ?? '甲方'}（仅${district}）`, agency?.name, 'agency');
      await grantRole(db, null, { userId: id, contractId: contract.id, role: 'agencyReviewer', scope: { district } }, now);
    }
    await seedContacts(db, contract.id, def, prefix, now, nextName);
    for (const [i, member] of vendors.filter((v) => v !== lead).entries()) {
      const id = await ensureUser(`${prefix}-member${i + 2}-engineer`, `${def.contract.code} ${member.name}`, member.name, 'vendor');
      await enrol(id, 'engineer', member.key, i + 1);
      await grantRole(db, null, { userId: id, contractId: contract.id, role: 'engineer' }, now);
    }
  }
  await enrolDemoSecondFactors(db, creds, now);
  save();
  await seedDemoWorkOrders(db, now);
  await seedDemoIncidents(db, now);
  return creds;
}

/**
 * Demo accounts that the default ("privileged") policy makes sign in with a
 * second factor get a TOTP secret now, kept with their password in the
 * credentials file (so a newcomer can sign in at once, with an authenticator
 * app or `yunwei demo totp <username>`), instead of a weaker policy in demo mode.
 */
async function enrolDemoSecondFactors(db: Db, creds: DemoCredential[], now: Date): Promise<void> {
  for (const c of creds) {
    const user = await db.selectFrom('users').select(['id', 'is_platform_admin']).where('username', '=', c.username).executeTakeFirst();
    if (!user) continue;
    if (c.totpSecret && (await hasTwoFactor(db, user.id))) continue;
    if (!(await isTwoFactorRequired(db, { id: user.id, isPlatformAdmin: user.is_platform_admin }, 'privileged'))) continue;
    c.totpSecret = await enrolTotpDirectly(db, { userId: null, name: '系统（演示数据）', role: 'system', clientIp: null }, user.id, now);
  }
}

/**
 * One contact per position named in the contract's report-up and escalation
 * lists, with generated (fictitious) mobile numbers. Vendor positions are
 * linked to the demo vendor project manager so in-app notices reach someone.
 */
async function seedContacts(db: Db, contractId: string, def: TContractDefinition, prefix: string, now: Date, nextName: () => string): Promise<void> {
  const existing = await db.selectFrom('contract_contacts').select('id').where('contract_id', '=', contractId).limit(1).executeTakeFirst();
  if (existing) return;
  const positions = new Map<string, 'agency' | 'vendor'>();
  for (const lvl of def.severityLevels) {
    for (const t of lvl.targets) for (const n of t.notify ?? []) positions.set(n.position, n.side ?? 'vendor');
    for (const e of lvl.escalation ?? []) for (const n of e.notify) positions.set(n.position, n.side ?? 'vendor');
  }
  const pm = await db.selectFrom('users').select('id').where('username', '=', `${prefix}-vendor-pm`).executeTakeFirst();
  const lead = await db.selectFrom('users').select('id').where('username', '=', `${prefix}-agency-lead`).executeTakeFirst();
  for (const [position, side] of positions) {
    for (const priority of [1, 2]) {
      const phone = `170${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
      await addContact(db, null, contractId, { position, name: nextName(), side, userId: (side === 'vendor' ? pm?.id : lead?.id) ?? undefined, phone, priority }, now);
    }
  }
}

/**
 * A few work orders per sample contract, once, through the same services as
 * the API: in the civil-affairs contract a data extraction on the disability
 * subsidy system waiting for the agency project lead's signature and one
 * already executed and confirmed; in the card contract a database change
 * half-way through its two approvals and a kiosk notice published; in the
 * portal contract a website notice waiting for the editor's review.
 */
async function seedDemoWorkOrders(db: Db, now: Date): Promise<void> {
  const contractId = async (code: string): Promise<string | null> => (await db.selectFrom('contracts').select('id').where('code', '=', code).executeTakeFirst())?.id ?? null;
  const person = async (username: string) => db.selectFrom('users').select(['id', 'username', 'display_name']).where('username', '=', username).executeTakeFirst();
  const as = async (username: string, at: Date): Promise<Ctx> => {
    const u = await person(username);
    if (!u) throw new Error(`demo user ${username} missing`);
    return { user: { id: u.id, username: u.username, displayName: u.display_name, organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 'demo-seed', lastSignInAt: null, lastSignInIp: null }, clientIp: null, now: at };
  };
  const minutes = (n: number): Date => new Date(now.getTime() + n * 60_000);
  // every action happens now (audit rows are never back-dated); only the request times lie in the past
  const run = async (id: string, steps: [string, TWorkOrderCommand][]): Promise<void> => {
    let version = 1;
    for (const [username, cmd] of steps) version = (await applyWorkOrderCommand(db, await as(username, now), id, version, cmd, { stepUp: 'inProcess' })).version;
  };

  const mz = await contractId('BJ-MZ-2023-P7');
  if (mz && !(await db.selectFrom('work_orders').select('id').where('contract_id', '=', mz).executeTakeFirst())) {
    const engineer = await person('mz-engineer');
    const reviewer = await person('mz-agency-reviewer');
    if (engineer && reviewer) {
      const extraction = (title: string, start: number, end: number, requestedAt: number) => ({
        kind: 'dataWorkOrder' as const,
        subtype: 'extraction' as const,
        title,
        description: '市社会福利管理处来函，需核对补贴发放情况。',
        systemKey: 'S1.1',
        requesterUserId: reviewer.id,
        requesterName: '市社会福利管理处',
        requestedAt: minutes(requestedAt).toISOString(),
        assigneeUserId: engineer.id,
        windowStart: minutes(start).toISOString(),
        windowEnd: minutes(end).toISOString(),
        details: {
          purpose: '核对补贴发放名单与银行代发结果',
          legalBasis: '合同 8.5.3 条（经甲方签字同意后开展数据处理）；市社会福利管理处来函',
          tables: [{ name: 'T_SUBSIDY_PAYMENT', fields: ['XM', 'SFZH', 'YHKH', 'FFJE', 'FFYF'] }],
          personalDataCategories: ['name' as const, 'idNumber' as const, 'bankAccount' as const],
          rowEstimate: 12000,
          environment: '甲方政务外网运维终端',
          deliveryMethod: '加密压缩包当面交付',
        },
      });
      const done = await createWorkOrder(db, await as('mz-engineer', now), mz, extraction('提取 2024 年 4 月两项补贴发放名单', -5, 4 * 60, -12));
      await run(done.id, [
        ['mz-engineer', { type: 'submit' }],
        ['mz-agency-lead', { type: 'approve', comment: '同意，限政务外网内实施，结果加密交付' }],
        ['mz-engineer', { type: 'execute', statement: "SELECT XM, SFZH, YHKH, FFJE FROM T_SUBSIDY_PAYMENT WHERE FFYF = '2024-04'", beforeCount: 11872, afterCount: 11872, output: { fileName: '2024年4月两项补贴发放名单.xlsx', sm3: '5f1d0c5b7a3e4b0d9c2a6e8f1b3d5c7a9e0f2b4d6c8a1e3f5b7d9c0a2e4f6b8d' }, note: '只读查询，未修改数据' }],
        ['mz-engineer', { type: 'deliver', method: '加密压缩包当面交付市社会福利管理处' }],
        ['mz-agency-reviewer', { type: 'confirm', comment: '已核对，数据无误' }],
      ]);
      const waiting = await createWorkOrder(db, await as('mz-engineer', now), mz, extraction('提取 2024 年 5 月两项补贴新增人员名单', 60, 6 * 60, -25));
      await run(waiting.id, [['mz-engineer', { type: 'submit' }]]);
    }
  }

  const sbk = await contractId('BJ-SBK-2022');
  if (sbk && !(await db.selectFrom('work_orders').select('id').where('contract_id', '=', sbk).executeTakeFirst())) {
    const change = await createWorkOrder(db, await as('sbk-engineer', now), sbk, {
      kind: 'change',
      subtype: 'database',
      title: '卡管系统数据库连接数参数调整',
      description: '业务高峰期数据库连接数接近上限，需调整 processes 参数。',
      systemKey: 'INF-DB',
      windowStart: minutes(24 * 60).toISOString(),
      windowEnd: minutes(24 * 60 + 120).toISOString(),
      details: {
        reason: '业务高峰期连接数接近上限（已达 92%），存在拒绝连接风险',
        riskLevel: 'medium',
        risks: '滚动重启期间单节点不可用约 5 分钟；参数不当可能导致实例无法启动',
        method: '修改 spfile 中 processes 参数后按节点滚动重启',
        tools: 'sqlplus、srvctl',
        steps: ['备份 spfile 与控制文件', '修改 processes 为 3000', '按节点滚动重启实例', '检查连接数与业务办理'],
        rollbackPlan: '使用备份的 spfile 恢复原参数并重启实例',
        backupConfirmed: true,
        backupNote: '变更前一日 22:00 完成 RMAN 全量备份',
        affectedSystems: ['INF-DB', 'S1'],
        verificationPlan: '检查 v$resource_limit 与网点业务办理',
      },
    });
    await run(change.id, [
      ['sbk-engineer', { type: 'submit' }],
      ['sbk-vendor-pm', { type: 'approve', comment: '方案可行，请甲方确认并做好备份准备' }],
    ]);
    const notice = await createWorkOrder(db, await as('sbk-engineer', now), sbk, {
      kind: 'content',
      subtype: 'kioskContent',
      title: '自助终端通知：定点医疗机构信息更新',
      description: '',
      requestedAt: minutes(-24 * 60).toISOString(),
      details: { channel: 'kiosk', body: '本市定点医疗机构名单已更新，请在自助终端“定点医疗机构查询”中查看。' },
    });
    await run(notice.id, [
      ['sbk-engineer', { type: 'submit' }],
      ['sbk-vendor-lead', { type: 'approve', comment: '文字已校对' }],
      ['sbk-agency-lead', { type: 'approve', comment: '同意发布' }],
      ['sbk-engineer', { type: 'publish' }],
    ]);
  }

  const portal = await contractId('BJRBJ2021020');
  if (portal && !(await db.selectFrom('work_orders').select('id').where('contract_id', '=', portal).executeTakeFirst())) {
    const notice = await createWorkOrder(db, await as('portal-engineer', now), portal, {
      kind: 'content',
      subtype: 'notice',
      title: '关于社保业务系统升级期间暂停网上办理的通知',
      description: '',
      systemKey: 'web',
      details: { channel: 'website', body: '因系统升级，本周六 8:00 至 18:00 暂停社保网上业务办理，敬请谅解。' },
    });
    await run(notice.id, [['portal-engineer', { type: 'submit' }]]);
  }
}

/**
 * Two open faults in the card contract, once, reported by phone from two
 * district outlets: the board has something to show, and the district
 * reviewer (`sbk-district-reviewer`) sees only the one in their district.
 */
async function seedDemoIncidents(db: Db, now: Date): Promise<void> {
  const contract = await db.selectFrom('contracts').select('id').where('code', '=', 'BJ-SBK-2022').executeTakeFirst();
  if (!contract || (await db.selectFrom('incidents').select('id').where('contract_id', '=', contract.id).executeTakeFirst())) return;
  const desk = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('username', '=', 'sbk-desk').executeTakeFirst();
  if (!desk) return;
  const ctx: Ctx = { user: { id: desk.id, username: desk.username, displayName: desk.display_name, organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 'demo-seed', lastSignInAt: null, lastSignInIp: null }, clientIp: null, now };
  const sites = await db.selectFrom('contract_sites as s').innerJoin('contracts as c', 'c.current_version_id', 's.version_id').select(['s.key', 's.name']).where('c.id', '=', contract.id).where('s.district', 'is not', null).orderBy('s.sort').execute();
  const faults = ['社保卡补卡业务办理失败，系统提示“制卡数据提交超时”', '自助终端读卡器无响应，群众无法查询社保卡状态'];
  for (const [i, site] of sites.slice(0, 2).entries()) {
    await createIncident(db, ctx, contract.id, {
      title: `${site.name.replace(/（.*$/, '')}${faults[i] ?? faults[0] ?? ''}`,
      description: '网点工作人员电话报告，已告知群众稍后办理。',
      systemKey: 'S2',
      siteKey: site.key,
      channel: 'phone',
      reporterName: '网点负责人',
      reportedAt: new Date(now.getTime() - (i + 1) * 40 * 60_000),
      impact: { partialFunctionDown: true },
      levelKey: 'APP-NORMAL',
      levelReason: '演示数据：单个网点业务受影响',
    });
  }
}
