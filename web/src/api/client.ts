/**
 * The typed API client.
 *
 * Every request the UI makes goes through `api`, an openapi-fetch client whose
 * paths, parameters and bodies are checked against `schema.d.ts`, which is
 * generated from the server's route schemas (`npm run gen:api` in server/).
 * No component writes a URL string by hand: a route that does not exist in
 * the OpenAPI document does not compile.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { translate } from '../i18n/i18n';

/** An error answered by the API (`{ error: { code, message, details } }`) or a network failure. */
export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** Stable machine-readable code; branch on this, never on the message. */
  readonly code: string;
  /** Optional structured details, e.g. validation issues. */
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let unauthorizedHandler: (() => void) | null = null;

/**
 * Registers what happens when a signed-in call answers 401 (session expired
 * or revoked). The app sets this to "forget the session and go to sign-in".
 */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

/** Auth endpoints answer 401 as part of their normal flow (wrong password, not signed in yet). */
function isAuthEndpoint(url: string): boolean {
  return new URL(url, window.location.origin).pathname.startsWith('/api/auth/');
}

const sessionMiddleware: Middleware = {
  onResponse({ request, response }) {
    if (response.status === 401 && !isAuthEndpoint(request.url)) unauthorizedHandler?.();
    return undefined;
  },
};

/** The API client derived from the OpenAPI document. Cookies are always sent. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'include' });
api.use(sessionMiddleware);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Turns an error body of any shape into an `ApiError`. */
export function toApiError(status: number, body: unknown): ApiError {
  if (isRecord(body) && isRecord(body.error)) {
    const { code, message, details } = body.error;
    if (typeof code === 'string' && typeof message === 'string') return new ApiError(status, code, message, details);
  }
  return new ApiError(status, `HTTP_${status}`, translate('error.http', { status: String(status) }));
}

/** The result shape of every openapi-fetch call. */
interface Result {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an `ApiError`
 * built from the error body (or a network error when the server is unreachable).
 *
 * @example const contracts = await unwrap(api.GET('/api/contracts'));
 */
export async function unwrap<R extends Result>(call: Promise<R>): Promise<NonNullable<R['data']>> {
  let result: R;
  try {
    result = await call;
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(0, 'NETWORK_ERROR', translate('error.network'));
  }
  const { data, error, response } = result;
  if (response.ok && data !== undefined && data !== null) return data;
  throw toApiError(response.status, error);
}

/** A readable message for anything thrown by `unwrap` or by rendering code. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  return translate('error.unexpected');
}
