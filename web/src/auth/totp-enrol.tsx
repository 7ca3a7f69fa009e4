/**
 * Binding an authenticator app (TOTP): the new secret as a QR code and as
 * text, then a code to confirm; and the one-time display of recovery codes.
 * Used right after a password sign-in that requires a second factor, and on
 * the account page.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Input, QRCode, Space, Spin, Typography } from 'antd';
import { CopyOutlined, DownloadOutlined } from '@ant-design/icons';
import { api, errorMessage, unwrap } from '../api/client';
import { useT } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import type { TotpConfirmation, TotpEnrolment } from './auth-types';

/** Start an enrolment when shown, then confirm it with a code from the app. */
export function TotpEnrol({ onConfirmed }: { onConfirmed: (result: TotpConfirmation) => void }) {
  const t = useT();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const started = useRef(false);

  useEffect(() => {
    // once per mount, also under StrictMode's double effect: a second call would replace the secret shown
    if (started.current) return;
    started.current = true;
    unwrap(api.POST('/api/auth/two-factor/enrol')).then(setEnrolment, (e: unknown) => setError(errorMessage(e)));
  }, []);

  const confirm = async (value: string) => {
    if (!/^\d{6}$/.test(value)) return;
    setBusy(true);
    setError(null);
    try {
      onConfirmed(await unwrap(api.POST('/api/auth/two-factor/confirm', { body: { code: value } })));
    } catch (e) {
      setError(errorMessage(e));
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  if (!enrolment) return error ? <Alert type="error" showIcon title={error} /> : <Spin tip={t('totp.loading')}><div className="totp-loading" /></Spin>;
  return (
    <div className="totp-enrol">
      <ol className="totp-steps">
        <li>{t('totp.step1')}</li>
        <li>{t('totp.step2')}</li>
      </ol>
      <div className="totp-qr">
        <QRCode value={enrolment.otpauthUri} size={176} bordered={false} />
        <div className="totp-secret">
          <div className="muted small">{t('totp.secret')}</div>
          <Typography.Text className="mono totp-secret-text" copyable={{ text: enrolment.secret }}>
            {enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}
          </Typography.Text>
        </div>
      </div>
      <p>{t('totp.step3')}</p>
      {error && <Alert className="totp-error" type="error" showIcon title={error} />}
      <Space>
        <Input.OTP
          className="totp-code"
          length={6}
          value={code}
          disabled={busy}
          onChange={(v) => {
            setCode(v);
            void confirm(v);
          }}
          autoFocus
        />
        <Button type="primary" loading={busy} disabled={!/^\d{6}$/.test(code)} onClick={() => void confirm(code)}>
          {t('totp.confirm')}
        </Button>
      </Space>
    </div>
  );
}

/** Recovery codes, shown once, with copy and download. */
export function RecoveryCodes({ codes, username, onDone }: { codes: readonly string[]; username: string; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const text = `${t('totp.fileHeader', { user: username, time: formatDateTime(new Date().toISOString()) })}\n\n${codes.join('\n')}\n`;
  const download = () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    a.download = t('totp.fileName', { user: username });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  return (
    <div className="recovery-codes">
      <Alert type="warning" showIcon title={t('totp.recoveryTitle')} description={t('totp.recoveryIntro')} />
      <ol className="recovery-code-list mono">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ol>
      <Space wrap>
        <Button icon={<DownloadOutlined />} onClick={download}>
          {t('totp.download')}
        </Button>
        <Button
          icon={<CopyOutlined />}
          onClick={() => {
            void navigator.clipboard?.writeText(text).then(() => message.success(t('common.copied')));
          }}
        >
          {t('totp.copyAll')}
        </Button>
        <Button type="primary" className="recovery-saved" onClick={onDone}>
          {t('totp.saved')}
        </Button>
      </Space>
    </div>
  );
}
