/**
 * Re-authentication (step-up) for sensitive actions. When the server answers
 * REAUTH_REQUIRED, a modal asks for the password (and the TOTP code when the
 * user has one), calls POST /api/auth/reauth, and the original request is
 * sent again, so callers never handle it themselves:
 *
 * - every call made through the typed client `api` is covered by a middleware;
 * - file downloads made with `fetch` go through `fetchWithReauth`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Alert, Form, Input, Modal } from 'antd';
import { LockOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import type { Middleware } from 'openapi-fetch';
import { api, errorMessage, unwrap } from '../api/client';
import { useT } from '../i18n/i18n';
import { useSession } from './session';

/** Asks the user to confirm their identity; resolves true once confirmed, false when cancelled. */
type ReauthPrompt = () => Promise<boolean>;

let prompt: ReauthPrompt | null = null;

function isReauthRequired(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'REAUTH_REQUIRED';
}

async function needsReauth(response: Response): Promise<boolean> {
  if (response.status !== 403) return false;
  return isReauthRequired(await response.clone().json().catch(() => null));
}

const pending = new Map<string, Request>();

/** Keeps a copy of each request so it can be sent again after the user confirms. */
const reauthMiddleware: Middleware = {
  onRequest({ request, id }) {
    pending.set(id, request.clone());
    return undefined;
  },
  async onResponse({ response, id }) {
    const copy = pending.get(id);
    pending.delete(id);
    if (!copy || !prompt || !(await needsReauth(response))) return undefined;
    if (!(await prompt())) return undefined;
    return fetch(copy);
  },
  onError({ id }) {
    pending.delete(id);
    return undefined;
  },
};
api.use(reauthMiddleware);

/**
 * `fetch` for downloads and uploads that cannot use the typed client: on
 * REAUTH_REQUIRED, asks the user to confirm and sends the request once more.
 */
export async function fetchWithReauth(url: string, init: RequestInit = {}): Promise<Response> {
  const options: RequestInit = { credentials: 'include', ...init };
  const first = await fetch(url, options);
  if (!prompt || !(await needsReauth(first))) return first;
  if (!(await prompt())) return first;
  return fetch(url, options);
}

interface ReauthForm {
  password: string;
  code?: string;
}

const ReauthContext = createContext<ReauthPrompt | null>(null);

/** The prompt, for components that want to confirm identity before starting something. */
export function useReauth(): ReauthPrompt {
  const p = useContext(ReauthContext);
  if (!p) throw new Error('useReauth must be used inside <ReauthProvider>');
  return p;
}

/** Renders the re-authentication modal and registers it as the app's prompt. */
export function ReauthProvider({ children }: { children: ReactNode }) {
  const t = useT();
  const { me } = useSession();
  const [form] = Form.useForm<ReauthForm>();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const waiting = useRef<{ promise: Promise<boolean>; resolve: (ok: boolean) => void } | null>(null);

  const ask = useCallback<ReauthPrompt>(() => {
    // concurrent requests share one prompt
    if (waiting.current) return waiting.current.promise;
    let resolve: (ok: boolean) => void = () => undefined;
    const promise = new Promise<boolean>((r) => {
      resolve = r;
    });
    waiting.current = { promise, resolve };
    form.resetFields();
    setError(null);
    setOpen(true);
    return promise;
  }, [form]);

  useEffect(() => {
    prompt = ask;
    return () => {
      prompt = null;
    };
  }, [ask]);

  const finish = (ok: boolean) => {
    setOpen(false);
    waiting.current?.resolve(ok);
    waiting.current = null;
  };

  const submit = async () => {
    const values = await form.validateFields();
    setBusy(true);
    setError(null);
    try {
      const code = values.code?.trim();
      await unwrap(api.POST('/api/auth/reauth', { body: { password: values.password, ...(code ? { code } : {}) } }));
      finish(true);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const value = useMemo(() => ask, [ask]);
  return (
    <ReauthContext.Provider value={value}>
      {children}
      <Modal
        className="reauth-modal"
        open={open}
        title={
          <span>
            <SafetyCertificateOutlined /> {t('reauth.title')}
          </span>
        }
        okText={t('reauth.submit')}
        confirmLoading={busy}
        onOk={() => void submit()}
        onCancel={() => finish(false)}
        destroyOnHidden
        maskClosable={false}
      >
        <p className="muted">{t('reauth.intro')}</p>
        {error && <Alert className="reauth-error" type="error" showIcon title={error} />}
        <Form<ReauthForm> form={form} layout="vertical" requiredMark={false} onFinish={() => void submit()}>
          <Form.Item name="password" label={t('reauth.password')} rules={[{ required: true, message: t('reauth.passwordRequired') }]}>
            <Input.Password id="reauth-password" prefix={<LockOutlined />} autoComplete="current-password" autoFocus />
          </Form.Item>
          {me?.twoFactorEnabled && (
            <Form.Item name="code" label={t('reauth.code')} rules={[{ required: true, whitespace: true, message: t('signIn.codeRequired') }]}>
              <Input id="reauth-code" placeholder={t('reauth.codePlaceholder')} autoComplete="one-time-code" inputMode="numeric" maxLength={20} />
            </Form.Item>
          )}
          <button type="submit" hidden />
        </Form>
      </Modal>
    </ReauthContext.Provider>
  );
}
