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
import { createUser, grantRole } from '../orgs/user.service.ts';
import type { Role } from '../auth/roles.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { addContact } from '../contacts/contact.service.ts';

/** Folder with the sample contract definitions. */
export const DEMO_CONTRACTS_DIR = join(import.meta.dirname, 'contracts');

/** One demo account. */
export interface DemoCredential {
  username: string;
  password: string;
  displayName: string;
  description: string;
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
 * Load the sample contracts and demo users, if not there yet. Idempotent:
 * a second run adds nothing. Returns every demo credential.
 */
export async function seedDemo(db: Db, dataDir: string, now: Date, log: (m: string) => void = () => undefined): Promise<DemoCredential[]> {
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
  const ensureUser = async (username: string, description: string, org: string | undefined, kind: 'agency' | 'vendor' | 'platform', isPlatformAdmin = false): Promise<string> => {
    const displayName = nextName();
    const existing = await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (existing) return existing.id;
    const password = generatePassword();
    const u = await createUser(db, null, { username, displayName, password, organisationName: org, organisationKind: kind, isPlatformAdmin }, now);
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

  const files = existsSync(DEMO_CONTRACTS_DIR) ? readdirSync(DEMO_CONTRACTS_DIR).filter((f) => f.endsWith('.yaml')).sort() : [];
  for (const file of files) {
    const text = readFileSync(join(DEMO_CONTRACTS_DIR, file), 'utf8');
    const code = /^\s*code:\s*(\S+)/m.exec(text)?.[1];
    let contract = code ? await db.selectFrom('contracts').select('id').where('code', '=', code).executeTakeFirst() : undefined;
    if (!contract) {
      const r = await importContract(db, null, text, now, '演示数据');
      contract = { id: r.contractId };
      log(`已导入示例合同 ${file}`);
    }
    const row = await db.selectFrom('contract_versions').select('definition').where('contract_id', '=', contract.id).orderBy('version', 'desc').executeTakeFirstOrThrow();
    const def = row.definition as TContractDefinition;
    const prefix = PREFIX[def.contract.code] ?? def.contract.code.toLowerCase();
    const agency = def.parties.find((p) => p.side === 'agency');
    const vendors = def.parties.filter((p) => p.side === 'vendor');
    const lead = vendors.find((p) => p.leadMember) ?? vendors[0];
    for (const [role, suffix] of AGENCY_ROLES) {
      const id = await ensureUser(`${prefix}-${suffix}`, `${def.contract.code} ${agency?.name ?? '甲方'}`, agency?.name, 'agency');
      await grantRole(db, null, { userId: id, contractId: contract.id, role }, now);
    }
    for (const [role, suffix] of VENDOR_ROLES) {
      const id = await ensureUser(`${prefix}-${suffix}`, `${def.contract.code} ${lead?.name ?? '乙方'}`, lead?.name, 'vendor');
      await grantRole(db, null, { userId: id, contractId: contract.id, role }, now);
    }
    await seedContacts(db, contract.id, def, prefix, now, nextName);
    for (const [i, member] of vendors.filter((v) => v !== lead).entries()) {
      const id = await ensureUser(`${prefix}-member${i + 2}-engineer`, `${def.contract.code} ${member.name}`, member.name, 'vendor');
      await grantRole(db, null, { userId: id, contractId: contract.id, role: 'engineer' }, now);
    }
  }
  return creds;
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
