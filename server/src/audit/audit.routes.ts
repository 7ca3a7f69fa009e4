/**
 * Audit trail endpoints: list and Excel export (the contract's auditors for
 * their contract, the platform auditor for everything; never an agency
 * administrator or the platform administrator: 三权分立, security.md check 7),
 * and verification of the chain against the signed anchors (unscoped contract
 * auditors, the platform auditor). PUT, PATCH and DELETE answer 405 for everyone,
 * and the database refuses changing or deleting audit rows anyway (migration 0009).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { AppError, contractNotFound } from '../errors.ts';
import { AUDIT_READERS } from '../auth/roles.ts';
import { requireContractAccess } from '../contracts/contract-access.ts';
import type { RecordReach } from '../contracts/scope.ts';
import { requireRecentAuth } from '../auth/reauth.ts';
import { listAuditRows, oldestAuditAt, type AuditFilter } from './audit.repo.ts';
import { verifyAuditWithAnchors } from './audit-anchor.ts';
import { exportAuditXlsx } from './audit-export.ts';
import { listMyMemberships } from '../orgs/user.service.ts';
import { isPlatformAuditor } from '../orgs/platform-auditor.ts';
import type { Db } from '../db/database.ts';
import type { Ctx } from '../shared/context.ts';
import { contentDisposition } from '../http/content-disposition.ts';

const ZAuditRow = z.object({
  seq: z.string(),
  id: z.string(),
  occurredAt: z.string(),
  actorUserId: z.string().nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string().nullable(),
  contractId: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  clientIp: z.string().nullable(),
  hash: z.string(),
  prevHash: z.string(),
});

const ZAuditFilter = z.object({
  contractId: z.string().uuid().optional().describe('合同 ID（平台安全审计员可省略以查看全部）'),
  action: z.string().max(100).optional().describe('动作前缀，如 contract.'),
  entityType: z.string().max(50).optional().describe('对象类型，如 user、incident'),
  actor: z.string().max(100).optional().describe('操作人姓名包含'),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
});

const ZAuditQuery = ZAuditFilter.extend({
  beforeSeq: z.string().regex(/^\d+$/).optional().describe('分页：返回序号小于此值的记录'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const ZAnchorProblem = z.object({
  kind: z.enum(['unreadable', 'forged', 'foreignKey', 'missingAnchor', 'truncated', 'rewritten']),
  file: z.string(),
  line: z.number(),
  anchoredAt: z.string().nullable(),
  lastSeq: z.string().nullable(),
  message: z.string(),
});

const ZVerify = z.object({
  ok: z.boolean().describe('哈希链完整且与全部签名锚点一致'),
  rowsChecked: z.number(),
  lastSeq: z.string().nullable(),
  lastHash: z.string(),
  problem: z.object({ kind: z.enum(['altered', 'removed', 'reordered']), seq: z.string(), id: z.string(), message: z.string() }).nullable().describe('哈希链本身的第一个问题'),
  anchors: z.object({
    checked: z.number().describe('已校验的签名锚点数'),
    latest: z.object({ anchoredAt: z.string(), lastSeq: z.string(), lastHash: z.string(), rowCount: z.string(), file: z.string() }).nullable(),
    rowsAfterLatest: z.number().describe('最近锚点之后新增、尚未签名锚定的记录数'),
    problem: ZAnchorProblem.nullable(),
    warning: z.string().nullable(),
  }),
  retentionDays: z.number().describe('审计日志最短保留天数'),
  oldestAt: z.string().nullable().describe('现存最早一条记录的时间'),
});

/**
 * Who may read (and export) the audit trail of `contractId`, or all of it;
 * returns the reader's reach there (district/street scope and clearance;
 * undefined: every row). The
 * platform auditor reads every row, of any contract or none; the platform
 * administrator reads none (三权分立), whatever their contract roles.
 */
async function authorizeAuditRead(db: Db, ctx: Ctx, contractId: string | undefined): Promise<RecordReach | undefined> {
  if (await isPlatformAuditor(db, ctx.user.id)) {
    if (contractId) await requireContractExists(db, contractId);
    return undefined;
  }
  if (ctx.user.isPlatformAdmin) throw platformAdminRefused();
  if (contractId) {
    const { scope, clearance } = await requireContractAccess(db, ctx, contractId, AUDIT_READERS);
    return { scope, clearance };
  }
  throw new AppError('FORBIDDEN', '请选择要查看审计日志的合同');
}

/** The platform administrator's refusal on every audit route (三权分立). */
function platformAdminRefused(): AppError {
  return new AppError('FORBIDDEN', '按三权分立，平台管理员不能查看或校验审计日志，请由安全审计员查看');
}

async function requireContractExists(db: Db, contractId: string): Promise<void> {
  const found = await db.selectFrom('contracts').select('id').where('id', '=', contractId).executeTakeFirst();
  if (!found) throw contractNotFound();
}

function filterOf(q: z.infer<typeof ZAuditFilter>): Omit<AuditFilter, 'limit' | 'beforeSeq'> {
  return {
    contractId: q.contractId,
    action: q.action,
    entityType: q.entityType,
    actor: q.actor,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
  };
}

/** Audit routes. */
export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  // The trail is append-only for every role (security.md check 7): changing or
  // deleting it is not a permission anyone lacks but a method the resource does not have.
  for (const url of ['/api/audit', '/api/audit/*']) {
    app.route({
      method: ['PUT', 'PATCH', 'DELETE'],
      url,
      config: { access: 'user' },
      schema: { hide: true },
      handler: async () => {
        throw new AppError('METHOD_NOT_ALLOWED', '审计日志只能追加，任何人都不能修改或删除');
      },
    });
  }
  app.get(
    '/api/audit',
    {
      config: { access: 'user' },
      schema: {
        tags: ['审计'],
        summary: '审计日志（审计员按合同查看；平台安全审计员可查看全部；平台管理员不可查看）',
        querystring: ZAuditQuery,
        response: { 200: z.array(ZAuditRow), 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const reach = await authorizeAuditRead(app.services.db, ctx, req.query.contractId);
      const rows = await listAuditRows(app.services.db, { ...filterOf(req.query), reach, beforeSeq: req.query.beforeSeq, limit: req.query.limit });
      return rows.map((r) => ({
        seq: String(r.seq),
        id: r.id,
        occurredAt: new Date(r.occurred_at).toISOString(),
        actorUserId: r.actor_user_id,
        actorName: r.actor_name,
        actorRole: r.actor_role,
        contractId: r.contract_id,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        before: r.before,
        after: r.after,
        clientIp: r.client_ip,
        hash: r.hash,
        prevHash: r.prev_hash,
      }));
    },
  );

  app.get(
    '/api/audit/export.xlsx',
    {
      config: { access: 'user' },
      schema: {
        tags: ['审计'],
        summary: '按筛选条件导出审计日志（Excel；需再次验证身份；导出本身记入审计日志）',
        querystring: ZAuditFilter,
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const reach = await authorizeAuditRead(app.services.db, ctx, req.query.contractId);
      requireRecentAuth(req);
      const { buffer } = await exportAuditXlsx(app.services.db, ctx, { ...filterOf(req.query), reach }, app.services.exportDailyLimit);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', contentDisposition('审计日志.xlsx'))
        .send(buffer);
    },
  );

  app.post(
    '/api/audit/verify',
    {
      config: { access: 'user' },
      schema: { tags: ['审计'], summary: '校验审计哈希链及 SM2 签名锚点（不限区域的审计员、平台安全审计员）', response: { 200: ZVerify, 403: ZErrorResponse } },
    },
    async (req) => {
      const ctx = ctxOf(req);
      if (!(await isPlatformAuditor(app.services.db, ctx.user.id))) {
        if (ctx.user.isPlatformAdmin) throw platformAdminRefused();
        const mine = await listMyMemberships(app.services.db, ctx.user.id, ctx.now);
        // the chain covers every contract and district: an auditor limited to a district does not verify it
        if (!mine.some((m) => m.role === 'auditor' && m.scope === null)) throw new AppError('FORBIDDEN', '只有不限区域的审计员或平台安全审计员可以校验审计链');
      }
      const r = await verifyAuditWithAnchors(app.services.db, app.services.auditAnchors);
      const oldest = await oldestAuditAt(app.services.db);
      return {
        ok: r.ok,
        rowsChecked: r.chain.rowsChecked,
        lastSeq: r.chain.lastSeq,
        lastHash: r.chain.lastHash,
        problem: r.chain.problem,
        anchors: r.anchors,
        retentionDays: app.services.auditRetentionDays,
        oldestAt: oldest?.toISOString() ?? null,
      };
    },
  );
};
