/**
 * Report-up and contact endpoints.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { ZContractIdParams } from '../contracts/contract.schema.ts';
import { acknowledgeNotice, listReportUps, recordCallResult } from './report-up.service.ts';
import { addContact, listContacts } from '../contacts/contact.service.ts';
import { requireIncidentAccess } from '../incidents/incident.service.ts';

const ZNotice = z.object({
  id: z.string(),
  position: z.string(),
  contactName: z.string().nullable(),
  channels: z.array(z.string()),
  currentChannel: z.string().nullable(),
  status: z.enum(['pending', 'awaitingCall', 'delivered', 'acknowledged', 'escalated', 'exhausted', 'cancelled']),
  escalationStep: z.number(),
  message: z.string(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  nextActionAt: z.string().nullable(),
  attempts: z.array(z.object({ channel: z.string(), channelName: z.string(), recipient: z.string().nullable(), status: z.string(), detail: z.string().nullable(), at: z.string() })),
});

/** Report-up routes. */
export const reportUpRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/incidents/:incidentId/report-ups',
    {
      config: { access: 'user' },
      schema: { tags: ['故障'], summary: '故障的上报通知及每次发送记录', params: z.object({ incidentId: z.string() }), response: { 200: z.array(ZNotice), 404: ZErrorResponse } },
    },
    async (req) => {
      const ctx = ctxOf(req);
      await requireIncidentAccess(app.services.db, ctx, req.params.incidentId); // 404 outside the caller's contracts
      return listReportUps(app.services.db, req.params.incidentId);
    },
  );

  app.post(
    '/api/report-ups/:noticeId/call-result',
    {
      config: { access: 'user' },
      schema: {
        tags: ['故障'],
        summary: '记录电话上报结果（接通即确认；未接通立即改用下一种方式）',
        params: z.object({ noticeId: z.string() }),
        body: z.object({ answered: z.boolean(), note: z.string().max(500).optional() }),
        response: { 200: z.object({ ok: z.literal(true) }), 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse, 422: ZErrorResponse },
      },
    },
    async (req) => {
      await recordCallResult(app.services.db, app.services.reportUp, ctxOf(req), req.params.noticeId, req.body.answered, req.body.note);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/report-ups/:noticeId/ack',
    {
      config: { access: 'user' },
      schema: { tags: ['故障'], summary: '确认收到上报（停止升级）', params: z.object({ noticeId: z.string() }), response: { 200: z.object({ ok: z.literal(true) }), 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse, 422: ZErrorResponse } },
    },
    async (req) => {
      await acknowledgeNotice(app.services.db, ctxOf(req), req.params.noticeId);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/contracts/:contractId/contacts',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同'],
        summary: '合同联系人（按职位；手机号脱敏）',
        params: ZContractIdParams,
        response: { 200: z.array(z.object({ id: z.string(), position: z.string(), name: z.string(), side: z.enum(['agency', 'vendor']), userId: z.string().nullable(), phone: z.string().nullable(), email: z.string().nullable(), priority: z.number() })), 404: ZErrorResponse },
      },
    },
    async (req) => listContacts(app.services.db, ctxOf(req), req.params.contractId),
  );

  app.post(
    '/api/contracts/:contractId/contacts',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同'],
        summary: '登记联系人（甲方系统管理员或乙方项目经理）',
        params: ZContractIdParams,
        body: z.object({
          position: z.string().min(1).max(100),
          name: z.string().min(1).max(50),
          side: z.enum(['agency', 'vendor']),
          userId: z.string().uuid().optional(),
          phone: z.string().optional(),
          email: z.string().email({ message: '邮箱格式不正确' }).optional(),
          priority: z.number().int().min(1).max(99).optional(),
        }),
        response: { 201: z.object({ id: z.string() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      return reply.status(201).send(await addContact(app.services.db, ctx, req.params.contractId, req.body, ctx.now));
    },
  );
};
