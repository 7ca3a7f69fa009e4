/**
 * Attachment endpoints (multipart upload, list, download).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { AppError } from '../errors.ts';
import { requireIncidentAccess } from '../incidents/incident.service.ts';
import { addIncidentAttachment, listAttachments, listIncidentAttachments, MAX_ATTACHMENT_BYTES, readAttachment } from './attachment.service.ts';
import { addWorkOrderAttachment, requireWorkOrderAccess } from '../workorders/workorder.service.ts';
import { contentDisposition } from '../http/content-disposition.ts';

const ZAttachment = z.object({ id: z.string(), fileName: z.string(), mimeType: z.string(), sizeBytes: z.number(), digest: z.string(), uploadedAt: z.string(), uploadedBy: z.string().nullable() });

/** Read the single uploaded file of a multipart request (field `file`), enforcing the size limit. */
async function readUpload(req: FastifyRequest): Promise<{ fileName: string; content: Buffer }> {
  let file;
  try {
    file = await req.file();
  } catch {
    throw new AppError('VALIDATION_FAILED', '请以 multipart/form-data 上传文件（字段名 file）');
  }
  if (!file) throw new AppError('VALIDATION_FAILED', '没有收到文件（字段名 file）');
  const content = await file.toBuffer().catch((e: unknown) => {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    if (code === 'FST_REQ_FILE_TOO_LARGE' || (e instanceof Error && /too large|limit/i.test(e.message))) throw new AppError('ATTACHMENT_TOO_LARGE', `文件超过 ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB 上限`);
    throw e;
  });
  if (file.file.truncated) throw new AppError('ATTACHMENT_TOO_LARGE', `文件超过 ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB 上限`);
  return { fileName: file.filename, content };
}

/** Attachment routes. */
export const attachmentRoutes: FastifyPluginAsyncZod = async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 5 } });

  app.post(
    '/api/incidents/:incidentId/attachments',
    {
      config: { access: 'user' },
      schema: {
        tags: ['故障'],
        summary: '上传附件（multipart/form-data，字段 file；按内容识别类型，最大 10 MB）',
        consumes: ['multipart/form-data'],
        params: z.object({ incidentId: z.string() }),
        response: { 201: z.object({ id: z.string(), fileName: z.string(), mimeType: z.string(), sizeBytes: z.number(), digest: z.string() }), 404: ZErrorResponse, 413: ZErrorResponse, 415: ZErrorResponse, 422: ZErrorResponse, 503: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const upload = await readUpload(req);
      const r = await addIncidentAttachment(app.services.db, ctx, req.params.incidentId, upload.fileName, upload.content, app.services.fileScanner);
      return reply.status(201).send(r);
    },
  );

  app.get(
    '/api/incidents/:incidentId/attachments',
    {
      config: { access: 'user' },
      schema: { tags: ['故障'], summary: '附件列表', params: z.object({ incidentId: z.string() }), response: { 200: z.array(ZAttachment), 404: ZErrorResponse } },
    },
    async (req) => {
      await requireIncidentAccess(app.services.db, ctxOf(req), req.params.incidentId);
      return listIncidentAttachments(app.services.db, req.params.incidentId);
    },
  );

  app.post(
    '/api/work-orders/:workOrderId/attachments',
    {
      config: { access: 'user' },
      schema: {
        tags: ['工单'],
        summary: '上传工单附件（执行证据、输出文件、测试报告等；multipart/form-data，字段 file；按内容识别类型，最大 10 MB；返回 SM3 摘要）',
        consumes: ['multipart/form-data'],
        params: z.object({ workOrderId: z.string() }),
        response: { 201: z.object({ id: z.string(), fileName: z.string(), mimeType: z.string(), sizeBytes: z.number(), digest: z.string() }), 404: ZErrorResponse, 413: ZErrorResponse, 415: ZErrorResponse, 422: ZErrorResponse, 503: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const { fileName, content } = await readUpload(req);
      const r = await addWorkOrderAttachment(app.services.db, ctxOf(req), req.params.workOrderId, fileName, content, app.services.fileScanner);
      return reply.status(201).send(r);
    },
  );

  app.get(
    '/api/work-orders/:workOrderId/attachments',
    {
      config: { access: 'user' },
      schema: { tags: ['工单'], summary: '工单附件列表', params: z.object({ workOrderId: z.string() }), response: { 200: z.array(ZAttachment), 404: ZErrorResponse } },
    },
    async (req) => {
      await requireWorkOrderAccess(app.services.db, ctxOf(req), req.params.workOrderId);
      return listAttachments(app.services.db, 'workOrder', req.params.workOrderId);
    },
  );

  app.get(
    '/api/attachments/:attachmentId',
    {
      config: { access: 'user' },
      schema: { tags: ['故障'], summary: '下载附件（总是作为下载，不在浏览器内执行）', params: z.object({ attachmentId: z.string() }) },
    },
    async (req, reply) => {
      const a = await readAttachment(app.services.db, ctxOf(req), req.params.attachmentId);
      return reply
        .type(a.mimeType)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('content-disposition', contentDisposition(a.fileName))
        .send(a.content);
    },
  );
};
