/**
 * Incident endpoints: thin handlers over the incident service.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { ZContractIdParams } from '../contracts/contract.schema.ts';
import { applyIncidentCommand, createIncident, getIncident, listIncidents, type IncidentCommand } from './incident.service.ts';
import { ZIncident, ZIncidentCommand, ZIncidentDetail, ZIncidentListQuery, ZNewIncident } from './incident.schema.ts';
import { exportIncidentsXlsx } from './incident-export.ts';
import { requireRecentAuth } from '../auth/reauth.ts';
import { seriousFaultRecordDocx } from './serious-fault-record.ts';
import { contentDisposition } from '../http/content-disposition.ts';

/** Convert the wire command (ISO strings) into the service command (Dates). */
function toCommand(c: z.infer<typeof ZIncidentCommand>): IncidentCommand {
  switch (c.type) {
    case 'setDeadline':
      return { type: 'setDeadline', dueAt: new Date(c.dueAt), targetKind: c.targetKind };
    case 'acknowledge':
    case 'arrive':
    case 'startWork':
    case 'resume':
    case 'reportedUp':
      return { ...c, occurredAt: c.occurredAt ? new Date(c.occurredAt) : undefined };
    case 'wait':
      return { ...c, occurredAt: c.occurredAt ? new Date(c.occurredAt) : undefined };
    case 'resolve':
      return { ...c, occurredAt: c.occurredAt ? new Date(c.occurredAt) : undefined };
    default:
      return c;
  }
}

/** Incident routes. */
export const incidentRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/contracts/:contractId/incidents',
    {
      config: { access: 'user' },
      schema: {
        tags: ['故障'],
        summary: '登记故障（计时从首次报告时间开始）',
        params: ZContractIdParams,
        body: ZNewIncident,
        response: { 201: z.object({ id: z.string(), number: z.string(), levelKey: z.string(), suggestedLevelKey: z.string().nullable() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await createIncident(app.services.db, ctxOf(req), req.params.contractId, { ...b, reportedAt: new Date(b.reportedAt) });
      return reply.status(201).send(r);
    },
  );

  app.get(
    '/api/contracts/:contractId/incidents',
    {
      config: { access: 'user' },
      schema: {
        tags: ['故障'],
        summary: '故障列表（按最近截止时间排序，可按系统、等级、状态、处理人、超时/预警筛选，支持中文关键词）',
        params: ZContractIdParams,
        querystring: ZIncidentListQuery,
        response: { 200: z.array(ZIncident), 404: ZErrorResponse },
      },
    },
    async (req) => listIncidents(app.services.db, ctxOf(req), { contractId: req.params.contractId, ...req.query }),
  );

  app.get(
    '/api/contracts/:contractId/incidents/export.xlsx',
    {
      config: { access: 'user' },
      schema: {
        tags: ['故障'],
        summary: '按筛选条件导出故障清单（Excel；需再次验证身份）',
        params: ZContractIdParams,
        querystring: ZIncidentListQuery.omit({ limit: true, offset: true }),
      },
    },
    async (req, reply) => {
      requireRecentAuth(req);
      const buf = await exportIncidentsXlsx(app.services.db, ctxOf(req), { contractId: req.params.contractId, ...req.query }, app.services.exportDailyLimit);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', contentDisposition('故障清单.xlsx'))
        .send(buf);
    },
  );

  app.get(
    '/api/incidents/:incidentId/serious-fault-record.docx',
    {
      config: { access: 'user' },
      schema: { tags: ['故障'], summary: '生成严重故障记录表（Word）', params: z.object({ incidentId: z.string() }) },
    },
    async (req, reply) => {
      const r = await seriousFaultRecordDocx(app.services.db, ctxOf(req), req.params.incidentId);
      return reply
        .type('application/vnd.openxmlformats-officedocument.wordprocessingml.document')
        .header('content-disposition', contentDisposition(r.fileName))
        .send(r.content);
    },
  );

  app.get(
    '/api/incidents/:incidentId',
    {
      config: { access: 'user' },
      schema: { tags: ['故障'], summary: '故障详情：时间线与各项时限', params: z.object({ incidentId: z.string() }), response: { 200: ZIncidentDetail, 404: ZErrorResponse } },
    },
    async (req) => getIncident(app.services.db, ctxOf(req), req.params.incidentId),
  );

  app.post(
    '/api/incidents/:incidentId/commands',
    {
      config: { access: 'user' },
      schema: {
        tags: ['故障'],
        summary: '对故障单执行操作（响应、到场、挂起、解决、回访、关闭、重开、分派、调级、领导批示…）；须带上版本号',
        params: z.object({ incidentId: z.string() }),
        body: z.object({ version: z.number().int().min(1), command: ZIncidentCommand }),
        response: { 200: z.object({ id: z.string(), version: z.number(), status: z.string() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse, 422: ZErrorResponse },
      },
    },
    async (req) => applyIncidentCommand(app.services.db, ctxOf(req), req.params.incidentId, req.body.version, toCommand(req.body.command)),
  );
};
