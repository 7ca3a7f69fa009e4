/**
 * Vendor staff files at contract close-out: the roster (names, positions,
 * qualifications, background checks, agreements) goes into the return
 * package as a sheet, and every roster file (confidentiality agreements,
 * background-check material, certificates, entry and exit forms) with its
 * SM3; then the files' content is destroyed with the rest of the contract's
 * personal data, and the verification counts any file still holding content.
 * The roster rows stay (they carry no files and feed the staffing history).
 */
import { fileContentDestruction, registerPersonalDataHolder, type ReturnSheet } from '../privacy/closeout.service.ts';
import type { StaffDocumentKind } from '../db/schema.ts';
import { EDUCATION_LABELS } from './staff-rules.ts';

/** Chinese names of the roster file kinds (file names in the package). */
export const STAFF_DOCUMENT_KIND_NAMES: Readonly<Record<StaffDocumentKind, string>> = {
  agreement: '保密协议',
  backgroundCheck: '背景审查材料',
  qualification: '资质证书',
  entryApplication: '入场申请单',
  exitApplication: '离场申请单',
  other: '其他材料',
};

let registered = false;

/** Declare the roster files to the close-out (idempotent). */
export function registerStaffPrivacy(): void {
  if (registered) return;
  registered = true;
  registerPersonalDataHolder({
    key: 'staffDocuments',
    label: '乙方人员档案文件（保密协议、背景审查材料、资质证书、入离场申请单等）',
    collect: async (db, contractId) => {
      const members = await db
        .selectFrom('staff_members')
        .select(['id', 'person_name', 'position_name', 'education', 'system_start_on', 'background_check_on', 'background_check_result', 'agreement_signed_on', 'status', 'started_on', 'left_on', 'qualifications'])
        .where('contract_id', '=', contractId)
        .orderBy('created_at')
        .execute();
      const docs = await db
        .selectFrom('staff_documents')
        .select(['id', 'staff_member_id', 'kind', 'file_name', 'digest_sm3', 'uploaded_at', 'content'])
        .where('contract_id', '=', contractId)
        .where('content', 'is not', null)
        .orderBy('uploaded_at')
        .execute();
      const names = new Map(members.map((m) => [m.id, m.person_name]));
      const path = (d: (typeof docs)[number]) => `人员档案/${names.get(d.staff_member_id) ?? d.staff_member_id}/${STAFF_DOCUMENT_KIND_NAMES[d.kind]}-${d.id.slice(0, 8)}-${d.file_name}`;
      const roster: ReturnSheet = {
        name: '乙方人员名册',
        columns: [
          { key: 'name', header: '姓名' },
          { key: 'position', header: '岗位' },
          { key: 'education', header: '学历' },
          { key: 'qualifications', header: '资质', width: 40 },
          { key: 'systemStartOn', header: '从事本系统运维起始日' },
          { key: 'backgroundCheck', header: '背景审查' },
          { key: 'agreementSignedOn', header: '保密协议签署日' },
          { key: 'status', header: '状态' },
          { key: 'startedOn', header: '进场日' },
          { key: 'leftOn', header: '离场日' },
          { key: 'files', header: '档案文件（返还包中的路径）', width: 60 },
        ],
        rows: members.map((m) => ({
          name: m.person_name,
          position: m.position_name,
          education: EDUCATION_LABELS[m.education],
          qualifications: m.qualifications.map((q) => [q.name, q.certificateNo].filter(Boolean).join(' ')).join('；'),
          systemStartOn: m.system_start_on,
          backgroundCheck: m.background_check_on ? `${m.background_check_on} ${m.background_check_result ?? ''}`.trim() : '',
          agreementSignedOn: m.agreement_signed_on,
          status: m.status,
          startedOn: m.started_on,
          leftOn: m.left_on,
          files: docs.filter((d) => d.staff_member_id === m.id).map(path).join('\n'),
        })),
      };
      const files = docs.map((d) => ({ path: path(d), content: new Uint8Array(d.content ?? Buffer.alloc(0)), digestSm3: d.digest_sm3 }));
      const sheets = members.length > 0 ? [roster] : [];
      return { sheets, files };
    },
    ...fileContentDestruction('staff_documents'),
  });
}
