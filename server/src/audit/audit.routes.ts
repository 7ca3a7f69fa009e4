/**
 * Audit trail endpoints: list (auditors and agency administrators of the
 * contract; platform administrators for everything) and chain verification.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { AppError } from '../errors.ts';
import { AUDIT_READERS } from '../auth/roles.ts';
import { requireContractRoles } from '../contracts/contract-access.ts';
import { listAuditRows } from './audit.repo.ts';
import { verifyAuditChain } from './audit.service.ts';
import { listMyMemberships } from '../orgs/user.service.ts';

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

const ZAuditQuery = z.object({
  contractId: z.string().uuid().optional().describe('合同 ID（平台管理员可省略以查看全部）'),
  action: z.string().max(100).optional().describe('动作前缀，如 contract.'),
  entityType: z.string().max(50).optional(),
  actor: z.string().max(100).optional().describe('操作人姓名包含'),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  beforeSeq: z.string().regex(/^\d+$/).optional().describe('分页：返回序号小于此值的记录'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const ZVerify = z.object({
  ok: z.boolean(),
  rowsChecked: z.number(),
  lastSeq: z.string().nullable(),
  lastHash: z.string(),
  problem: z.object({ kind: z.enum(['altered', 'removed', 'reordered']), seq: z.string(), id: z.string(), message: z.string() }).nullable(),
});

/** Audit routes. */
export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/audit',
    {
      config: { access: 'user' },
      schema: {
        tags: ['审计'],
        summary: '审计日志（审计员、甲方系统管理员按合同查看；平台管理员可查看全部）',
        querystring: ZAuditQuery,
        response: { 200: z.array(ZAuditRow), 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const q = req.query;
      if (q.contractId) await requireContractRoles(app.services.db, ctx, q.contractId, AUDIT_READERS);
      else if (!ctx.user.isPlatformAdmin) throw new AppError('FORBIDDEN', '请选择要查看审计日志的合同');
      const rows = await listAuditRows(app.services.db, {
        contractId: q.contractId,
        action: q.action,
        entityType: q.entityType,
        actor: q.actor,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        beforeSeq: q.beforeSeq,
        limit: q.limit,
      });
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

  app.post(
    '/api/audit/verify',
    {
      config: { access: 'user' },
      schema: { tags: ['审计'], summary: '校验审计哈希链（审计员、平台管理员）', response: { 200: ZVerify, 403: ZErrorResponse } },
    },
    async (req) => {
      const ctx = ctxOf(req);
      if (!ctx.user.isPlatformAdmin) {
        const mine = await listMyMemberships(app.services.db, ctx.user.id);
        if (!mine.some((m) => m.role === 'auditor')) throw new AppError('FORBIDDEN', '只有审计员或平台管理员可以校验审计链');
      }
      return verifyAuditChain(app.services.db);
    },
  );
};
