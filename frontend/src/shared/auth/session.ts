// The API key lives in sessionStorage: it survives a reload, not the closing of the tab.
export type Role = "viewer" | "trader" | "admin";

const KEY = "pas.apiKey";
const ROLE = "pas.role";
const ROLES: readonly Role[] = ["viewer", "trader", "admin"];

export interface Session {
  apiKey: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function loadSession(): Session | null {
  const apiKey = sessionStorage.getItem(KEY);
  const role = sessionStorage.getItem(ROLE);
  return apiKey !== null && isRole(role) ? { apiKey, role } : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, session.apiKey);
  sessionStorage.setItem(ROLE, session.role);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(ROLE);
}

/** The key of the current tab, read at each request so a login takes effect at once. */
export function currentKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function atLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
