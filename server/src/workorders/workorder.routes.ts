/**
 * Work-order endpoints: thin handlers over the work-order service and queries.
 * (Attachment upload and listing are in attachments/attachment.routes.ts,
 * where the multipart parser is registered.)
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { ZContractIdParams } from '../contracts/contract.schema.ts';
import { stepUpOf } from '../auth/reauth.ts';
import { applyWorkOrderCommand, createWorkOrder, updateWorkOrder } from './workorder.service.ts';
import { approvalsInbox, getWorkOrder, listWorkOrders, workOrderRules } from './workorder.query.ts';
import { workOrderFormPdf } from './workorder-form.ts';
import { exportUnmaskedIncidents } from './workorder-unmasked-export.ts';
import { WORK_ORDER_STATES } from './workorder-state.ts';
import { ZInboxItem, ZNewWorkOrder, ZWorkOrderCommand, ZWorkOrderDetail, ZWorkOrderEdit, ZWorkOrderList, ZWorkOrderListQuery, ZWorkOrderRules } from './workorder.schema.ts';
import { contentDisposition } from '../http/content-disposition.ts';

const ZWorkOrderIdParams = z.object({ workOrderId: z.string() });
const ZCommandResult = z.object({ id: z.string(), version: z.number(), state: z.enum(WORK_ORDER_STATES) });
const TAG = '工单';

/** Work-order routes. */
export const workOrderRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/contracts/:contractId/work-orders',
    {
      config: { access: 'user' },
      schema: {
        tags: [TAG],
        summary: '登记工单（服务请求、数据处理工单、变更、发布、内容发布），保存为草稿；计时从提出需求的时间开始',
        params: ZContractIdParams,
        body: ZNewWorkOrder,
        response: { 201: z.object({ id: z.string(), number: z.string(), state: z.enum(WORK_ORDER_STATES), version: z.number() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req, reply) => reply.status(201).send(await createWorkOrder(app.services.db, ctxOf(req), req.params.contractId, req.body)),
  );

  app.get(
    '/api/contracts/:contractId/work-orders',
    {
      config: { access: 'user' },
      schema: {
        tags: [TAG],
        summary: '工单列表（按类型、子类、状态、系统、执行人、超时筛选，支持中文关键词；新登记的在前，带总数）',
        params: ZContractIdParams,
        querystring: ZWorkOrderListQuery,
        response: { 200: ZWorkOrderList, 404: ZErrorResponse },
      },
    },
    async (req) => listWorkOrders(app.services.db, ctxOf(req), { contractId: req.params.contractId, ...req.query, states: req.query.state }),
  );

  app.get(
    '/api/contracts/:contractId/work-order-rules',
    {
      config: { access: 'user' },
      schema: {
        tags: [TAG],
        summary: '本合同各类工单的审批流程与时限类别（合同约定或平台默认），以及个人信息类别',
        params: ZContractIdParams,
        response: { 200: ZWorkOrderRules, 404: ZErrorResponse },
      },
    },
    async (req) => workOrderRules(app.services.db, ctxOf(req), req.params.contractId),
  );

  app.get(
    '/api/approvals/inbox',
    {
      config: { access: 'user' },
      schema: { tags: [TAG], summary: '待我审批：我所在各合同中等待我的角色审批的工单，按等待时长排序', response: { 200: z.array(ZInboxItem) } },
    },
    async (req) => approvalsInbox(app.services.db, ctxOf(req)),
  );

  app.get(
    '/api/work-orders/:workOrderId',
    {
      config: { access: 'user' },
      schema: { tags: [TAG], summary: '工单详情：审批进度、可执行的操作、时间线、时限、关联、数据访问授权', params: ZWorkOrderIdParams, response: { 200: ZWorkOrderDetail, 404: ZErrorResponse } },
    },
    async (req) => getWorkOrder(app.services.db, ctxOf(req), req.params.workOrderId),
  );

  app.patch(
    '/api/work-orders/:workOrderId',
    {
      config: { access: 'user' },
      schema: {
        tags: [TAG],
        summary: '修改草稿或已退回的工单（仅登记人）；须带上版本号',
        params: ZWorkOrderIdParams,
        body: ZWorkOrderEdit,
        response: { 200: ZCommandResult, 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse, 422: ZErrorResponse },
      },
    },
    async (req) => updateWorkOrder(app.services.db, ctxOf(req), req.params.workOrderId, req.body),
  );

  app.post(
    '/api/work-orders/:workOrderId/commands',
    {
      config: { access: 'user' },
      schema: {
        tags: [TAG],
        summary: '对工单执行操作（提交、审批、退回、执行、交付、确认、开始、完成、上线、发布、撤下、取消、关联、备注…）；须带上版本号。审批数据处理工单须在 5 分钟内再次验证身份（REAUTH_REQUIRED）',
        params: ZWorkOrderIdParams,
        body: z.object({ version: z.number().int().min(1), command: ZWorkOrderCommand }),
        response: { 200: ZCommandResult, 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse, 422: ZErrorResponse },
      },
    },
    async (req) => applyWorkOrderCommand(app.services.db, ctxOf(req), req.params.workOrderId, req.body.version, req.body.command, { stepUp: stepUpOf(req) }),
  );

  app.post(
    '/api/work-orders/:workOrderId/unmasked-export',
    {
      config: { access: 'user' },
      schema: {
        tags: [TAG],
        summary: '明文导出（Excel，含个人信息原文，带水印）：仅限经甲方批准、写明导出范围的数据提取工单的执行人，在实施窗口内导出一次；需再次验证身份；作为本工单的执行记录并审计',
        params: ZWorkOrderIdParams,
      },
    },
    async (req, reply) => {
      const r = await exportUnmaskedIncidents(app.services.db, ctxOf(req), req.params.workOrderId, stepUpOf(req));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', contentDisposition(r.fileName))
        .header('x-content-sm3', r.sm3)
        .send(r.content);
    },
  );

  app.get(
    '/api/work-orders/:workOrderId/form.pdf',
    {
      config: { access: 'user' },
      schema: { tags: [TAG], summary: '打印工单（PDF，含审批记录与签字栏）', params: ZWorkOrderIdParams },
    },
    async (req, reply) => {
      const r = await workOrderFormPdf(app.services.db, ctxOf(req), req.params.workOrderId);
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition(r.fileName, 'inline'))
        .send(r.content);
    },
  );
};
