/**
 * Report-up (上报): when an incident's level has a report-up target, each
 * person to notify gets a notice that walks its channels in the contract's
 * order (e.g. phone first, SMS if unanswered), records every attempt, and
 * escalates to the next contact of the same position when nobody
 * acknowledges within the acknowledgement window. Deadlines are persisted
 * (`next_action_at` plus a job); nothing waits in memory.
 */
import { z } from 'zod';
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { enqueueJob } from '../jobs/job.queue.ts';
import type { JobDefinition, JobSpec } from '../jobs/job.types.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { requireLocatedRecord } from '../contracts/contract-access.ts';
import { effectiveLabel } from '../labels/label-mac.ts';
import { recordClockEvents } from '../sla/sla-clock.service.ts';
import { maskPhone, type NoticeChannel } from './notice-channels.ts';
import { localParts } from '../shared/local-time.ts';

/** The job that advances one notice. */
export const reportUpProcessSpec: JobSpec<{ noticeId: string }> = {
  kind: 'reportUp.process',
  version: 1,
  payload: z.object({ noticeId: z.string().uuid() }),
  maxAttempts: 5,
};

/** Facts of the incident the notices are about. */
export interface ReportUpIncident {
  incidentId: string;
  contractId: string;
  number: string;
  title: string;
  levelKey: string;
  levelName: string;
  systemName: string;
  reportedAt: Date;
}

/** Chinese channel names. */
export const CHANNEL_NAMES: Record<string, string> = { phone: '电话', sms: '短信', email: '邮件', inApp: '站内通知', wecom: '企业微信', dingtalk: '钉钉', written: '书面' };

function messageOf(i: ReportUpIncident): string {
  const p = localParts(i.reportedAt);
  const t = `${p.month}/${p.day} ${p.hour}:${p.minute}`;
  return `【运维上报】${i.levelName}：${i.title}（${i.systemName}，故障单 ${i.number}，${t} 报告）。请及时处置并确认收到。`;
}

async function firstContact(trx: Trx, contractId: string, position: string, afterPriority: number | null) {
  let q = trx.selectFrom('contract_contacts').selectAll().where('contract_id', '=', contractId).where('position', '=', position).where('active', '=', true);
  if (afterPriority !== null) q = q.where('priority', '>', afterPriority);
  return q.orderBy('priority').orderBy('created_at').limit(1).executeTakeFirst();
}

/** Whether a level names anyone to report up to: then {@link createReportUpNotices} writes notices for its incidents. */
export function hasReportUpNotices(def: TContractDefinition, levelKey: string): boolean {
  const level = def.severityLevels.find((l) => l.key === levelKey);
  return level !== undefined && level.targets.some((t) => t.kind === 'reportUp' && (t.notify?.length ?? 0) > 0);
}

/**
 * Create the notices of every report-up target of the incident's level, in
 * the incident's transaction, and enqueue their first step.
 */
export async function createReportUpNotices(trx: Trx, def: TContractDefinition, inc: ReportUpIncident, now: Date): Promise<number> {
  const level = def.severityLevels.find((l) => l.key === inc.levelKey);
  if (!level) return 0;
  let n = 0;
  for (const [ti, target] of level.targets.entries()) {
    if (target.kind !== 'reportUp' || !target.notify) continue;
    for (const [ni, notify] of target.notify.entries()) {
      const contact = await firstContact(trx, inc.contractId, notify.position, null);
      const channels = notify.channels && notify.channels.length > 0 ? notify.channels : ['inApp'];
      const notice = await trx
        .insertInto('report_up_notices')
        .values({
          contract_id: inc.contractId,
          incident_id: inc.incidentId,
          level_key: inc.levelKey,
          target_index: ti,
          notify_index: ni,
          position: notify.position,
          channels,
          contact_id: contact?.id ?? null,
          status: contact ? 'pending' : 'exhausted',
          message: messageOf(inc),
          created_at: now,
          next_action_at: contact ? now : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (contact) {
        await enqueueJob(trx, reportUpProcessSpec, { noticeId: notice.id }, { runAt: now, dedupeKey: `reportUp:${notice.id}:1` });
      } else {
        await trx.insertInto('report_up_attempts').values({ notice_id: notice.id, channel: '-', recipient: null, status: 'skipped', detail: `合同联系人中没有登记「${notify.position}」，无法上报`, at: now }).execute();
      }
      n++;
    }
  }
  return n;
}

/** Dependencies of the processing job. */
export interface ReportUpDeps {
  channels: ReadonlyMap<string, NoticeChannel>;
  /** How long to wait for an acknowledgement (or a call result) before moving on. */
  ackMinutes: number;
}

type NoticeRow = Awaited<ReturnType<typeof lockNotice>>;

async function lockNotice(trx: Trx, id: string) {
  return trx.selectFrom('report_up_notices').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

async function markReportedUp(trx: Trx, incidentId: string, at: Date, now: Date): Promise<void> {
  const clock = await trx.selectFrom('sla_clocks').select('id').where('subject_type', '=', 'incident').where('subject_id', '=', incidentId).executeTakeFirst();
  if (!clock) return;
  const already = await trx.selectFrom('sla_events').select('id').where('clock_id', '=', clock.id).where('type', '=', 'reportedUp').executeTakeFirst();
  if (already) return;
  await recordClockEvents(trx, clock.id, [{ type: 'reportedUp', at }], now);
  await trx
    .insertInto('incident_events')
    .values({ incident_id: incidentId, type: 'reportedUp', at, actor_user_id: null, actor_name: '系统', actor_role: 'system', data: JSON.stringify({ note: '上报通知已送达' }) })
    .execute();
}

async function schedule(trx: Trx, notice: { id: string }, at: Date, step: number): Promise<void> {
  await enqueueJob(trx, reportUpProcessSpec, { noticeId: notice.id }, { runAt: at, dedupeKey: `reportUp:${notice.id}:${step}` });
}

/**
 * Advance a notice as far as it can go now: try channels in order until one
 * delivers or waits for a call result; when the acknowledgement window has
 * passed, escalate to the next contact of the same position.
 */
export async function processNotice(db: Db, deps: ReportUpDeps, noticeId: string, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let notice: NoticeRow = await lockNotice(trx, noticeId);
    for (let guard = 0; notice && guard < 20; guard++) {
      if (notice.status === 'acknowledged' || notice.status === 'exhausted' || notice.status === 'cancelled' || notice.status === 'escalated') return;
      if (notice.next_action_at && new Date(notice.next_action_at) > now) return; // not yet
      const contact = notice.contact_id ? await trx.selectFrom('contract_contacts').selectAll().where('id', '=', notice.contact_id).executeTakeFirst() : undefined;
      if (!contact) return;
      const inc = await trx.selectFrom('incidents').select(['id', 'status']).where('id', '=', notice.incident_id).executeTakeFirstOrThrow();
      const step = notice.version + 1;

      if (notice.status === 'awaitingCall') {
        // nobody recorded the call result in time: treat as unanswered, move to the next channel
        await trx.insertInto('report_up_attempts').values({ notice_id: notice.id, channel: 'phone', recipient: contact.phone ? maskPhone(contact.phone) : null, status: 'unanswered', detail: `${deps.ackMinutes} 分钟内未记录通话结果，按未接通处理`, at: now }).execute();
        notice = await advance(trx, notice, { status: 'pending', channel_index: notice.channel_index + 1, next_action_at: now });
        continue;
      }
      const channel = notice.channels[notice.channel_index];
      if (notice.status === 'delivered' || (notice.status === 'pending' && channel === undefined)) {
        // not acknowledged in time (or every channel failed): escalate to the next contact of this position
        const next = await firstContact(trx, notice.contract_id, notice.position, contact.priority);
        if (!next) {
          await advance(trx, notice, { status: 'exhausted', next_action_at: null });
          const why = notice.status === 'delivered' ? `${deps.ackMinutes} 分钟内无人确认` : '所有通知方式均未送达';
          await trx.insertInto('report_up_attempts').values({ notice_id: notice.id, channel: '-', recipient: null, status: 'skipped', detail: `${why}，且没有更高一级的「${notice.position}」联系人`, at: now }).execute();
          return;
        }
        await advance(trx, notice, { status: 'escalated', next_action_at: null });
        const esc = await trx
          .insertInto('report_up_notices')
          .values({
            contract_id: notice.contract_id,
            incident_id: notice.incident_id,
            level_key: notice.level_key,
            target_index: notice.target_index,
            notify_index: notice.notify_index,
            position: notice.position,
            channels: notice.channels,
            contact_id: next.id,
            escalation_step: notice.escalation_step + 1,
            status: 'pending',
            message: notice.message,
            created_at: now,
            next_action_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        notice = await lockNotice(trx, esc.id);
        continue;
      }
      // pending: try the current channel
      if (channel === undefined) return;
      if (inc.status === 'closed') {
        await advance(trx, notice, { status: 'cancelled', next_action_at: null });
        return;
      }
      if (channel === 'phone' || channel === 'written') {
        await trx.insertInto('report_up_attempts').values({ notice_id: notice.id, channel, recipient: contact.phone ? maskPhone(contact.phone) : null, status: 'awaitingCall', detail: `请电话通知${contact.name}并记录是否接通`, at: now }).execute();
        const desk = await trx.selectFrom('memberships').select('user_id').distinct().where('contract_id', '=', notice.contract_id).where('revoked_at', 'is', null).where('role', 'in', ['deskAgent', 'vendorTeamLead']).execute();
        if (desk.length > 0) {
          await trx
            .insertInto('notifications')
            .values(desk.map((d) => ({ contract_id: notice?.contract_id ?? '', user_id: d.user_id, kind: 'reportUp.call', title: `请电话上报：${notice?.position ?? ''} ${contact.name}`, body: notice?.message ?? '', subject_type: 'incident', subject_id: notice?.incident_id ?? '', dedupe_key: `reportUp.call:${notice?.id ?? ''}:${notice?.channel_index ?? 0}`, created_at: now })))
            .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
            .execute();
        }
        const due = new Date(now.getTime() + deps.ackMinutes * 60_000);
        await advance(trx, notice, { status: 'awaitingCall', next_action_at: due });
        await schedule(trx, notice, due, step);
        return;
      }
      const sender = deps.channels.get(channel);
      const outcome = sender
        ? await sender.send(trx, {
            recipient: { name: contact.name, phone: contact.phone, email: contact.email, userId: contact.user_id },
            title: `运维上报：${notice.position}`,
            text: notice.message,
            contractId: notice.contract_id,
            incidentId: notice.incident_id,
            dedupeKey: `reportUp:${notice.id}:${notice.channel_index}`,
            now,
          })
        : { status: 'skipped' as const, recipient: null, detail: `不支持的通知方式「${channel}」` };
      await trx.insertInto('report_up_attempts').values({ notice_id: notice.id, channel, recipient: outcome.recipient, status: outcome.status, detail: outcome.detail, at: now }).execute();
      if (outcome.status === 'sent') {
        const due = new Date(now.getTime() + deps.ackMinutes * 60_000);
        await advance(trx, notice, { status: 'delivered', delivered_at: now, next_action_at: due });
        await markReportedUp(trx, notice.incident_id, now, now);
        await schedule(trx, notice, due, step);
        return;
      }
      notice = await advance(trx, notice, { status: 'pending', channel_index: notice.channel_index + 1, next_action_at: now });
    }
  });
}

async function advance(trx: Trx, notice: NonNullable<NoticeRow>, patch: { status: NonNullable<NoticeRow>['status']; channel_index?: number; next_action_at: Date | null; delivered_at?: Date }) {
  return trx
    .updateTable('report_up_notices')
    .set({ ...patch, version: sql`version + 1` })
    .where('id', '=', notice.id)
    .returningAll()
    .executeTakeFirst();
}

/** The processing job, bound to the configured channels. */
export function createReportUpJob(deps: ReportUpDeps): JobDefinition<{ noticeId: string }> {
  return {
    ...reportUpProcessSpec,
    backoffSeconds: 20,
    async handler({ db, payload, now }) {
      await processNotice(db, deps, payload.noticeId, now);
    },
  };
}

function noticeNotFound(): AppError {
  return new AppError('NOT_FOUND', '上报记录不存在');
}

async function loadNoticeForUser(db: Db, ctx: Ctx, noticeId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(noticeId)) throw noticeNotFound();
  const found = await db
    .selectFrom('report_up_notices as n')
    .innerJoin('incidents as i', 'i.id', 'n.incident_id')
    .selectAll('n')
    .select(['i.district as incident_district', 'i.street as incident_street', 'i.id as incident_id_', 'i.contract_id as incident_contract_id', 'i.security_label', 'i.label_mac', 'i.label_alarm_at'])
    .where('n.id', '=', noticeId)
    .executeTakeFirst();
  if (!found) throw noticeNotFound();
  const { incident_district, incident_street, incident_id_, incident_contract_id, security_label, label_mac, label_alarm_at, ...n } = found;
  // the notice is part of its incident: same contract, role, district/street scope and security label
  const label = effectiveLabel('incidents', { id: incident_id_, contract_id: incident_contract_id, security_label, label_mac, label_alarm_at });
  const { roles } = await requireLocatedRecord(db, ctx, { contractId: n.contract_id, district: incident_district, street: incident_street, label }, noticeNotFound);
  return { n, roles };
}

/** Record the result of a phone call a person made (answered: acknowledged; not answered: next channel now). */
export async function recordCallResult(db: Db, deps: ReportUpDeps | null, ctx: Ctx, noticeId: string, answered: boolean, note?: string): Promise<void> {
  const { n, roles } = await loadNoticeForUser(db, ctx, noticeId);
  const allowed = roles.some((r) => ['deskAgent', 'vendorTeamLead', 'vendorProjectManager'].includes(r));
  if (!allowed) throw new AppError('FORBIDDEN', '只有服务台、组长或项目经理可以记录电话上报结果');
  await db.transaction().execute(async (trx) => {
    const notice = await lockNotice(trx, n.id);
    if (!notice || notice.status !== 'awaitingCall') throw new AppError('INCIDENT_TRANSITION_FORBIDDEN', '该上报当前不在等待电话结果的状态');
    const contact = notice.contact_id ? await trx.selectFrom('contract_contacts').select(['phone', 'name']).where('id', '=', notice.contact_id).executeTakeFirst() : undefined;
    await trx.insertInto('report_up_attempts').values({ notice_id: notice.id, channel: 'phone', recipient: contact?.phone ? maskPhone(contact.phone) : null, status: answered ? 'answered' : 'unanswered', detail: note ?? (answered ? `${ctx.user.displayName} 电话已通知` : `${ctx.user.displayName} 电话未接通`), at: ctx.now }).execute();
    if (answered) {
      await advance(trx, notice, { status: 'acknowledged', delivered_at: ctx.now, next_action_at: null });
      await trx.updateTable('report_up_notices').set({ acknowledged_at: ctx.now, acknowledged_by: ctx.user.id }).where('id', '=', notice.id).execute();
      await markReportedUp(trx, notice.incident_id, ctx.now, ctx.now);
    } else {
      await advance(trx, notice, { status: 'pending', channel_index: notice.channel_index + 1, next_action_at: ctx.now });
      await enqueueJob(trx, reportUpProcessSpec, { noticeId: notice.id }, { runAt: ctx.now, dedupeKey: `reportUp:${notice.id}:${notice.version + 1}` });
    }
    await recordAudit(trx, actorOf(ctx), { action: answered ? 'reportUp.callAnswered' : 'reportUp.callUnanswered', entityType: 'reportUpNotice', entityId: notice.id, contractId: notice.contract_id, after: { position: notice.position } }, ctx.now);
  });
  if (!answered && deps) await processNotice(db, deps, n.id, ctx.now);
}

/** The recipient (or the vendor's desk on their behalf) confirms receipt: escalation stops. */
export async function acknowledgeNotice(db: Db, ctx: Ctx, noticeId: string): Promise<void> {
  const { n, roles } = await loadNoticeForUser(db, ctx, noticeId);
  const contact = n.contact_id ? await db.selectFrom('contract_contacts').select('user_id').where('id', '=', n.contact_id).executeTakeFirst() : undefined;
  const isRecipient = contact?.user_id === ctx.user.id;
  if (!isRecipient && !roles.some((r) => ['deskAgent', 'vendorTeamLead', 'vendorProjectManager'].includes(r))) {
    throw new AppError('FORBIDDEN', '只有被通知人本人或乙方服务台可以确认收到');
  }
  await db.transaction().execute(async (trx) => {
    const notice = await lockNotice(trx, n.id);
    if (!notice || (notice.status !== 'delivered' && notice.status !== 'awaitingCall')) throw new AppError('INCIDENT_TRANSITION_FORBIDDEN', '该上报已确认、已升级或已结束');
    await trx.updateTable('report_up_notices').set({ status: 'acknowledged', acknowledged_at: ctx.now, acknowledged_by: ctx.user.id, next_action_at: null, version: sql`version + 1` }).where('id', '=', notice.id).execute();
    await markReportedUp(trx, notice.incident_id, notice.delivered_at ? new Date(notice.delivered_at) : ctx.now, ctx.now);
    await recordAudit(trx, actorOf(ctx), { action: 'reportUp.acknowledged', entityType: 'reportUpNotice', entityId: notice.id, contractId: notice.contract_id, after: { position: notice.position } }, ctx.now);
  });
}

/** Every notice of an incident with its attempts, oldest first. */
export async function listReportUps(db: Db, incidentId: string) {
  const notices = await db
    .selectFrom('report_up_notices as n')
    .leftJoin('contract_contacts as c', 'c.id', 'n.contact_id')
    .select(['n.id', 'n.position', 'n.channels', 'n.channel_index', 'n.status', 'n.escalation_step', 'n.created_at', 'n.delivered_at', 'n.acknowledged_at', 'n.next_action_at', 'n.message', 'c.name as contact_name'])
    .where('n.incident_id', '=', incidentId)
    .orderBy('n.created_at')
    .execute();
  const attempts = notices.length
    ? await db.selectFrom('report_up_attempts').selectAll().where('notice_id', 'in', notices.map((x) => x.id)).orderBy('id').execute()
    : [];
  return notices.map((x) => ({
    id: x.id,
    position: x.position,
    contactName: x.contact_name,
    channels: x.channels,
    currentChannel: x.channels[x.channel_index] ?? null,
    status: x.status,
    escalationStep: x.escalation_step,
    message: x.message,
    createdAt: new Date(x.created_at).toISOString(),
    deliveredAt: x.delivered_at ? new Date(x.delivered_at).toISOString() : null,
    acknowledgedAt: x.acknowledged_at ? new Date(x.acknowledged_at).toISOString() : null,
    nextActionAt: x.next_action_at ? new Date(x.next_action_at).toISOString() : null,
    attempts: attempts
      .filter((a) => a.notice_id === x.id)
      .map((a) => ({ channel: a.channel, channelName: CHANNEL_NAMES[a.channel] ?? a.channel, recipient: a.recipient, status: a.status, detail: a.detail, at: new Date(a.at).toISOString() })),
  }));
}
