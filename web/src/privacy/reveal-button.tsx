/**
 * "查看明文": reveals one masked personal-data field after the user states a
 * reason. The full value is shown in the dialog only (never kept on the page),
 * and the server records the reveal in the audit trail.
 */
import { useState } from 'react';
import { Alert, Button, Form, Input, Modal, Typography } from 'antd';
import { EyeOutlined } from '@ant-design/icons';
import { api, errorMessage, unwrap } from '../api/client';
import { useT } from '../i18n/i18n';

/** Props: which record and field. */
export interface RevealButtonProps {
  entityType: 'incident' | 'workOrder';
  entityId: string;
  field: string;
  /** Field label for the dialog title. */
  label: string;
}

/** A small link that opens the reveal dialog. */
export function RevealButton({ entityType, entityId, field, label }: RevealButtonProps) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [value, setValue] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const close = (): void => {
    setOpen(false);
    setValue(null);
    setError(null);
    setReason('');
  };
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const r = await unwrap(api.POST('/api/pii/reveal', { body: { entityType, entityId, field, reason } }));
      setValue(r.value ?? '');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button type="link" size="small" icon={<EyeOutlined />} onClick={() => setOpen(true)} data-testid={`reveal-${field}`}>
        {t('pii.reveal')}
      </Button>
      <Modal
        open={open}
        title={t('pii.revealTitle', { field: label })}
        onCancel={close}
        destroyOnHidden
        footer={
          value === null
            ? [
                <Button key="cancel" onClick={close}>
                  {t('common.cancel')}
                </Button>,
                <Button key="ok" type="primary" loading={busy} disabled={reason.trim().length < 4} onClick={() => void submit()}>
                  {t('pii.revealConfirm')}
                </Button>,
              ]
            : [
                <Button key="close" type="primary" onClick={close}>
                  {t('common.close')}
                </Button>,
              ]
        }
      >
        {value === null ? (
          <Form layout="vertical">
            <Alert type="warning" showIcon message={t('pii.revealWarning')} style={{ marginBottom: 12 }} />
            <Form.Item label={t('pii.reason')} required help={t('pii.reasonHelp')}>
              <Input.TextArea rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="reveal-reason" />
            </Form.Item>
            {error && <Alert type="error" showIcon message={error} />}
          </Form>
        ) : (
          <>
            <Typography.Paragraph copyable className="cell-text" data-testid="revealed-value">
              {value ? readable(value) : t('common.dash')}
            </Typography.Paragraph>
            <Typography.Text type="secondary">{t('pii.revealedNote')}</Typography.Text>
          </>
        )}
      </Modal>
    </>
  );
}

/** A revealed value as shown: a JSON document (a work order's details or outcome) indented, other text as is. */
function readable(value: string): string {
  if (!value.startsWith('{') && !value.startsWith('[')) return value;
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}
