/**
 * The small roster dialogs: decline, departure, replacement request, file
 * upload (multipart, sent with fetch and FormData — the one request the
 * generated client does not fit), withdrawal and naming a replacement.
 */
import { useRef, useState, type ReactNode } from 'react';
import { Alert, App, Button, Checkbox, DatePicker, Form, Input, Modal, Select } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api, errorMessage, toApiError, unwrap } from '../api/client';
import { apiUrl } from '../api/urls';
import { useT } from '../i18n/i18n';
import { DOCUMENT_KINDS, type ReplacementRequest, type Roster, type StaffDocumentKind, type StaffMember, type UploadedStaffDocument } from './staff-types';

const ACCEPT = '.pdf,.png,.jpg,.jpeg,.docx';
const MAX_BYTES = 10 * 1024 * 1024;

/** Uploads one file to a roster entry. */
export async function uploadStaffDocument(staffId: string, kind: StaffDocumentKind, signedOn: string | undefined, file: File): Promise<UploadedStaffDocument> {
  const body = new FormData();
  body.append('file', file, file.name);
  const url = apiUrl('/api/staff/{staffId}/documents', 'post', { staffId }, { kind, ...(signedOn ? { signedOn } : {}) });
  const res = await fetch(url, { method: 'POST', body, credentials: 'include' });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) throw toApiError(res.status, json);
  return json as UploadedStaffDocument;
}

/** A modal with one form that calls `run` on OK and reports errors. */
function FormDialog<V extends object>({ title, onClose, run, children, danger, initialValues }: { title: string; onClose: () => void; run: (v: V) => Promise<void>; children: ReactNode; danger?: boolean; initialValues?: Partial<V> }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<V>();
  const [busy, setBusy] = useState(false);
  const ok = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await run(v);
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={title} onCancel={onClose} onOk={() => void ok()} confirmLoading={busy} okButtonProps={{ danger }} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={initialValues}>
        {children}
      </Form>
    </Modal>
  );
}

export function RejectDialog({ member, onClose, onDone }: { member: StaffMember; onClose: () => void; onDone: () => void }) {
  const t = useT();
  return (
    <FormDialog<{ reason: string }>
      title={t('staff.dlg.rejectTitle', { name: member.personName })}
      onClose={onClose}
      danger
      run={async (v) => {
        await unwrap(api.POST('/api/staff/{staffId}/reject', { params: { path: { staffId: member.id } }, body: { version: member.version, reason: v.reason } }));
        onDone();
      }}
    >
      <Form.Item name="reason" label={t('staff.dlg.reason')} rules={[{ required: true, whitespace: true, message: t('staff.form.required') }]}>
        <Input.TextArea rows={3} maxLength={1000} />
      </Form.Item>
    </FormDialog>
  );
}

export function LeaveDialog({ member, today, onClose, onDone }: { member: StaffMember; today: string; onClose: () => void; onDone: (r: { revokedGrants: number; endedSessions: number }) => void }) {
  const t = useT();
  return (
    <FormDialog<{ reason: string; leftOn: Dayjs }>
      title={t('staff.dlg.leaveTitle', { name: member.personName })}
      onClose={onClose}
      danger
      initialValues={{ leftOn: dayjs(today) }}
      run={async (v) => {
        const r = await unwrap(api.POST('/api/staff/{staffId}/leave', { params: { path: { staffId: member.id } }, body: { version: member.version, reason: v.reason, leftOn: v.leftOn.format('YYYY-MM-DD') } }));
        onDone(r);
      }}
    >
      <Alert type="warning" showIcon className="dialog-alert" title={t('staff.dlg.leaveWarn')} />
      <Form.Item name="leftOn" label={t('staff.dlg.leftOn')} rules={[{ required: true, message: t('staff.form.required') }]}>
        <DatePicker disabledDate={(d) => d.format('YYYY-MM-DD') > today} />
      </Form.Item>
      <Form.Item name="reason" label={t('staff.dlg.reason')} rules={[{ required: true, whitespace: true, message: t('staff.form.required') }]}>
        <Input.TextArea rows={3} maxLength={1000} />
      </Form.Item>
    </FormDialog>
  );
}

export function ReplaceDialog({ member, onClose, onDone }: { member: StaffMember; onClose: () => void; onDone: (dueAt: string) => void }) {
  const t = useT();
  return (
    <FormDialog<{ reason: string; removeNow?: boolean }>
      title={t('staff.dlg.replaceTitle', { name: member.personName })}
      onClose={onClose}
      run={async (v) => {
        const r = await unwrap(api.POST('/api/staff/{staffId}/replacement-requests', { params: { path: { staffId: member.id } }, body: { reason: v.reason, removeNow: v.removeNow === true } }));
        onDone(r.dueAt);
      }}
    >
      <Alert type="info" showIcon className="dialog-alert" title={t('staff.dlg.replaceHint')} />
      <Form.Item name="reason" label={t('staff.dlg.reason')} rules={[{ required: true, whitespace: true, message: t('staff.form.required') }]}>
        <Input.TextArea rows={3} maxLength={2000} />
      </Form.Item>
      <Form.Item name="removeNow" valuePropName="checked">
        <Checkbox>{t('staff.dlg.removeNow')}</Checkbox>
      </Form.Item>
    </FormDialog>
  );
}

export function UploadDialog({ member, today, onClose, onDone }: { member: StaffMember; today: string; onClose: () => void; onDone: (name: string) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [kind, setKind] = useState<StaffDocumentKind>(member.agreementDocumentId ? 'qualification' : 'agreement');
  return (
    <FormDialog<{ kind: StaffDocumentKind; signedOn?: Dayjs }>
      title={t('staff.dlg.uploadTitle', { name: member.personName })}
      onClose={onClose}
      initialValues={{ kind }}
      run={async (v) => {
        if (!file) {
          message.warning(t('staff.dlg.chooseFile'));
          return;
        }
        if (file.size > MAX_BYTES) {
          message.error(t('att.tooLarge', { name: file.name }));
          return;
        }
        const r = await uploadStaffDocument(member.id, v.kind, v.signedOn ? v.signedOn.format('YYYY-MM-DD') : undefined, file);
        onDone(r.fileName);
      }}
    >
      <Form.Item name="kind" label={t('staff.dlg.kind')}>
        <Select onChange={(k: StaffDocumentKind) => setKind(k)} options={DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`staff.doc.${k}`) }))} />
      </Form.Item>
      {kind === 'agreement' && (
        <Form.Item name="signedOn" label={t('staff.dlg.signedOn')} rules={[{ required: true, message: t('staff.form.required') }]}>
          <DatePicker disabledDate={(d) => d.format('YYYY-MM-DD') > today} />
        </Form.Item>
      )}
      <Form.Item label={t('staff.dlg.file')} extra={t('staff.dlg.fileHint')}>
        <input ref={input} type="file" accept={ACCEPT} className="hidden-file" aria-label={t('staff.dlg.file')} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        <Button icon={<UploadOutlined />} onClick={() => input.current?.click()}>
          {file ? file.name : t('staff.dlg.chooseFile')}
        </Button>
      </Form.Item>
    </FormDialog>
  );
}

export function WithdrawDialog({ request, onClose, onDone }: { request: ReplacementRequest; onClose: () => void; onDone: () => void }) {
  const t = useT();
  return (
    <FormDialog<{ reason: string }>
      title={t('staff.dlg.withdrawTitle')}
      onClose={onClose}
      danger
      run={async (v) => {
        await unwrap(api.POST('/api/staff-replacements/{requestId}/withdraw', { params: { path: { requestId: request.id } }, body: { reason: v.reason } }));
        onDone();
      }}
    >
      <Form.Item name="reason" label={t('staff.dlg.reason')} rules={[{ required: true, whitespace: true, message: t('staff.form.required') }]}>
        <Input.TextArea rows={3} maxLength={1000} />
      </Form.Item>
    </FormDialog>
  );
}

export function FulfilDialog({ request, roster, onClose, onDone }: { request: ReplacementRequest; roster: Roster; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const candidates = roster.members.filter((m) => m.id !== request.staffMemberId && (m.status === 'proposed' || m.status === 'accepted' || m.status === 'active'));
  return (
    <FormDialog<{ replacementStaffId: string }>
      title={t('staff.dlg.fulfilTitle')}
      onClose={onClose}
      run={async (v) => {
        await unwrap(api.POST('/api/staff-replacements/{requestId}/fulfil', { params: { path: { requestId: request.id } }, body: { replacementStaffId: v.replacementStaffId } }));
        onDone();
      }}
    >
      <Form.Item name="replacementStaffId" label={t('staff.dlg.replacement')} rules={[{ required: true, message: t('staff.form.required') }]}>
        <Select showSearch optionFilterProp="label" options={candidates.map((m) => ({ value: m.id, label: `${m.personName} · ${m.positionName} · ${t(`staff.status.${m.status}`)}` }))} />
      </Form.Item>
    </FormDialog>
  );
}
