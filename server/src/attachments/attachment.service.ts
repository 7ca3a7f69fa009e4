/**
 * Attachments on tickets: type checked by content (magic bytes, via
 * `file-type`), never by the name; size limited; archives limited
 * (archive-limits.ts); scanned by clamd when configured (malware-scan.ts);
 * stored in PostgreSQL with an SM3 digest; uploads and downloads audited.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { REPORTERS, requireIncidentAccess } from '../incidents/incident.service.ts';
import { checkArchive, ZIP_CONTAINER_TYPES } from './archive-limits.ts';
import { ScannerUnavailableError, type FileScanner } from './malware-scan.ts';

/** Largest accepted file. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** Accepted content types and the file extensions that may claim them. */
const ALLOWED: Record<string, readonly string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/zip': ['zip'],
  'text/plain': ['txt', 'log', 'csv'],
};

/** Plain text: valid UTF-8 with no control characters other than tab, CR, LF. */
function looksLikeText(buf: Buffer): boolean {
  if (buf.length === 0) return false;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (text.includes('\uFFFD')) return false;
  return !/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(text);
}

/** Detect the content type; throws ATTACHMENT_TYPE_REFUSED when not allowed or not matching the name. */
export async function detectAllowedType(fileName: string, buf: Buffer): Promise<string> {
  const ext = (/\.([A-Za-z0-9]+)$/.exec(fileName)?.[1] ?? '').toLowerCase();
  const detected = await fileTypeFromBuffer(buf);
  const mime = detected?.mime ?? (looksLikeText(buf) ? 'text/plain' : null);
  const allowedExts = mime ? ALLOWED[mime] : undefined;
  if (!mime || !allowedExts) {
    throw new AppError('ATTACHMENT_TYPE_REFUSED', `不支持的文件类型${detected ? `（内容为 ${detected.ext}）` : ''}：仅接受图片（PNG、JPG、GIF、WebP）、PDF、Word、Excel、ZIP 和纯文本`);
  }
  if (!allowedExts.includes(ext)) {
    throw new AppError('ATTACHMENT_TYPE_REFUSED', `文件「${fileName}」的内容是 ${allowedExts[0]?.toUpperCase() ?? mime}，与扩展名不符，已拒绝`);
  }
  return mime;
}

/** Store an attachment on an incident the caller may see. */
export async function addIncidentAttachment(db: Db, ctx: Ctx, incidentId: string, fileName: string, content: Buffer, scanner: FileScanner | null) {
  const inc = await requireIncidentAccess(db, ctx, incidentId, REPORTERS);
  const file = await prepareAttachment(db, ctx, { contractId: inc.contractId, subjectType: 'incident', subjectId: incidentId }, fileName, content, scanner);
  const { fileName: safeName, mimeType: mime, digest } = file;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('attachments')
      .values({ contract_id: inc.contractId, subject_type: 'incident', subject_id: incidentId, file_name: safeName, mime_type: mime, size_bytes: content.length, digest_sm3: digest, content, uploaded_by: ctx.user.id, uploaded_at: ctx.now })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    await trx.insertInto('incident_events').values({ incident_id: incidentId, type: 'attachmentAdded', at: ctx.now, actor_user_id: ctx.user.id, actor_name: ctx.user.displayName, actor_role: null, data: JSON.stringify({ fileName: safeName, sizeBytes: content.length, mimeType: mime }) }).execute();
    await recordAudit(trx, actorOf(ctx), { action: 'attachment.added', entityType: 'attachment', entityId: row.id, contractId: inc.contractId, after: { incidentId, fileName: safeName, mimeType: mime, sizeBytes: content.length, digest } }, ctx.now);
    return { id: row.id, fileName: safeName, mimeType: mime, sizeBytes: content.length, digest };
  });
}

/** Attachments of an incident (metadata only). */
export async function listIncidentAttachments(db: Db, incidentId: string) {
  const rows = await db
    .selectFrom('attachments as a')
    .leftJoin('users as u', 'u.id', 'a.uploaded_by')
    .select(['a.id', 'a.file_name', 'a.mime_type', 'a.size_bytes', 'a.digest_sm3', 'a.uploaded_at', 'u.display_name'])
    .where('a.subject_type', '=', 'incident')
    .where('a.subject_id', '=', incidentId)
    .where('a.deleted_at', 'is', null)
    .where('a.destroyed_at', 'is', null)
    .orderBy('a.uploaded_at')
    .execute();
  return rows.map((r) => ({ id: r.id, fileName: r.file_name, mimeType: r.mime_type, sizeBytes: r.size_bytes, digest: r.digest_sm3, uploadedAt: new Date(r.uploaded_at).toISOString(), uploadedBy: r.display_name }));
}

function attachmentNotFound(): AppError {
  return new AppError('NOT_FOUND', '附件不存在，或您无权查看');
}

/** Checks that the caller may see a record that carries attachments (throws that record's 404 otherwise). */
export type AttachmentParentAccess = (db: Db, ctx: Ctx, subjectId: string) => Promise<unknown>;

const parents = new Map<string, AttachmentParentAccess>([['incident', (db, ctx, id) => requireIncidentAccess(db, ctx, id)]]);

/** Declare how the parent records of a subject type are checked (work orders register theirs). */
export function registerAttachmentParent(subjectType: string, access: AttachmentParentAccess): void {
  parents.set(subjectType, access);
}

/**
 * Download an attachment the caller may see, audited. Access is the parent
 * record's: contract, role and district/street scope; anything else is 404.
 */
export async function readAttachment(db: Db, ctx: Ctx, id: string) {
  const a = /^[0-9a-f-]{36}$/i.test(id) ? await db.selectFrom('attachments').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst() : undefined;
  if (!a) throw attachmentNotFound();
  const parentAccess = parents.get(a.subject_type);
  if (!parentAccess) throw attachmentNotFound();
  await parentAccess(db, ctx, a.subject_id).catch((e: unknown) => {
    throw e instanceof AppError && e.status === 404 ? attachmentNotFound() : e;
  });
  if (!a.content) throw new AppError('NOT_FOUND', '附件已在合同终止时按规定销毁');
  await db.transaction().execute((trx) => recordAudit(trx, actorOf(ctx), { action: 'attachment.downloaded', entityType: 'attachment', entityId: a.id, contractId: a.contract_id, after: { fileName: a.file_name } }, ctx.now));
  return { fileName: a.file_name, mimeType: a.mime_type, content: a.content };
}

/** A file checked and ready to store: a safe name, its type by content, its SM3 digest. */
export interface PreparedAttachment {
  fileName: string;
  mimeType: string;
  digest: string;
  content: Buffer;
}

/** The record an upload is for (named in the audit row of a refused file). */
export interface UploadTarget {
  contractId: string;
  subjectType: string;
  subjectId: string;
}

/**
 * Check a file before storing it on any record: size, type by content,
 * archive limits, and the virus scan when a scanner is configured. A file
 * with malware is refused (422) and its refusal audited; when the scanner
 * cannot give a verdict the file is refused too (503, fail closed).
 */
export async function prepareAttachment(db: Db, ctx: Ctx, target: UploadTarget, fileName: string, content: Buffer, scanner: FileScanner | null): Promise<PreparedAttachment> {
  if (content.length > MAX_ATTACHMENT_BYTES) throw new AppError('ATTACHMENT_TOO_LARGE', `文件超过 ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB 上限`);
  const safeName = fileName.replace(/[\\/\u0000-\u001F]/g, '_').slice(0, 200) || 'file';
  const mimeType = await detectAllowedType(safeName, content);
  if (ZIP_CONTAINER_TYPES.has(mimeType)) await checkArchive(safeName, content);
  const digest = sm3Hex(content);
  if (scanner) {
    const verdict = await scanner.scan(content).catch((e: unknown) => {
      // the scanner's address and its error stay in the server's log, not in the answer
      throw new AppError('MALWARE_SCAN_UNAVAILABLE', '病毒扫描服务暂不可用，为安全起见文件暂不能上传，请稍后重试或联系管理员', {
        reason: e instanceof ScannerUnavailableError ? 'scannerUnavailable' : 'scanFailed',
      });
    });
    if (!verdict.clean) {
      await db.transaction().execute((trx) =>
        recordAudit(
          trx,
          actorOf(ctx),
          { action: 'attachment.malwareRefused', entityType: target.subjectType, entityId: target.subjectId, contractId: target.contractId, after: { fileName: safeName, mimeType, sizeBytes: content.length, digest, signature: verdict.signature } },
          ctx.now,
        ),
      );
      throw new AppError('ATTACHMENT_MALWARE_FOUND', `文件「${safeName}」经病毒扫描发现恶意代码（${verdict.signature}），已拒绝上传，未保存任何内容`);
    }
  }
  return { fileName: safeName, mimeType, digest, content };
}

/**
 * Store a prepared file on a record of any kind (`subjectType`, e.g.
 * `workOrder`) inside the caller's transaction, with its audit row; the
 * caller adds the record's own timeline event.
 */
export async function insertAttachment(trx: Trx, ctx: Ctx, contractId: string, subjectType: string, subjectId: string, file: PreparedAttachment) {
  const row = await trx
    .insertInto('attachments')
    .values({ contract_id: contractId, subject_type: subjectType, subject_id: subjectId, file_name: file.fileName, mime_type: file.mimeType, size_bytes: file.content.length, digest_sm3: file.digest, content: file.content, uploaded_by: ctx.user.id, uploaded_at: ctx.now })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  await recordAudit(trx, actorOf(ctx), { action: 'attachment.added', entityType: 'attachment', entityId: row.id, contractId, after: { subjectType, subjectId, fileName: file.fileName, mimeType: file.mimeType, sizeBytes: file.content.length, digest: file.digest } }, ctx.now);
  return { id: row.id, fileName: file.fileName, mimeType: file.mimeType, sizeBytes: file.content.length, digest: file.digest };
}

/** Attachments of a record of any kind (metadata only; destroyed files are not listed). */
export async function listAttachments(db: Db, subjectType: string, subjectId: string) {
  const rows = await db
    .selectFrom('attachments as a')
    .leftJoin('users as u', 'u.id', 'a.uploaded_by')
    .select(['a.id', 'a.file_name', 'a.mime_type', 'a.size_bytes', 'a.digest_sm3', 'a.uploaded_at', 'u.display_name'])
    .where('a.subject_type', '=', subjectType)
    .where('a.subject_id', '=', subjectId)
    .where('a.deleted_at', 'is', null)
    .where('a.content', 'is not', null)
    .orderBy('a.uploaded_at')
    .execute();
  return rows.map((r) => ({ id: r.id, fileName: r.file_name, mimeType: r.mime_type, sizeBytes: r.size_bytes, digest: r.digest_sm3, uploadedAt: new Date(r.uploaded_at).toISOString(), uploadedBy: r.display_name }));
}
