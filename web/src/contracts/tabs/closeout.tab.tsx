/**
 * 合同终止 — return the contract's personal data to the agency, destroy it,
 * verify nothing remains, and print the destruction certificate.
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Input, Modal, Space, Steps, Typography } from 'antd';
import { DeleteOutlined, DownloadOutlined, FilePdfOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../../api/client';
import { apiUrl } from '../../api/urls';
import { downloadFile } from '../../api/download';
import { useT } from '../../i18n/i18n';
import { formatDateTime } from '../../shared/datetime';
import { LoadError, Loading } from '../../shared/page-state';
import { useQuery } from '../../shared/use-query';

interface Check {
  label: string;
  remaining: number;
}

export function CloseoutTab({ contractId, contractCode }: { contractId: string; contractCode: string }) {
  const t = useT();
  const { message } = App.useApp();
  const { data, error, loading, reload } = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/closeout', { params: { path: { contractId } } })), [contractId]);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [code, setCode] = useState('');

  if (error instanceof ApiError && error.status === 403) return <Alert type="info" showIcon message={t('closeout.notAllowed')} />;
  if (error !== undefined) return <LoadError error={error} onRetry={reload} />;
  if (loading || !data) return <Loading />;

  const run = async (key: string, fn: () => Promise<unknown>): Promise<void> => {
    setBusy(key);
    try {
      await fn();
      reload();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  const current = { none: 0, exported: 1, destroyed: 2, verified: 3 }[data.status];
  const checks = ((data.verification as { checks?: Check[] } | null)?.checks ?? []) as Check[];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%', paddingTop: 16 }}>
      <Typography.Paragraph type="secondary">{t('closeout.intro')}</Typography.Paragraph>
      <Steps
        current={current}
        items={[
          { title: t('closeout.step.export') },
          { title: t('closeout.step.destroy') },
          { title: t('closeout.step.verify') },
          { title: t('closeout.step.certificate') },
        ]}
      />
      <Card size="small" title={t('closeout.step.export')}>
        <Typography.Paragraph>{t('closeout.exportDesc')}</Typography.Paragraph>
        {data.exportedAt && <Typography.Paragraph className="mono small">{t('closeout.exportedAt', { at: formatDateTime(data.exportedAt), digest: data.exportDigest ?? '' })}</Typography.Paragraph>}
        <Button
          icon={<DownloadOutlined />}
          disabled={current >= 2}
          loading={busy === 'export'}
          data-testid="closeout-export"
          onClick={() => void run('export', () => downloadFile(apiUrl('/api/contracts/{contractId}/closeout/export', 'post', { contractId }), `${contractCode}-返还数据包.zip`, 'POST'))}
        >
          {t('closeout.export')}
        </Button>
      </Card>
      <Card size="small" title={t('closeout.step.destroy')}>
        <Typography.Paragraph>{t('closeout.destroyDesc')}</Typography.Paragraph>
        {data.destroyedAt ? (
          <Typography.Text type="success">{t('closeout.destroyedAt', { at: formatDateTime(data.destroyedAt) })}</Typography.Text>
        ) : (
          <Button danger icon={<DeleteOutlined />} disabled={current !== 1} onClick={() => setConfirmOpen(true)} data-testid="closeout-destroy">
            {t('closeout.destroy')}
          </Button>
        )}
      </Card>
      <Card size="small" title={t('closeout.step.verify')}>
        <Typography.Paragraph>{t('closeout.verifyDesc')}</Typography.Paragraph>
        {checks.length > 0 && (
          <ul className="plain-list">
            {checks.map((c) => (
              <li key={c.label}>{t('closeout.remaining', { label: c.label, n: c.remaining })}</li>
            ))}
          </ul>
        )}
        {data.verifiedAt ? (
          <Typography.Text type="success">{t('closeout.verifiedAt', { at: formatDateTime(data.verifiedAt) })}</Typography.Text>
        ) : (
          <Button
            icon={<SafetyCertificateOutlined />}
            disabled={current !== 2}
            loading={busy === 'verify'}
            data-testid="closeout-verify"
            onClick={() => void run('verify', () => unwrap(api.POST('/api/contracts/{contractId}/closeout/verify', { params: { path: { contractId } } })))}
          >
            {t('closeout.verify')}
          </Button>
        )}
      </Card>
      <Card size="small" title={t('closeout.step.certificate')}>
        <Typography.Paragraph>{t('closeout.certificateDesc')}</Typography.Paragraph>
        <Button
          type="primary"
          icon={<FilePdfOutlined />}
          disabled={current !== 3}
          loading={busy === 'cert'}
          onClick={() => void run('cert', () => downloadFile(apiUrl('/api/contracts/{contractId}/closeout/certificate.pdf', 'get', { contractId }), `个人信息销毁证明-${contractCode}.pdf`))}
        >
          {t('closeout.certificate')}
        </Button>
      </Card>
      <Modal
        open={confirmOpen}
        title={t('closeout.destroy')}
        okText={t('closeout.destroy')}
        okButtonProps={{ danger: true, disabled: code.trim() !== contractCode, loading: busy === 'destroy' }}
        onCancel={() => setConfirmOpen(false)}
        onOk={() =>
          void run('destroy', async () => {
            await unwrap(api.POST('/api/contracts/{contractId}/closeout/destroy', { params: { path: { contractId } }, body: { confirmCode: code.trim() } }));
            setConfirmOpen(false);
          })
        }
      >
        <Alert type="error" showIcon message={t('closeout.destroyDesc')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph>{t('closeout.confirmCode', { code: contractCode })}</Typography.Paragraph>
        <Input value={code} onChange={(e) => setCode(e.target.value)} data-testid="closeout-confirm-code" />
      </Modal>
    </Space>
  );
}
