/**
 * 账号与安全 — the signed-in user's own security: profile and last sign-in,
 * two-factor verification (turn on, change authenticator, new recovery codes,
 * turn off where allowed), password change, the devices signed in (with sign
 * out everywhere) and recent sign-in events. Sensitive steps ask for the
 * password again through the shared re-authentication prompt.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { App, Button, Card, Descriptions, Form, Input, Modal, Popconfirm, Space, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { LogoutOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { api, errorMessage, unwrap } from '../api/client';
import { isMessageKey, useT } from '../i18n/i18n';
import { useMe, useSession } from '../auth/session';
import { RecoveryCodes, TotpEnrol } from '../auth/totp-enrol';
import type { AccountSession, SignInEvent } from '../auth/auth-types';
import { formatDateTime } from '../shared/datetime';
import { LoadError, Loading } from '../shared/page-state';
import { useQuery } from '../shared/use-query';

interface PasswordForm {
  currentPassword: string;
  newPassword: string;
  newPasswordAgain: string;
}

export function AccountPage() {
  const t = useT();
  const me = useMe();
  const { setMe } = useSession();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [passwordForm] = Form.useForm<PasswordForm>();
  const [changing, setChanging] = useState(false);
  const [enrolling, setEnrolling] = useState(false);
  const [codes, setCodes] = useState<string[] | null>(null);

  const twoFactor = useQuery(() => unwrap(api.GET('/api/auth/two-factor')), []);
  const sessions = useQuery(() => unwrap(api.GET('/api/auth/sessions')), []);
  const history = useQuery(() => unwrap(api.GET('/api/auth/sign-ins', { params: { query: { limit: 20 } } })), []);

  const refreshMe = async () => {
    setMe(await unwrap(api.GET('/api/auth/me')));
  };

  const regenerate = async () => {
    try {
      setCodes((await unwrap(api.POST('/api/auth/two-factor/recovery-codes'))).recoveryCodes);
      twoFactor.reload();
    } catch (e) {
      message.error(errorMessage(e));
    }
  };

  const disable = async () => {
    try {
      await unwrap(api.POST('/api/auth/two-factor/disable'));
      message.success(t('account.disabled'));
      twoFactor.reload();
      await refreshMe();
    } catch (e) {
      message.error(errorMessage(e));
    }
  };

  const changePassword = async (values: PasswordForm) => {
    setChanging(true);
    try {
      const r = await unwrap(api.POST('/api/auth/password', { body: { currentPassword: values.currentPassword, newPassword: values.newPassword } }));
      message.success(t('account.passwordChanged', { n: r.otherSessionsEnded }));
      passwordForm.resetFields();
      sessions.reload();
      history.reload();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setChanging(false);
    }
  };

  const signOutEverywhere = async () => {
    try {
      const r = await unwrap(api.POST('/api/auth/sign-out-everywhere'));
      message.success(t('account.signedOutEverywhere', { n: r.sessionsEnded }));
    } catch (e) {
      message.error(errorMessage(e));
    }
    setMe(null);
    navigate('/sign-in', { replace: true });
  };

  const dash = t('common.dash');
  const sessionColumns: ColumnsType<AccountSession> = [
    { title: t('account.col.signedInAt'), dataIndex: 'createdAt', width: 170, render: (s: string) => <span className="mono nowrap">{formatDateTime(s)}</span> },
    { title: t('account.col.lastSeen'), dataIndex: 'lastSeenAt', width: 170, render: (s: string) => <span className="mono nowrap">{formatDateTime(s)}</span> },
    { title: t('account.col.ip'), dataIndex: 'clientIp', width: 140, render: (s: string | null) => <span className="mono">{s ?? dash}</span> },
    { title: t('account.col.device'), dataIndex: 'userAgent', ellipsis: true, render: (s: string | null, r) => (
      <span>
        {r.current && <Tag color="green">{t('account.current')}</Tag>}
        <span className="small muted">{s ?? dash}</span>
      </span>
    ) },
  ];
  const historyColumns: ColumnsType<SignInEvent> = [
    { title: t('account.col.time'), dataIndex: 'occurredAt', width: 170, render: (s: string) => <span className="mono nowrap">{formatDateTime(s)}</span> },
    {
      title: t('account.col.event'),
      dataIndex: 'action',
      render: (a: string) => {
        const key = `action.${a}`;
        const bad = /Failed|Locked|Refused|Replayed/.test(a);
        return <Tag color={bad ? 'red' : 'default'}>{isMessageKey(key) ? t(key) : a}</Tag>;
      },
    },
    {
      title: t('account.col.method'),
      dataIndex: 'method',
      render: (m: string | null) => {
        if (!m) return <span className="muted">{dash}</span>;
        const key = `method.${m}`;
        return isMessageKey(key) ? t(key) : m;
      },
    },
    { title: t('account.col.ip'), dataIndex: 'clientIp', width: 140, render: (s: string | null) => <span className="mono">{s ?? dash}</span> },
  ];

  const tf = twoFactor.data;
  return (
    <div className="page account-page">
      <div className="page-head">
        <div>
          <h1 className="page-title">{t('account.title')}</h1>
          <div className="page-desc">{t('account.subtitle')}</div>
        </div>
      </div>

      <Card className="account-card" title={t('account.profile')} size="small">
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('account.name')}>{me.displayName}</Descriptions.Item>
          <Descriptions.Item label={t('account.username')}>
            <span className="mono">{me.username}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('account.organisation')}>{me.isPlatformAdmin ? t('user.platformAdmin') : me.isPlatformAuditor ? t('user.platformAuditor') : (me.organisationName ?? dash)}</Descriptions.Item>
          <Descriptions.Item label={t('account.lastSignIn')}>
            {me.lastSignInAt ? `${formatDateTime(me.lastSignInAt)}${me.lastSignInIp ? `（${me.lastSignInIp}）` : ''}` : dash}
          </Descriptions.Item>
        </Descriptions>
      </Card>

      <Card className="account-card two-factor-card" title={<span><SafetyCertificateOutlined /> {t('account.twoFactor')}</span>} size="small">
        {twoFactor.error !== undefined ? (
          <LoadError error={twoFactor.error} onRetry={twoFactor.reload} />
        ) : !tf ? (
          <Loading />
        ) : (
          <>
            <Descriptions column={{ xs: 1, md: 3 }} size="small">
              <Descriptions.Item label={t('account.twoFactorState')}>
                <Tag className="two-factor-state" color={tf.enabled ? 'green' : 'default'}>{tf.enabled ? t('account.twoFactorOn') : t('account.twoFactorOff')}</Tag>
                <Tag color={tf.required ? 'orange' : 'default'}>{tf.required ? t('account.twoFactorRequired') : t('account.twoFactorOptional')}</Tag>
              </Descriptions.Item>
              {tf.enabledAt && <Descriptions.Item label={t('account.twoFactorSince')}>{formatDateTime(tf.enabledAt)}</Descriptions.Item>}
              {tf.enabled && <Descriptions.Item label={t('account.recoveryLeft')}>{t('account.recoveryLeftN', { n: tf.recoveryCodesLeft })}</Descriptions.Item>}
            </Descriptions>
            <Space wrap className="account-actions">
              <Button type={tf.enabled ? 'default' : 'primary'} className="enable-two-factor" onClick={() => setEnrolling(true)}>
                {tf.enabled ? t('account.replace') : t('account.enable')}
              </Button>
              {tf.enabled && (
                <Popconfirm title={t('account.regenerateConfirm')} onConfirm={() => void regenerate()}>
                  <Button>{t('account.regenerate')}</Button>
                </Popconfirm>
              )}
              {tf.enabled && !tf.required && (
                <Popconfirm title={t('account.disableConfirm')} onConfirm={() => void disable()}>
                  <Button danger>{t('account.disable')}</Button>
                </Popconfirm>
              )}
            </Space>
          </>
        )}
      </Card>

      <Card className="account-card" title={t('account.password')} size="small">
        <Form<PasswordForm> form={passwordForm} layout="vertical" requiredMark={false} onFinish={(v) => void changePassword(v)} style={{ maxWidth: 420 }}>
          <Form.Item name="currentPassword" label={t('account.currentPassword')} rules={[{ required: true, message: t('reauth.passwordRequired') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item name="newPassword" label={t('account.newPassword')} extra={t('account.passwordRule')} rules={[{ required: true, min: 12, message: t('account.passwordRule') }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            name="newPasswordAgain"
            label={t('account.newPasswordAgain')}
            dependencies={['newPassword']}
            rules={[
              { required: true, message: t('account.passwordMismatch') },
              ({ getFieldValue }) => ({
                validator: (_, v: string | undefined) => (v === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error(t('account.passwordMismatch')))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={changing}>
            {t('account.changePassword')}
          </Button>
        </Form>
      </Card>

      <Card
        className="account-card"
        title={t('account.sessions')}
        size="small"
        extra={
          <Popconfirm title={t('account.signOutEverywhereConfirm')} onConfirm={() => void signOutEverywhere()}>
            <Button danger icon={<LogoutOutlined />} className="sign-out-everywhere">
              {t('account.signOutEverywhere')}
            </Button>
          </Popconfirm>
        }
      >
        <p className="muted small">{t('account.sessionsHint')}</p>
        {sessions.error !== undefined && <LoadError error={sessions.error} onRetry={sessions.reload} />}
        <Table<AccountSession> rowKey="id" size="small" loading={sessions.loading} columns={sessionColumns} dataSource={sessions.data ?? []} pagination={false} />
      </Card>

      <Card className="account-card" title={t('account.history')} size="small">
        {history.error !== undefined && <LoadError error={history.error} onRetry={history.reload} />}
        <Table<SignInEvent> rowKey="seq" size="small" loading={history.loading} columns={historyColumns} dataSource={history.data ?? []} pagination={false} />
      </Card>

      <Modal open={enrolling} title={tf?.enabled ? t('account.replace') : t('account.enable')} footer={null} onCancel={() => setEnrolling(false)} destroyOnHidden width={560}>
        <TotpEnrol
          onConfirmed={(r) => {
            setEnrolling(false);
            setCodes(r.recoveryCodes);
            message.success(t('account.enrolled'));
            twoFactor.reload();
            void refreshMe();
          }}
        />
      </Modal>
      <Modal open={codes !== null} title={t('totp.recoveryTitle')} footer={null} closable={false} maskClosable={false} width={560}>
        {codes && <RecoveryCodes codes={codes} username={me.username} onDone={() => setCodes(null)} />}
      </Modal>
    </div>
  );
}
