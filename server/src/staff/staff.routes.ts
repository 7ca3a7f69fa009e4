/**
 * Vendor staff roster endpoints (人员管理).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { AppError } from '../errors.ts';
import { ZContractIdParams } from '../contracts/contract.schema.ts';
import { MAX_ATTACHMENT_BYTES } from '../attachments/attachment.service.ts';
import {
  ZActivateBody,
  ZDocumentQuery,
  ZFulfilBody,
  ZLeaveBody,
  ZNewStaff,
  ZRejectBody,
  ZReplacementBody,
  ZRequestIdParams,
  ZRoster,
  ZStaffDetail,
  ZStaffIdParams,
  ZStaffPatch,
  ZVersionBody,
  ZWithdrawBody,
} from './staff.schema.ts';
import {
  acceptStaff,
  activateStaff,
  addStaffDocument,
  createStaff,
  fulfilReplacement,
  getRoster,
  getStaffDetail,
  markStaffLeft,
  readStaffDocument,
  rejectStaff,
  requestReplacement,
  updateStaff,
  withdrawReplacement,
} from './staff.service.ts';
import { contentDisposition } from '../http/content-disposition.ts';

const TAGS = ['人员'];
const ZOk = z.object({ ok: z.literal(true) });
const errors = { 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse, 422: ZErrorResponse };

/** Roster routes. */
export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 5 } });
  const db = app.services.db;

  app.get(
    '/api/contracts/:contractId/staff',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '乙方人员名单、更换要求与人员结构指标', params: ZContractIdParams, response: { 200: ZRoster, 403: ZErrorResponse, 404: ZErrorResponse } },
    },
    async (req) => getRoster(db, ctxOf(req), req.params.contractId),
  );

  app.post(
    '/api/contracts/:contractId/staff',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '登记人员（乙方项目经理；登记后待甲方确认）', params: ZContractIdParams, body: ZNewStaff, response: { 201: z.object({ id: z.string() }), ...errors } },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      return reply.status(201).send(await createStaff(db, ctx, req.params.contractId, req.body));
    },
  );

  app.get(
    '/api/staff/:staffId',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '人员登记详情（含材料与更换记录）', params: ZStaffIdParams, response: { 200: ZStaffDetail, 403: ZErrorResponse, 404: ZErrorResponse } },
    },
    async (req) => getStaffDetail(db, ctxOf(req), req.params.staffId),
  );

  app.patch(
    '/api/staff/:staffId',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '修改人员登记（乙方项目经理）', params: ZStaffIdParams, body: ZStaffPatch, response: { 200: ZOk, ...errors } },
    },
    async (req) => {
      await updateStaff(db, ctxOf(req), req.params.staffId, req.body);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/staff/:staffId/accept',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '甲方确认人员', params: ZStaffIdParams, body: ZVersionBody, response: { 200: ZOk, ...errors } },
    },
    async (req) => {
      await acceptStaff(db, ctxOf(req), req.params.staffId, req.body.version);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/staff/:staffId/reject',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '甲方不予接受', params: ZStaffIdParams, body: ZRejectBody, response: { 200: ZOk, ...errors } },
    },
    async (req) => {
      await rejectStaff(db, ctxOf(req), req.params.staffId, req.body.version, req.body.reason);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/staff/:staffId/activate',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '登记进场（须已经甲方确认并上传保密协议）', params: ZStaffIdParams, body: ZActivateBody, response: { 200: ZOk, ...errors } },
    },
    async (req) => {
      await activateStaff(db, ctxOf(req), req.params.staffId, req.body.version, req.body.startedOn);
      return { ok: true as const };
    },
  );

  app.post(
    '/api/staff/:staffId/leave',
    {
      config: { access: 'user' },
      schema: {
        tags: TAGS,
        summary: '办理离场：立即撤销其在本合同的全部角色并结束其全部会话',
        params: ZStaffIdParams,
        body: ZLeaveBody,
        response: { 200: z.object({ revokedGrants: z.number(), endedSessions: z.number() }), ...errors },
      },
    },
    async (req) => markStaffLeft(db, ctxOf(req), req.params.staffId, req.body),
  );

  app.post(
    '/api/staff/:staffId/documents',
    {
      config: { access: 'user' },
      schema: {
        tags: TAGS,
        summary: '上传人员材料（multipart/form-data，字段 file；保密协议须带签署日期；按内容识别类型，最大 10 MB）',
        consumes: ['multipart/form-data'],
        params: ZStaffIdParams,
        querystring: ZDocumentQuery,
        response: { 201: z.object({ id: z.string(), fileName: z.string(), mimeType: z.string(), sizeBytes: z.number(), digest: z.string() }), ...errors, 413: ZErrorResponse, 415: ZErrorResponse, 503: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      let file;
      try {
        file = await req.file();
      } catch {
        throw new AppError('VALIDATION_FAILED', '请以 multipart/form-data 上传文件（字段名 file）');
      }
      if (!file) throw new AppError('VALIDATION_FAILED', '没有收到文件（字段名 file）');
      const tooLarge = (): AppError => new AppError('ATTACHMENT_TOO_LARGE', `文件超过 ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB 上限`);
      const buf = await file.toBuffer().catch((e: unknown) => {
        if (e instanceof Error && /too large|limit/i.test(e.message)) throw tooLarge();
        throw e;
      });
      if (file.file.truncated) throw tooLarge();
      return reply.status(201).send(await addStaffDocument(db, ctx, req.params.staffId, req.query, file.filename, buf, app.services.fileScanner));
    },
  );

  app.get(
    '/api/staff-documents/:documentId',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '下载人员材料（总是作为下载）', params: z.object({ documentId: z.string() }) },
    },
    async (req, reply) => {
      const d = await readStaffDocument(db, ctxOf(req), req.params.documentId);
      return reply
        .type(d.mimeType)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('content-disposition', contentDisposition(d.fileName))
        .send(d.content);
    },
  );

  app.post(
    '/api/staff/:staffId/replacement-requests',
    {
      config: { access: 'user' },
      schema: {
        tags: TAGS,
        summary: '甲方要求更换人员（按合同时限计算截止时间，缺省 7 日）',
        params: ZStaffIdParams,
        body: ZReplacementBody,
        response: { 201: z.object({ id: z.string(), dueAt: z.string(), deadlineRule: z.string() }), ...errors },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      return reply.status(201).send(await requestReplacement(db, ctx, req.params.staffId, req.body));
    },
  );

  app.post(
    '/api/staff-replacements/:requestId/fulfil',
    {
      config: { access: 'user' },
      schema: {
        tags: TAGS,
        summary: '指定替换人员（乙方项目经理；替换人员经甲方确认后即完成更换）',
        params: ZRequestIdParams,
        body: ZFulfilBody,
        response: { 200: z.object({ id: z.string(), status: z.enum(['open', 'overdue', 'fulfilled', 'withdrawn']) }), ...errors },
      },
    },
    async (req) => fulfilReplacement(db, ctxOf(req), req.params.requestId, req.body.replacementStaffId),
  );

  app.post(
    '/api/staff-replacements/:requestId/withdraw',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '撤回更换要求（甲方）', params: ZRequestIdParams, body: ZWithdrawBody, response: { 200: ZOk, ...errors } },
    },
    async (req) => {
      await withdrawReplacement(db, ctxOf(req), req.params.requestId, req.body.reason);
      return { ok: true as const };
    },
  );
};
