/**
 * Security labels (安全标记) in the UI: the tag shown on lists and details,
 * and the dialog with which the agency's administrator or project lead
 * changes a record's label (POST …/label, version-checked, audited).
 */
import { useState } from 'react';
import { Alert, App, Button, Form, Input, Modal, Radio, Tag, Tooltip } from 'antd';
import { SafetyOutlined, WarningOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { IncidentDetail } from '../api/types';
import { useT } from '../i18n/i18n';

/** A security label key. */
export type SecurityLabel = IncidentDetail['incident']['securityLabel'];

/** Every label, lowest first. */
export const SECURITY_LABELS: readonly SecurityLabel[] = ['public', 'internal', 'sensitive'];

const COLORS: Record<SecurityLabel, string | undefined> = { public: undefined, internal: 'blue', sensitive: 'red' };

/** The label as a tag; a label whose integrity check failed is shown as such. */
export function SecurityLabelTag({ label, integrityFailed = false }: { label: SecurityLabel; integrityFailed?: boolean }) {
  const t = useT();
  if (integrityFailed) {
    return (
      <Tooltip title={t('label.integrityFailedHint')}>
        <Tag color="red" icon={<WarningOutlined />} className="security-label-tag" data-label={label} data-integrity="failed">
          {t('label.integrityFailed')}
        </Tag>
      </Tooltip>
    );
  }
  return (
    <Tooltip title={t('label.tooltip')}>
      <Tag color={COLORS[label]} icon={<SafetyOutlined />} className="security-label-tag" data-label={label}>
        {t(`label.${label}`)}
      </Tag>
    </Tooltip>
  );
}

interface ChangeLabelProps {
  kind: 'incident' | 'workOrder';
  id: string;
  version: number;
  current: SecurityLabel;
  /** The labels the caller may set (not above their clearance). */
  choices: readonly SecurityLabel[];
  onDone: () => void;
}

/** The "调整标记" button and its dialog. */
export function ChangeLabelButton({ kind, id, version, current, choices, onDone }: ChangeLabelProps) {
  const t = useT();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ securityLabel: SecurityLabel; reason: string }>();
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const max = choices.at(-1) ?? 'public';

  const send = async () => {
    let values: { securityLabel: SecurityLabel; reason: string };
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSending(true);
    setError(null);
    try {
      const body = { version, securityLabel: values.securityLabel, reason: values.reason };
      if (kind === 'incident') await unwrap(api.POST('/api/incidents/{incidentId}/label', { params: { path: { incidentId: id } }, body }));
      else await unwrap(api.POST('/api/work-orders/{workOrderId}/label', { params: { path: { workOrderId: id } }, body }));
      message.success(t('label.changed'));
      setOpen(false);
      onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : errorMessage(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <>
      <Button icon={<SafetyOutlined />} onClick={() => setOpen(true)} data-command="changeLabel">
        {t('label.change')}
      </Button>
      {open && (
        <Modal
          open
          title={t('label.changeTitle')}
          okText={t('label.change')}
          cancelText={t('common.cancel')}
          onOk={() => void send()}
          onCancel={() => setOpen(false)}
          confirmLoading={sending}
          destroyOnHidden
          className="command-modal label-modal"
        >
          <div className="muted small command-help">{t('label.changeHint', { max: t(`label.${max}`) })}</div>
          {error && <Alert className="command-error" type="error" showIcon title={t('cmd.refused')} description={error} />}
          <Form form={form} layout="vertical" preserve={false} initialValues={{ securityLabel: current }}>
            <Form.Item name="securityLabel" label={t('label.new')} rules={[{ required: true }]}>
              <Radio.Group options={choices.map((l) => ({ value: l, label: t(`label.${l}`) }))} optionType="button" />
            </Form.Item>
            <Form.Item name="reason" label={t('label.reason')} rules={[{ required: true, whitespace: true, message: t('label.reasonRequired') }, { max: 500 }]}>
              <Input.TextArea rows={3} maxLength={500} />
            </Form.Item>
          </Form>
        </Modal>
      )}
    </>
  );
}
