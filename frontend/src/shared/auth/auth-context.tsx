import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { probeRole } from "./probe-role";
import { atLeast, clearSession, loadSession, saveSession, type Role, type Session } from "./session";

export interface Auth {
  session: Session | null;
  /** Check the key with the service, then keep it for this tab. */
  login: (apiKey: string) => Promise<Session>;
  logout: (reason?: string) => void;
  /** Why the last session ended, shown on the login form. */
  reason: string | null;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [reason, setReason] = useState<string | null>(null);
  const login = useCallback(async (apiKey: string) => {
    const key = apiKey.trim();
    if (!key) throw new Error("Enter an API key (pas keys create --role viewer prints one).");
    const next = { apiKey: key, role: await probeRole(key) };
    saveSession(next);
    setReason(null);
    setSession(next);
    return next;
  }, []);
  const logout = useCallback((why?: string) => {
    clearSession();
    setReason(why ?? null);
    setSession(null);
  }, []);
  const value = useMemo(() => ({ session, login, logout, reason }), [session, login, logout, reason]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth needs an AuthProvider");
  return auth;
}

/** True when the logged-in key has at least `role` (trade buttons need trader). */
export function useCan(role: Role): boolean {
  const { session } = useAuth();
  return session !== null && atLeast(session.role, role);
}
