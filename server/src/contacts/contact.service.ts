/**
 * Contract contacts: who holds a position named in the contract (e.g. 乙方总经理)
 * and how to reach them. Report-up notices are addressed by position; the
 * priority orders the people to escalate to.
 */
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireWholeContract } from '../contracts/contract-access.ts';
import { maskPhone } from '../notices/notice-channels.ts';

const MANAGERS = ['agencyAdmin', 'vendorProjectManager'] as const;

/** Input of a contact. */
export interface NewContact {
  position: string;
  name: string;
  side: 'agency' | 'vendor';
  userId?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  priority?: number | undefined;
}

/** Add a contact (agency administrator or vendor project manager). */
export async function addContact(db: Db, ctx: Ctx | null, contractId: string, input: NewContact, now: Date): Promise<{ id: string }> {
  if (ctx) await requireWholeContract(db, ctx, contractId, MANAGERS);
  if (input.phone && !/^1\d{10}$/.test(input.phone)) throw new AppError('VALIDATION_FAILED', '手机号应为 11 位数字');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('contract_contacts')
      .values({ contract_id: contractId, position: input.position, name: input.name, side: input.side, user_id: input.userId ?? null, phone: input.phone ?? null, email: input.email ?? null, priority: input.priority ?? 1, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actorOf(ctx), { action: 'contact.added', entityType: 'contact', entityId: row.id, contractId, after: { position: input.position, name: input.name, phone: input.phone ? maskPhone(input.phone) : null, priority: input.priority ?? 1 } }, now);
    return row;
  });
}

/** Contacts of a contract; phone numbers masked. */
export async function listContacts(db: Db, ctx: Ctx, contractId: string) {
  await requireWholeContract(db, ctx, contractId);
  const rows = await db.selectFrom('contract_contacts').selectAll().where('contract_id', '=', contractId).where('active', '=', true).orderBy('position').orderBy('priority').execute();
  return rows.map((r) => ({ id: r.id, position: r.position, name: r.name, side: r.side, userId: r.user_id, phone: r.phone ? maskPhone(r.phone) : null, email: r.email, priority: r.priority }));
}
