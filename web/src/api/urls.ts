/**
 * URLs of the few endpoints the generated client cannot call for us: file
 * downloads (opened by the browser) and the multipart upload (sent with
 * `fetch` and `FormData`). The path is still checked against the generated
 * `paths`, and parameters are filled and encoded here, never by hand.
 */
import type { paths } from './schema';

type PathParamsOf<P extends keyof paths> = paths[P] extends { parameters: { path?: infer A } } ? A : never;
type ParamsOf<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { parameters: { path: infer A } } ? A : PathParamsOf<P>;
type QueryOf<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { parameters: { query?: infer Q } } ? Q : never;

/**
 * The same-origin URL of `path` with its `{name}` parameters filled in and
 * the query appended (empty values are left out).
 *
 * @example apiUrl('/api/attachments/{attachmentId}', 'get', { attachmentId: id })
 */
export function apiUrl<P extends keyof paths, M extends 'get' | 'post'>(
  path: P,
  _method: M,
  params: ParamsOf<P, M>,
  query?: QueryOf<P, M>,
): string {
  const values = (params ?? {}) as Record<string, string>;
  const filled = String(path).replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (v === undefined || v === null || v === '') continue;
    search.set(k, String(v));
  }
  const qs = search.toString();
  return qs ? `${filled}?${qs}` : filled;
}
