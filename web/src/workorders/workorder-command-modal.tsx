/**
 * One modal per work-order command, with that command's fields. It sends the
 * version the page showed when the modal opened; the server's refusal (not
 * approved yet, outside the window, wrong person, missing reason…) is shown
 * in Chinese inside the modal, and a version conflict offers a reload.
 *
 * The execution of a data work order records the evidence: the statement,
 * the record counts before and after, and the output file — uploaded to the
 * order (the server computes its SM3 digest) or, when it may not leave the
 * agency's network, declared by name and SM3 digest.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, DatePicker, Form, Input, InputNumber, Modal, Radio, Select } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { Attachment, ContractMember, WorkOrder, WorkOrderCommand, WorkOrderCommandType } from '../api/types';
import { useT, type MessageKey } from '../i18n/i18n';
import { beijingNow, beijingWallClockToIso } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { ACCEPT, formatBytes, MAX_BYTES } from '../shared/attachments-panel';
import { uploadWorkOrderAttachment } from './workorder-attachments';
import { announceInboxChange, sendWorkOrderCommand } from './workorder-api';
import { CHANGE_RESULTS, DANGER, VENDOR_ROLES } from './workorder-rules';

type OutputMode = 'attachment' | 'declare';
type Relation = 'causedIncident' | 'delivers' | 'relatesTo';

interface Values {
  note?: string;
  comment?: string;
  reason?: string;
  resolution?: string;
  assigneeUserId?: string;
  statement?: string;
  beforeCount?: number | null;
  afterCount?: number | null;
  outputMode?: OutputMode;
  outputAttachmentId?: string;
  outputFileName?: string;
  outputSm3?: string;
  outputSizeBytes?: number | null;
  method?: string;
  result?: (typeof CHANGE_RESULTS)[number];
  resultNote?: string;
  verification?: string;
  causedIncidentIds?: string[];
  deployedVersion?: string;
  publishAt?: Dayjs | null;
  targetType?: 'incident' | 'workOrder';
  targetId?: string;
  relation?: Relation;
  text?: string;
}

function opt(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s ? s : undefined;
}

/** Builds the wire command from the form values. */
function toCommand(type: WorkOrderCommandType, v: Values): WorkOrderCommand {
  const note = opt(v.note);
  const withNote = note ? { note } : {};
  switch (type) {
    case 'submit':
    case 'acknowledge':
    case 'start':
    case 'close':
    case 'unschedule':
    case 'publish':
      return { type, ...withNote };
    case 'approve':
      return { type, comment: v.comment?.trim() ?? '' };
    case 'reject':
      return { type, comment: v.comment?.trim() ?? '' };
    case 'assign':
      return { type, assigneeUserId: v.assigneeUserId ?? '', ...withNote };
    case 'resolve':
      return { type, resolution: v.resolution?.trim() ?? '' };
    case 'execute':
      return {
        type,
        statement: v.statement ?? '',
        beforeCount: v.beforeCount ?? 0,
        afterCount: v.afterCount ?? 0,
        output:
          v.outputMode === 'declare'
            ? { fileName: v.outputFileName?.trim() ?? '', sm3: (v.outputSm3 ?? '').trim().toLowerCase(), ...(typeof v.outputSizeBytes === 'number' ? { sizeBytes: v.outputSizeBytes } : {}) }
            : { attachmentId: v.outputAttachmentId ?? '' },
        ...withNote,
      };
    case 'deliver':
      return { type, method: v.method?.trim() ?? '', ...withNote };
    case 'confirm': {
      const comment = opt(v.comment);
      return { type, ...(comment ? { comment } : {}) };
    }
    case 'complete':
      return { type, result: v.result ?? 'succeeded', resultNote: v.resultNote?.trim() ?? '', verification: v.verification?.trim() ?? '', causedIncidentIds: v.causedIncidentIds ?? [] };
    case 'deploy': {
      const deployedVersion = opt(v.deployedVersion);
      return { type, ...(deployedVersion ? { deployedVersion } : {}), ...withNote };
    }
    case 'rollback':
    case 'withdraw':
    case 'cancel':
      return { type, reason: v.reason?.trim() ?? '' };
    case 'schedule':
      return { type, publishAt: v.publishAt ? beijingWallClockToIso(v.publishAt) : '' };
    case 'link':
      return { type, targetType: v.targetType ?? 'incident', targetId: v.targetId ?? '', relation: v.relation ?? 'relatesTo' };
    case 'comment':
      return { type, text: v.text?.trim() ?? '' };
  }
}

/** Commands whose note is the only field. */
const NOTE_ONLY: ReadonlySet<WorkOrderCommandType> = new Set(['submit', 'acknowledge', 'start', 'close', 'unschedule', 'publish', 'assign', 'deliver', 'deploy', 'execute']);
/** Commands with a required reason. */
const REASON_LABELS: Partial<Record<WorkOrderCommandType, MessageKey>> = { rollback: 'wo.cmd.f.reason.rollback', withdraw: 'wo.cmd.f.reason.withdraw', cancel: 'wo.cmd.f.reason.cancel' };

export interface WorkOrderCommandModalProps {
  type: WorkOrderCommandType | null;
  order: WorkOrder;
  members: ContractMember[];
  attachments: Attachment[];
  onClose: () => void;
  onDone: (message: string) => void;
  onConflict: () => void;
}

export function WorkOrderCommandModal({ type, order, members, attachments, onClose, onDone, onConflict }: WorkOrderCommandModalProps) {
  const t = useT();
  const { modal } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [version, setVersion] = useState(order.version);

  useEffect(() => {
    if (!type) return;
    setError(null);
    setVersion(order.version);
    form.resetFields();
    // only on opening: the version is the one the user saw when deciding to act
  }, [type]);

  if (!type) return null;

  const send = async () => {
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSending(true);
    setError(null);
    try {
      await sendWorkOrderCommand(order.id, version, toCommand(type, values));
      if (type === 'approve' || type === 'reject') announceInboxChange();
      onDone(t('wo.cmd.done', { action: t(`wo.cmd.${type}`) }));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'VERSION_CONFLICT') {
        onClose();
        modal.confirm({ title: t('wo.cmd.conflictTitle'), content: e.message, okText: t('cmd.conflictReload'), cancelText: t('common.cancel'), onOk: onConflict });
      } else {
        setError(errorMessage(e));
      }
    } finally {
      setSending(false);
    }
  };

  const help: MessageKey = `wo.cmd.${type}.help`;
  return (
    <Modal
      open
      title={t(`wo.cmd.${type}`)}
      okText={t('cmd.submit', { action: t(`wo.cmd.${type}`) })}
      cancelText={t('common.cancel')}
      onOk={() => void send()}
      onCancel={onClose}
      confirmLoading={sending}
      destroyOnHidden
      width={type === 'execute' || type === 'complete' ? 680 : 560}
      className={`command-modal wo-command-modal command-${type}`}
      okButtonProps={{ danger: DANGER.has(type) }}
    >
      <div className="muted small command-help">{t(help)}</div>
      {error && <Alert className="command-error" type="error" showIcon title={t('cmd.refused')} description={error} />}
      <Form<Values> form={form} layout="vertical" preserve={false} initialValues={{ outputMode: 'attachment', result: 'succeeded', targetType: 'incident', relation: 'relatesTo', deployedVersion: undefined }}>
        <CommandFields type={type} order={order} members={members} attachments={attachments} form={form} />
        {NOTE_ONLY.has(type) && (
          <Form.Item name="note" label={t('wo.cmd.f.note')} rules={[{ max: 2000 }]}>
            <Input.TextArea rows={2} maxLength={2000} />
          </Form.Item>
        )}
        {REASON_LABELS[type] && (
          <Form.Item name="reason" label={t(REASON_LABELS[type])} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.reasonRequired') }, { max: 2000 }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** The fields of one command (besides the plain note and reason). */
function CommandFields({ type, order, members, attachments, form }: { type: WorkOrderCommandType; order: WorkOrder; members: ContractMember[]; attachments: Attachment[]; form: ReturnType<typeof Form.useForm<Values>>[0] }) {
  const t = useT();
  const vendors = [...new Map(members.filter((m) => VENDOR_ROLES.includes(m.role)).map((m) => [m.userId, m])).values()];
  switch (type) {
    case 'approve':
      return (
        <Form.Item name="comment" label={t('wo.cmd.f.approveComment')} rules={[{ max: 2000 }]}>
          <Input.TextArea rows={3} maxLength={2000} placeholder={t('wo.cmd.f.approvePlaceholder')} />
        </Form.Item>
      );
    case 'reject':
      return (
        <Form.Item name="comment" label={t('wo.cmd.f.rejectComment')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.rejectRequired') }, { max: 2000 }]}>
          <Input.TextArea rows={3} maxLength={2000} placeholder={t('wo.cmd.f.rejectPlaceholder')} />
        </Form.Item>
      );
    case 'assign':
      return (
        <Form.Item name="assigneeUserId" label={t('wo.cmd.f.assignee')} rules={[{ required: true, message: t('wo.cmd.f.assigneeRequired') }]}>
          <Select showSearch optionFilterProp="label" options={vendors.map((m) => ({ value: m.userId, label: `${m.displayName}${t('common.paren', { text: t(`role.${m.role}`) })}` }))} />
        </Form.Item>
      );
    case 'resolve':
      return (
        <Form.Item name="resolution" label={t('wo.cmd.f.resolution')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.resolutionRequired') }, { max: 5000 }]}>
          <Input.TextArea rows={4} maxLength={5000} />
        </Form.Item>
      );
    case 'execute':
      return <ExecuteFields order={order} attachments={attachments} form={form} />;
    case 'deliver':
      return (
        <Form.Item name="method" label={t('wo.cmd.f.deliveryMethod')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.deliveryRequired') }, { max: 500 }]}>
          <Input maxLength={500} placeholder={t('wo.cmd.f.deliveryPlaceholder')} />
        </Form.Item>
      );
    case 'confirm':
      return (
        <Form.Item name="comment" label={t('wo.cmd.f.confirmComment')} rules={[{ max: 2000 }]}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      );
    case 'complete':
      return (
        <>
          <Form.Item name="result" label={t('wo.out.result')} rules={[{ required: true }]}>
            <Radio.Group optionType="button" options={CHANGE_RESULTS.map((r) => ({ value: r, label: t(`wo.result.${r}`) }))} />
          </Form.Item>
          <Form.Item name="resultNote" label={t('wo.out.resultNote')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.resultNoteRequired') }, { max: 5000 }]}>
            <Input.TextArea rows={3} maxLength={5000} />
          </Form.Item>
          <Form.Item name="verification" label={t('wo.out.verification')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.verificationRequired') }, { max: 5000 }]}>
            <Input.TextArea rows={3} maxLength={5000} />
          </Form.Item>
          <Form.Item name="causedIncidentIds" label={t('wo.cmd.f.causedIncidents')} extra={t('wo.cmd.f.causedIncidentsHelp')}>
            <IncidentSelect contractId={order.contractId} multiple />
          </Form.Item>
        </>
      );
    case 'deploy':
      return (
        <Form.Item name="deployedVersion" label={t('wo.cmd.f.deployedVersion')} extra={t('wo.cmd.f.deployedVersionHelp')} rules={[{ max: 100 }]}>
          <Input maxLength={100} />
        </Form.Item>
      );
    case 'schedule':
      return (
        <Form.Item name="publishAt" label={t('wo.cmd.f.publishAt')} rules={[{ required: true, message: t('wo.cmd.f.publishAtRequired') }]}>
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" disabledDate={(d) => d.isBefore(beijingNow(), 'day')} />
        </Form.Item>
      );
    case 'link':
      return <LinkFields order={order} form={form} />;
    case 'comment':
      return (
        <Form.Item name="text" label={t('wo.cmd.f.comment')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.commentRequired') }, { max: 5000 }]}>
          <Input.TextArea rows={4} maxLength={5000} />
        </Form.Item>
      );
    case 'submit':
    case 'acknowledge':
    case 'start':
    case 'close':
    case 'unschedule':
    case 'publish':
    case 'rollback':
    case 'withdraw':
    case 'cancel':
      return null;
  }
}

/** Statement, counts and the output file of a data work order's execution. */
function ExecuteFields({ order, attachments, form }: { order: WorkOrder; attachments: Attachment[]; form: ReturnType<typeof Form.useForm<Values>>[0] }) {
  const t = useT();
  const { message } = App.useApp();
  const mode = Form.useWatch('outputMode', form) ?? 'attachment';
  const [uploaded, setUploaded] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const files = [...attachments, ...uploaded.filter((u) => !attachments.some((a) => a.id === u.id))];

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_BYTES) {
      message.error(t('att.tooLarge', { name: file.name }));
      return;
    }
    setUploading(true);
    try {
      const r = await uploadWorkOrderAttachment(order.id, file);
      setUploaded((prev) => [...prev, { id: r.id, fileName: r.fileName, mimeType: r.mimeType, sizeBytes: r.sizeBytes, digest: r.digest, uploadedAt: new Date().toISOString(), uploadedBy: null }]);
      form.setFieldValue('outputAttachmentId', r.id);
      message.success(t('att.uploaded', { name: r.fileName }));
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setUploading(false);
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  return (
    <>
      <Form.Item name="statement" label={t('wo.cmd.f.statement')} extra={t('wo.cmd.f.statementHelp')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.statementRequired') }]}>
        <Input.TextArea rows={5} className="mono" placeholder="SELECT …" />
      </Form.Item>
      <div className="form-grid-2">
        <Form.Item name="beforeCount" label={t('wo.cmd.f.beforeCount')} rules={[{ required: true, message: t('wo.cmd.f.countRequired') }]}>
          <InputNumber min={0} precision={0} className="full-width" />
        </Form.Item>
        <Form.Item name="afterCount" label={t('wo.cmd.f.afterCount')} rules={[{ required: true, message: t('wo.cmd.f.countRequired') }]}>
          <InputNumber min={0} precision={0} className="full-width" />
        </Form.Item>
      </div>
      <Form.Item name="outputMode" label={t('wo.cmd.f.output')}>
        <Radio.Group
          options={[
            { value: 'attachment', label: t('wo.cmd.f.outputUpload') },
            { value: 'declare', label: t('wo.cmd.f.outputDeclare') },
          ]}
        />
      </Form.Item>
      {mode === 'attachment' ? (
        <div className="wo-output-pick">
          <Form.Item name="outputAttachmentId" label={t('wo.cmd.f.outputFile')} rules={[{ required: true, message: t('wo.cmd.f.outputFileRequired') }]} className="wo-output-select">
            <Select
              placeholder={t('wo.cmd.f.outputFilePlaceholder')}
              options={files.map((a) => ({ value: a.id, label: `${a.fileName}（${formatBytes(a.sizeBytes)}，SM3 ${a.digest.slice(0, 12)}…）` }))}
              notFoundContent={t('wo.cmd.f.noFiles')}
            />
          </Form.Item>
          {/* inline: the form's own style shows file inputs, over the .hidden-file class */}
          <input ref={fileInput} type="file" accept={ACCEPT} className="hidden-file" style={{ display: 'none' }} aria-label={t('wo.cmd.f.uploadOutput')} onChange={(e) => void onFile(e.target.files?.[0])} />
          <Button icon={<UploadOutlined />} loading={uploading} onClick={() => fileInput.current?.click()} className="wo-upload-button">
            {t('wo.cmd.f.uploadOutput')}
          </Button>
        </div>
      ) : (
        <>
          <div className="form-grid-2">
            <Form.Item name="outputFileName" label={t('wo.cmd.f.outputFileName')} rules={[{ required: true, whitespace: true, message: t('wo.cmd.f.outputFileNameRequired') }, { max: 200 }]}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name="outputSizeBytes" label={t('wo.cmd.f.outputSize')}>
              <InputNumber min={0} precision={0} className="full-width" />
            </Form.Item>
          </div>
          <Form.Item
            name="outputSm3"
            label={t('wo.cmd.f.outputSm3')}
            extra={t('wo.cmd.f.outputSm3Help')}
            rules={[
              { required: true, message: t('wo.cmd.f.outputSm3Required') },
              { pattern: /^\s*[0-9a-fA-F]{64}\s*$/, message: t('wo.cmd.f.outputSm3Format') },
            ]}
          >
            <Input className="mono" maxLength={70} />
          </Form.Item>
        </>
      )}
    </>
  );
}

/** Incidents of the contract to pick from (newest first). */
function IncidentSelect({ contractId, multiple, value, onChange }: { contractId: string; multiple?: boolean; value?: string | string[]; onChange?: (v: string | string[]) => void }) {
  const t = useT();
  const q = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/incidents', { params: { path: { contractId }, query: { limit: 200 } } })), [contractId]);
  return (
    <Select
      mode={multiple ? 'multiple' : undefined}
      allowClear
      showSearch
      optionFilterProp="label"
      loading={q.loading}
      value={value}
      onChange={onChange}
      placeholder={t('wo.cmd.f.pickIncident')}
      options={(q.data ?? []).map((i) => ({ value: i.id, label: `${i.number} ${i.title}` }))}
    />
  );
}

/** Other work orders of the contract to pick from. */
function WorkOrderSelect({ order, value, onChange }: { order: WorkOrder; value?: string; onChange?: (v: string) => void }) {
  const t = useT();
  const q = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/work-orders', { params: { path: { contractId: order.contractId }, query: { limit: 200 } } })), [order.contractId]);
  return (
    <Select
      allowClear
      showSearch
      optionFilterProp="label"
      loading={q.loading}
      value={value}
      onChange={onChange}
      placeholder={t('wo.cmd.f.pickWorkOrder')}
      options={(q.data?.items ?? []).filter((w) => w.id !== order.id).map((w) => ({ value: w.id, label: `${w.number} ${t(`wo.kind.${w.kind}`)} ${w.title}` }))}
    />
  );
}

function LinkFields({ order, form }: { order: WorkOrder; form: ReturnType<typeof Form.useForm<Values>>[0] }) {
  const t = useT();
  const targetType = Form.useWatch('targetType', form) ?? 'incident';
  const relations: Relation[] = targetType === 'incident' ? ['causedIncident', 'relatesTo'] : ['delivers', 'relatesTo'];
  return (
    <>
      <Form.Item name="targetType" label={t('wo.cmd.f.linkTarget')}>
        <Radio.Group
          optionType="button"
          onChange={() => form.setFieldsValue({ targetId: undefined, relation: 'relatesTo' })}
          options={[
            { value: 'incident', label: t('wo.cmd.f.linkIncident') },
            { value: 'workOrder', label: t('wo.cmd.f.linkWorkOrder') },
          ]}
        />
      </Form.Item>
      <Form.Item name="targetId" label={targetType === 'incident' ? t('wo.cmd.f.linkIncident') : t('wo.cmd.f.linkWorkOrder')} rules={[{ required: true, message: t('wo.cmd.f.linkRequired') }]}>
        {targetType === 'incident' ? <IncidentSelect contractId={order.contractId} /> : <WorkOrderSelect order={order} />}
      </Form.Item>
      <Form.Item name="relation" label={t('wo.cmd.f.relation')}>
        <Radio.Group options={relations.map((r) => ({ value: r, label: t(`wo.relation.${r}`) }))} />
      </Form.Item>
    </>
  );
}
