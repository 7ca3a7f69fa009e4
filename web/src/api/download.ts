/**
 * Saving a file the API answers (Excel exports, PDF forms, zip packages):
 * fetch it with the session cookie, turn an error body into an `ApiError`,
 * and hand the bytes to the browser as a download.
 */
import { toApiError } from './client';
import { fetchWithReauth } from '../auth/reauth';

/** Fetch `url` (built with `apiUrl`) and save the answer as `fileName`. */
export async function downloadFile(url: string, fileName: string, method: 'GET' | 'POST' = 'GET'): Promise<void> {
  // an export may need a fresh re-authentication: the shared prompt asks, then the request is sent again
  const res = await fetchWithReauth(url, { method });
  if (!res.ok) throw toApiError(res.status, await res.json().catch(() => null));
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
