/**
 * In-app notifications of the signed-in user (SLA warnings and breaches,
 * report-up notices, call tasks).
 */
import type { Db } from '../db/database.ts';
import type { Ctx } from '../shared/context.ts';

/** The caller's newest notifications and the unread count. */
export async function listMyNotifications(db: Db, ctx: Ctx, limit: number) {
  const [rows, unread] = await Promise.all([
    db.selectFrom('notifications').selectAll().where('user_id', '=', ctx.user.id).orderBy('created_at', 'desc').limit(limit).execute(),
    db.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', ctx.user.id).where('read_at', 'is', null).executeTakeFirstOrThrow(),
  ]);
  return {
    unread: Number(unread.n),
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      title: r.title,
      body: r.body,
      contractId: r.contract_id,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      createdAt: new Date(r.created_at).toISOString(),
      readAt: r.read_at ? new Date(r.read_at).toISOString() : null,
    })),
  };
}

/** Mark some (or all) of the caller's notifications read. */
export async function markNotificationsRead(db: Db, ctx: Ctx, ids: string[] | 'all'): Promise<number> {
  let q = db.updateTable('notifications').set({ read_at: ctx.now }).where('user_id', '=', ctx.user.id).where('read_at', 'is', null);
  if (ids !== 'all') q = q.where('id', 'in', ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000']);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
