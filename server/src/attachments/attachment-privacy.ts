/**
 * Attachments at contract close-out: every file of the contract goes into the
 * return package (with its SM3), then its content is destroyed.
 */
import { fileContentDestruction, registerPersonalDataHolder } from '../privacy/closeout.service.ts';

let registered = false;

/** Declare attachments to the close-out (idempotent). */
export function registerAttachmentPrivacy(): void {
  if (registered) return;
  registered = true;
  registerPersonalDataHolder({
    key: 'attachments',
    label: '附件文件（截图、证据、协议扫描件等）',
    collect: async (db, contractId) => {
      const rows = await db
        .selectFrom('attachments')
        .select(['id', 'subject_type', 'file_name', 'digest_sm3', 'content'])
        .where('contract_id', '=', contractId)
        .where('content', 'is not', null)
        .orderBy('uploaded_at')
        .execute();
      return {
        sheets: [],
        files: rows.map((r) => ({ path: `附件/${r.subject_type}/${r.id}-${r.file_name}`, content: new Uint8Array(r.content ?? Buffer.alloc(0)), digestSm3: r.digest_sm3 })),
      };
    },
    ...fileContentDestruction('attachments'),
  });
}
