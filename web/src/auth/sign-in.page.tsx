/**
 * 登录 — the sign-in page. Password first; then, when the account has a
 * second factor, the TOTP code (or a recovery code); when the policy requires
 * one the account does not have yet, binding an authenticator and saving the
 * recovery codes; when the password is an administrator's initial one or has
 * expired, changing it (after the second factor). Shows the API's Chinese error message as is and, once
 * signed in, the previous sign-in time and IP in a notification.
 */
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Form, Input } from 'antd';
import { LockOutlined, UserOutlined, SafetyCertificateOutlined, ApartmentOutlined, FileSearchOutlined, KeyOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { Me } from '../api/types';
import type { SignInResult } from './auth-types';
import { RecoveryCodes, TotpEnrol } from './totp-enrol';
import { useI18n } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import { LanguageSwitch } from '../shell/language-switch';
import { useSession } from './session';

interface SignInForm {
  username: string;
  password: string;
}

interface PasswordChangeForm {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

/** Where a signed-in user goes when there is no acceptable return address. */
const DEFAULT_NEXT = '/contracts';

/**
 * Only a path of this app is accepted as a return address: it starts with
 * `/` and, resolved the way the browser resolves it (which reads `\` as `/`
 * and drops tabs and line breaks, so `/\evil.example` and `/<tab>/evil.example`
 * mean `//evil.example`), stays on this origin. Anything else goes to the
 * contract list.
 */
function safeNext(next: string | null): string {
  if (!next?.startsWith('/')) return DEFAULT_NEXT;
  try {
    const url = new URL(next, window.location.origin);
    return url.origin === window.location.origin ? `${url.pathname}${url.search}${url.hash}` : DEFAULT_NEXT;
  } catch {
    return DEFAULT_NEXT;
  }
}

/** Where the sign-in stands. */
type Step =
  | { kind: 'password' }
  | { kind: 'secondFactor'; username: string; displayName: string }
  | { kind: 'enrolment'; username: string; displayName: string }
  | { kind: 'passwordChange'; username: string; displayName: string; message: string }
  | { kind: 'recoveryCodes'; codes: string[]; then: SignInResult };

export function SignInPage() {
  const { t } = useI18n();
  const { me, setMe } = useSession();
  const { notification } = App.useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'password' });

  if (me) return <Navigate to={safeNext(params.get('next'))} replace />;

  const welcome = (user: Me) => {
    const last = user.lastSignInAt
      ? user.lastSignInIp
        ? t('signIn.lastSignIn', { time: formatDateTime(user.lastSignInAt), ip: user.lastSignInIp })
        : t('signIn.lastSignInNoIp', { time: formatDateTime(user.lastSignInAt) })
      : t('signIn.firstSignIn');
    notification.info({ title: t('signIn.welcome', { name: user.displayName }), description: last, placement: 'topRight', duration: 8 });
    setMe(user);
    navigate(safeNext(params.get('next')), { replace: true });
  };

  const next = (result: SignInResult) => {
    if (result.stage === 'complete') welcome(result);
    else if (result.stage === 'passwordChange') setStep({ kind: 'passwordChange', username: result.username, displayName: result.displayName, message: result.message });
    else setStep({ kind: result.stage, username: result.username, displayName: result.displayName });
  };

  /** A failed second step that cannot be retried (locked, or the short sign-in session ran out) starts over. */
  const failStep = (e: unknown) => {
    setError(errorMessage(e));
    if (e instanceof ApiError && (e.code === 'ACCOUNT_LOCKED' || e.code === 'UNAUTHENTICATED')) setStep({ kind: 'password' });
  };

  const onFinish = async (values: SignInForm) => {
    setSubmitting(true);
    setError(null);
    try {
      next(await unwrap(api.POST('/api/auth/login', { body: { username: values.username.trim(), password: values.password } })));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  const submitCode = async (code: string) => {
    setSubmitting(true);
    setError(null);
    try {
      next(await unwrap(api.POST('/api/auth/login/second-factor', { body: { code } })));
    } catch (e) {
      failStep(e);
    } finally {
      setSubmitting(false);
    }
  };

  const submitPasswordChange = async (values: PasswordChangeForm) => {
    setSubmitting(true);
    setError(null);
    try {
      next(await unwrap(api.POST('/api/auth/login/password-change', { body: { currentPassword: values.currentPassword, newPassword: values.newPassword } })));
    } catch (e) {
      failStep(e);
    } finally {
      setSubmitting(false);
    }
  };

  const startOver = () => {
    void api.POST('/api/auth/logout').catch(() => undefined);
    setError(null);
    setStep({ kind: 'password' });
  };

  const card = (() => {
    switch (step.kind) {
      case 'password':
        return (
          <>
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
          </>
        );
      case 'secondFactor':
        return (
          <>
            <h2>{t('signIn.totpTitle')}</h2>
            {error && <Alert className="sign-in-error" type="error" showIcon title={error} />}
            <SecondFactorForm displayName={step.displayName} submitting={submitting} onSubmit={(code) => void submitCode(code)} />
            <Button type="link" className="sign-in-back" onClick={startOver}>
              {t('signIn.backToPassword')}
            </Button>
          </>
        );
      case 'enrolment':
        return (
          <>
            <h2>{t('signIn.enrolTitle')}</h2>
            <p className="muted">{t('signIn.enrolIntro', { user: step.displayName })}</p>
            <TotpEnrol
              onConfirmed={(r) => {
                if (r.signIn) setStep({ kind: 'recoveryCodes', codes: r.recoveryCodes, then: r.signIn });
                else setStep({ kind: 'password' });
              }}
            />
            <Button type="link" className="sign-in-back" onClick={startOver}>
              {t('signIn.backToPassword')}
            </Button>
          </>
        );
      case 'recoveryCodes':
        return (
          <>
            <h2>{t('signIn.enrolDone')}</h2>
            <RecoveryCodes codes={step.codes} username={step.then.username} onDone={() => next(step.then)} />
          </>
        );
      case 'passwordChange':
        return (
          <>
            <h2>{t('signIn.pwChangeTitle')}</h2>
            <Alert type="warning" showIcon title={step.message} />
            {error && <Alert className="sign-in-error" type="error" showIcon title={error} />}
            <Form<PasswordChangeForm> layout="vertical" size="large" requiredMark={false} onFinish={(v) => void submitPasswordChange(v)} autoComplete="off">
              <input type="text" name="username" autoComplete="username" value={step.username} readOnly hidden />
              <Form.Item name="currentPassword" label={t('signIn.pwChangeCurrent')} rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
                <Input.Password id="current-password" prefix={<LockOutlined />} autoComplete="current-password" autoFocus />
              </Form.Item>
              <Form.Item name="newPassword" label={t('signIn.pwChangeNew')} extra={t('signIn.pwChangeRule')} rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
                <Input.Password id="new-password" prefix={<KeyOutlined />} autoComplete="new-password" />
              </Form.Item>
              <Form.Item
                name="confirm"
                label={t('signIn.pwChangeConfirm')}
                dependencies={['newPassword']}
                rules={[
                  { required: true, message: t('signIn.passwordRequired') },
                  ({ getFieldValue }) => ({
                    validator: (_rule, value: string | undefined) => (!value || getFieldValue('newPassword') === value ? Promise.resolve() : Promise.reject(new Error(t('signIn.pwChangeMismatch')))),
                  }),
                ]}
              >
                <Input.Password id="confirm-password" prefix={<KeyOutlined />} autoComplete="new-password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={submitting}>
                {t('signIn.pwChangeSubmit')}
              </Button>
            </Form>
            <Button type="link" className="sign-in-back" onClick={startOver}>
              {t('signIn.backToPassword')}
            </Button>
          </>
        );
      default: {
        const never: never = step;
        return never;
      }
    }
  })();

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
        <div className={`sign-in-card sign-in-${step.kind}`}>
          {card}
          <p className="sign-in-notice">{t('signIn.notice')}</p>
        </div>
      </section>
    </div>
  );
}

/** The second step: six digits from the authenticator, or a recovery code. */
function SecondFactorForm({ displayName, submitting, onSubmit }: { displayName: string; submitting: boolean; onSubmit: (code: string) => void }) {
  const { t } = useI18n();
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  if (recovery) {
    return (
      <Form<{ code: string }> layout="vertical" size="large" requiredMark={false} onFinish={(v) => onSubmit(v.code.trim())}>
        <Form.Item name="code" label={t('signIn.recoveryCode')} extra={t('signIn.recoveryHint')} rules={[{ required: true, whitespace: true, message: t('signIn.codeRequired') }]}>
          <Input id="recovery-code" prefix={<KeyOutlined />} placeholder={t('signIn.recoveryCodePlaceholder')} autoComplete="off" autoFocus />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={submitting}>
          {t('signIn.totpSubmit')}
        </Button>
        <Button type="link" onClick={() => setRecovery(false)}>
          {t('signIn.useTotp')}
        </Button>
      </Form>
    );
  }
  return (
    <div className="second-factor">
      <p className="muted">{t('signIn.totpHint', { user: displayName })}</p>
      <Input.OTP
        className="totp-code"
        length={6}
        size="large"
        value={code}
        disabled={submitting}
        autoFocus
        onChange={(v) => {
          setCode(v);
          if (/^\d{6}$/.test(v)) {
            onSubmit(v);
            setCode('');
          }
        }}
      />
      <Button type="primary" block size="large" loading={submitting} disabled={!/^\d{6}$/.test(code)} onClick={() => onSubmit(code)}>
        {t('signIn.totpSubmit')}
      </Button>
      <Button type="link" className="use-recovery" onClick={() => setRecovery(true)}>
        {t('signIn.useRecoveryCode')}
      </Button>
    </div>
  );
}
