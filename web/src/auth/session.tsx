/**
 * The signed-in user. Loaded once from `GET /api/auth/me`; cleared on sign-out
 * or when any call answers 401, which sends the user to the sign-in page.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, onUnauthorized, unwrap } from '../api/client';
import type { Me } from '../api/types';

interface SessionValue {
  /** The user, or null when signed out; undefined while the first check runs. */
  me: Me | null | undefined;
  setMe: (me: Me | null) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);

  useEffect(() => {
    let live = true;
    unwrap(api.GET('/api/auth/me')).then(
      (user) => live && setMe(user),
      (e: unknown) => {
        if (!live) return;
        // 401 simply means "not signed in"; other failures also land on sign-in, which shows the server state.
        if (!(e instanceof ApiError) || e.status !== 401) console.warn('Session check failed', e);
        setMe(null);
      },
    );
    onUnauthorized(() => setMe(null));
    return () => {
      live = false;
      onUnauthorized(null);
    };
  }, []);

  const signOut = useCallback(async () => {
    try {
      await unwrap(api.POST('/api/auth/logout'));
    } finally {
      setMe(null);
    }
  }, []);

  const value = useMemo(() => ({ me, setMe, signOut }), [me, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession must be used inside <SessionProvider>');
  return v;
}

/** The signed-in user; only for components rendered behind `RequireAuth`. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe used outside an authenticated route');
  return me;
}
