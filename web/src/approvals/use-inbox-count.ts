/**
 * How many approvals wait on the signed-in user, for the badge in the header:
 * fetched on mount, every two minutes, and whenever a decision is made in
 * this tab (the `INBOX_CHANGED` window event). A failed count shows nothing.
 */
import { useEffect, useState } from 'react';
import { api, unwrap } from '../api/client';
import { INBOX_CHANGED } from '../workorders/workorder-api';

const REFRESH_MS = 120_000;

export function useInboxCount(enabled: boolean): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const refresh = () => {
      unwrap(api.GET('/api/approvals/inbox')).then(
        (items) => live && setCount(items.length),
        () => live && setCount(null),
      );
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    window.addEventListener(INBOX_CHANGED, refresh);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(INBOX_CHANGED, refresh);
    };
  }, [enabled]);
  return enabled ? count : null;
}
