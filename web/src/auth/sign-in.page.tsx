/**
 * 登录 — the sign-in page. Shows the API's Chinese error message as is and,
 * after signing in, the previous sign-in time and IP in a notification.
 */
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Form, Input } from 'antd';
import { LockOutlined, UserOutlined, SafetyCertificateOutlined, ApartmentOutlined, FileSearchOutlined } from '@ant-design/icons';
import { api, errorMessage, unwrap } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import { LanguageSwitch } from '../shell/language-switch';
import { useSession } from './session';

interface SignInForm {
  username: string;
  password: string;
}

/** Only same-site paths are accepted as a return address. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/contracts';
}

export function SignInPage() {
  const { t } = useI18n();
  const { me, setMe } = useSession();
  const { notification } = App.useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (me) return <Navigate to={safeNext(params.get('next'))} replace />;

  const onFinish = async (values: SignInForm) => {
    setSubmitting(true);
    setError(null);
    try {
      const user = await unwrap(api.POST('/api/auth/login', { body: { username: values.username.trim(), password: values.password } }));
      const last = user.lastSignInAt
        ? user.lastSignInIp
          ? t('signIn.lastSignIn', { time: formatDateTime(user.lastSignInAt), ip: user.lastSignInIp })
          : t('signIn.lastSignInNoIp', { time: formatDateTime(user.lastSignInAt) })
        : t('signIn.firstSignIn');
      notification.info({ title: t('signIn.welcome', { name: user.displayName }), description: last, placement: 'topRight', duration: 8 });
      setMe(user);
      navigate(safeNext(params.get('next')), { replace: true });
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div className="sign-in">
      <div className="sign-in-lang">
        <LanguageSwitch />
      </div>
      <section className="sign-in-brand">
        <div className="sign-in-brand-inner">
          <div className="brand-mark large">运</div>
          <h1 className="sign-in-product">
            {t('app.name')} <span className="latin">{t('app.nameLatin')}</span>
          </h1>
          <p className="sign-in-tagline">{t('app.tagline')}</p>
          <ul className="sign-in-features">
            <li>
              <FileSearchOutlined /> {t('signIn.feature1')}
            </li>
            <li>
              <ApartmentOutlined /> {t('signIn.feature2')}
            </li>
            <li>
              <SafetyCertificateOutlined /> {t('signIn.feature3')}
            </li>
          </ul>
        </div>
      </section>
      <section className="sign-in-panel">
        <div className="sign-in-card">
          <h2>{t('signIn.title')}</h2>
          {error && <Alert className="sign-in-error" type="error" showIcon title={error} />}
          <Form<SignInForm> layout="vertical" size="large" requiredMark={false} onFinish={onFinish} autoComplete="on">
            <Form.Item name="username" label={t('signIn.username')} rules={[{ required: true, whitespace: true, message: t('signIn.usernameRequired') }]}>
              <Input prefix={<UserOutlined />} placeholder={t('signIn.usernamePlaceholder')} autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item name="password" label={t('signIn.password')} rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
              <Input.Password prefix={<LockOutlined />} placeholder={t('signIn.passwordPlaceholder')} autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={submitting}>
              {t('signIn.submit')}
            </Button>
          </Form>
          <p className="sign-in-notice">{t('signIn.notice')}</p>
        </div>
      </section>
    </div>
  );
}
