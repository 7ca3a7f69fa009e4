/**
 * Changing the security label of an incident or a work order: the agency's
 * administrator or project lead (`LABEL_SETTERS`), never above their own
 * clearance, with a reason, version-checked. One transaction holds the new
 * label and its HMAC-SM3, the timeline event and the audit row (label before
 * and after). Setting a label again also clears an integrity alarm: the
 * person who may set labels has looked at the record.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { LABEL_SETTERS, type Role } from '../auth/roles.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { maskText } from '../privacy/pii.ts';
import { requireIncidentAccess } from '../incidents/incident.service.ts';
import { requireWorkOrderAccess } from '../workorders/workorder.service.ts';
import { labelName, type SecurityLabel } from './security-label.ts';
import { labelMac, labelMacMatches, type LabelledTable } from './label-mac.ts';
import { assertLabelWithinClearance } from './label-rules.ts';

/** A label change as the route passes it. */
export interface LabelChange {
  version: number;
  securityLabel: SecurityLabel;
  reason: string;
}

/** The outcome of a label change. */
export interface LabelChangeResult {
  id: string;
  version: number;
  securityLabel: SecurityLabel;
}

/** What differs between the two kinds of labelled record. */
interface LabelTarget {
  table: LabelledTable;
  entityType: 'incident' | 'workOrder';
  notFoundCode: 'INCIDENT_NOT_FOUND' | 'WORK_ORDER_NOT_FOUND';
  conflictMessage: string;
}

const INCIDENT: LabelTarget = { table: 'incidents', entityType: 'incident', notFoundCode: 'INCIDENT_NOT_FOUND', conflictMessage: '该故障单已被他人修改，请刷新后重试' };
const WORK_ORDER: LabelTarget = { table: 'work_orders', entityType: 'workOrder', notFoundCode: 'WORK_ORDER_NOT_FOUND', conflictMessage: '该工单已被他人修改，请刷新后重试' };

/** Change an incident's security label. */
export async function changeIncidentLabel(db: Db, ctx: Ctx, incidentId: string, change: LabelChange): Promise<LabelChangeResult> {
  const access = await requireIncidentAccess(db, ctx, incidentId);
  return changeLabel(db, ctx, INCIDENT, incidentId, access, change);
}

/** Change a work order's security label. */
export async function changeWorkOrderLabel(db: Db, ctx: Ctx, workOrderId: string, change: LabelChange): Promise<LabelChangeResult> {
  const access = await requireWorkOrderAccess(db, ctx, workOrderId);
  return changeLabel(db, ctx, WORK_ORDER, workOrderId, access, change);
}

async function changeLabel(
  db: Db,
  ctx: Ctx,
  target: LabelTarget,
  id: string,
  access: { contractId: string; roles: Role[]; clearance: SecurityLabel },
  change: LabelChange,
): Promise<LabelChangeResult> {
  const actingRole = access.roles.find((r) => LABEL_SETTERS.includes(r)) ?? null;
  if (!actingRole && !ctx.user.isPlatformAdmin) throw new AppError('FORBIDDEN', '您在该合同中的角色无权调整安全标记（限甲方系统管理员、甲方项目负责人）');
  assertLabelWithinClearance(access.clearance, change.securityLabel);
  const reason = change.reason.trim();
  if (!reason) throw new AppError('VALIDATION_FAILED', '调整安全标记须填写理由');

  return db.transaction().execute(async (trx) => {
    const current = await lockRow(trx, target.table, id);
    if (!current) throw new AppError(target.notFoundCode, '记录不存在，或您无权查看');
    if (current.version !== change.version) throw new AppError('VERSION_CONFLICT', target.conflictMessage, { currentVersion: current.version });
    const intact = current.label_alarm_at === null && labelMacMatches(target.table, current);
    if (intact && current.security_label === change.securityLabel) throw new AppError('VALIDATION_FAILED', `安全标记已是「${labelName(change.securityLabel)}」`);
    const mac = labelMac(target.table, id, current.contract_id, change.securityLabel);
    const version = change.version + 1;
    await sql`UPDATE ${sql.table(target.table)} SET security_label = ${change.securityLabel}, label_mac = ${mac}, label_alarm_at = NULL,
      version = ${version}, updated_at = ${ctx.now} WHERE id = ${id}::uuid`.execute(trx);
    const data = JSON.stringify({ from: current.security_label, to: change.securityLabel, integrityRestored: !intact, reason: maskText(reason) });
    const event = { type: 'labelChanged', at: ctx.now, actor_user_id: ctx.user.id, actor_name: ctx.user.displayName, actor_role: actingRole ?? 'platformAdmin', data };
    if (target.table === 'incidents') await trx.insertInto('incident_events').values({ incident_id: id, ...event }).execute();
    else await trx.insertInto('work_order_events').values({ work_order_id: id, ...event }).execute();
    await recordAudit(
      trx,
      actorOf(ctx, actingRole),
      {
        action: `${target.entityType}.labelChanged`,
        entityType: target.entityType,
        entityId: id,
        contractId: current.contract_id,
        before: { securityLabel: current.security_label, labelIntact: intact, version: current.version },
        after: { securityLabel: change.securityLabel, version, reason: maskText(reason) },
      },
      ctx.now,
    );
    return { id, version, securityLabel: change.securityLabel };
  });
}

async function lockRow(trx: Trx, table: LabelledTable, id: string) {
  const columns = ['id', 'contract_id', 'version', 'security_label', 'label_mac', 'label_alarm_at'] as const;
  return table === 'incidents'
    ? trx.selectFrom('incidents').select(columns).where('id', '=', id).forUpdate().executeTakeFirst()
    : trx.selectFrom('work_orders').select(columns).where('id', '=', id).forUpdate().executeTakeFirst();
}
