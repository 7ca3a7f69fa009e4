/**
 * SLA and working-calendar endpoints.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { previewDueTimes, workingTimeBetween } from './sla.service.ts';
import { ZSlaResult } from './sla.schema.ts';
import { addCalendarOverride, listCalendarOverrides, loadWorkingCalendar, retractCalendarOverride, yearView } from '../calendar/calendar.service.ts';
import { ZContractIdParams } from '../contracts/contract.schema.ts';

const ZDateTime = z.string().datetime({ offset: true, message: '时间格式应为 ISO 8601，如 2023-10-07T09:30:00+08:00' });
const ZIsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式应为 YYYY-MM-DD' });

/** SLA routes. */
export const slaRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/contracts/:contractId/sla/preview',
    {
      config: { access: 'user' },
      schema: {
        tags: ['时限'],
        summary: '预览假设工单的各项截止时间（响应、到场、解决、上报…）',
        params: ZContractIdParams,
        body: z.object({
          levelKey: z.string().min(1).describe('故障等级标识'),
          reportedAt: ZDateTime.describe('首次报告时间'),
          systemKey: z.string().optional(),
          siteZone: z.enum(['urban', 'suburban']).optional(),
          tags: z.array(z.string()).optional(),
        }),
        response: { 200: z.object({ levelName: z.string(), windowKey: z.string(), result: ZSlaResult }), 400: ZErrorResponse, 404: ZErrorResponse, 422: ZErrorResponse },
      },
    },
    async (req) => {
      const b = req.body;
      return previewDueTimes(app.services.db, ctxOf(req), req.params.contractId, {
        levelKey: b.levelKey,
        reportedAt: new Date(b.reportedAt),
        systemKey: b.systemKey,
        siteZone: b.siteZone,
        tags: b.tags,
      });
    },
  );

  app.get(
    '/api/contracts/:contractId/working-time',
    {
      config: { access: 'user' },
      schema: {
        tags: ['时限'],
        summary: '在合同的某个服务时间窗上，两个时刻之间有多少工作时间',
        params: ZContractIdParams,
        querystring: z.object({ window: z.string().min(1).describe('服务时间窗标识'), from: ZDateTime, to: ZDateTime }),
        response: {
          200: z.object({ windowKey: z.string(), windowName: z.string(), minutes: z.number(), text: z.string(), calendarVersion: z.string(), assumptions: z.array(z.string()) }),
          400: ZErrorResponse,
          404: ZErrorResponse,
          422: ZErrorResponse,
        },
      },
    },
    async (req) => workingTimeBetween(app.services.db, ctxOf(req), req.params.contractId, req.query.window, new Date(req.query.from), new Date(req.query.to)),
  );

  app.get(
    '/api/calendar/years/:year',
    {
      config: { access: 'user' },
      schema: {
        tags: ['工作日历'],
        summary: '某年的法定节假日、调休上班日和本地调整',
        params: z.object({ year: z.coerce.number().int().min(2018).max(2040) }),
        response: {
          200: z.object({
            year: z.number(),
            published: z.boolean(),
            calendarVersion: z.string(),
            source: z.string(),
            workdays: z.number(),
            days: z.array(
              z.object({
                date: z.string(),
                workday: z.boolean(),
                reason: z.enum(['weekday', 'weekend', 'holiday', 'makeupWorkday']),
                name: z.string().nullable(),
                source: z.enum(['official', 'override', 'weekdayRule']),
              }),
            ),
            note: z.string().nullable(),
          }),
          422: ZErrorResponse,
        },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return yearView(await loadWorkingCalendar(app.services.db, ctx.now), req.params.year);
    },
  );

  const ZOverride = z.object({
    id: z.string(),
    date: z.string(),
    kind: z.enum(['holiday', 'workday']),
    name: z.string(),
    reason: z.string().nullable(),
    effectiveFrom: z.string(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    retractedAt: z.string().nullable(),
    retractedBy: z.string().nullable(),
  });

  app.get(
    '/api/calendar/overrides',
    {
      config: { access: 'user' },
      schema: { tags: ['工作日历'], summary: '工作日历调整记录（含已撤销）', response: { 200: z.array(ZOverride) } },
    },
    async () => listCalendarOverrides(app.services.db),
  );

  app.post(
    '/api/calendar/overrides',
    {
      config: { access: 'platformAdmin' },
      schema: {
        tags: ['工作日历'],
        summary: '增加或修改某日的安排（本地停工、次年放假通知发布后的更正）',
        body: z.object({
          date: ZIsoDate,
          kind: z.enum(['holiday', 'workday']).describe('holiday 放假；workday 上班'),
          name: z.string().min(1).max(50).describe('名称，如 机房搬迁停工'),
          reason: z.string().max(500).optional(),
          effectiveFrom: ZDateTime.optional().describe('从何时起生效（缺省：立即）'),
        }),
        response: { 201: z.object({ id: z.string() }), 400: ZErrorResponse, 403: ZErrorResponse, 422: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await addCalendarOverride(app.services.db, ctxOf(req), {
        date: b.date,
        kind: b.kind,
        name: b.name,
        reason: b.reason,
        effectiveFrom: b.effectiveFrom ? new Date(b.effectiveFrom) : undefined,
      });
      return reply.status(201).send(r);
    },
  );

  app.delete(
    '/api/calendar/overrides/:id',
    {
      config: { access: 'platformAdmin' },
      schema: { tags: ['工作日历'], summary: '撤销一项日历调整', params: z.object({ id: z.string() }), response: { 200: z.object({ ok: z.literal(true) }), 404: ZErrorResponse } },
    },
    async (req) => {
      await retractCalendarOverride(app.services.db, ctxOf(req), req.params.id);
      return { ok: true as const };
    },
  );
};
