/**
 * Security-label endpoints: change the label of an incident or a work order.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { changeIncidentLabel, changeWorkOrderLabel } from './label.service.ts';
import { SECURITY_LABEL_KEYS } from './security-label.ts';

const ZLabelChange = z.object({
  version: z.number().int().min(1).describe('乐观锁版本号'),
  securityLabel: z.enum(SECURITY_LABEL_KEYS).describe('新的安全标记：public 公开 / internal 内部 / sensitive 敏感（不能高于本人的可阅最高标记）'),
  reason: z.string().trim().min(1, { message: '须填写调整理由' }).max(500),
});
const ZLabelResult = z.object({ id: z.string(), version: z.number(), securityLabel: z.enum(SECURITY_LABEL_KEYS) });
const RESPONSES = { 200: ZLabelResult, 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse };

/** Label routes. */
export const labelRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/incidents/:incidentId/label',
    {
      config: { access: 'user' },
      schema: {
        tags: ['故障'],
        summary: '调整故障单的安全标记（甲方系统管理员、甲方项目负责人；须填写理由，记入审计）；须带上版本号',
        params: z.object({ incidentId: z.string() }),
        body: ZLabelChange,
        response: RESPONSES,
      },
    },
    async (req) => changeIncidentLabel(app.services.db, ctxOf(req), req.params.incidentId, req.body),
  );

  app.post(
    '/api/work-orders/:workOrderId/label',
    {
      config: { access: 'user' },
      schema: {
        tags: ['工单'],
        summary: '调整工单的安全标记（甲方系统管理员、甲方项目负责人；须填写理由，记入审计）；须带上版本号',
        params: z.object({ workOrderId: z.string() }),
        body: ZLabelChange,
        response: RESPONSES,
      },
    },
    async (req) => changeWorkOrderLabel(app.services.db, ctxOf(req), req.params.workOrderId, req.body),
  );
};
