import { NavLink, Outlet } from "react-router";
import { useAuth } from "@/shared/auth/auth-context";
import { ConnectionBadge } from "@/shared/components/connection-badge";

export const PAGES = [
  { path: "account", label: "Account" },
  { path: "evaluation", label: "Evaluation" },
  { path: "allocation", label: "Allocation" },
  { path: "factors", label: "Factors" },
  { path: "ledger", label: "Ledger" },
  { path: "orders", label: "Orders" },
  { path: "live", label: "Live" },
] as const;

export function Layout() {
  const { session, logout } = useAuth();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">PAS</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <NavLink to={`/${p.path}`}>{p.label}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="top-right">
          <ConnectionBadge />
          <span className="role" title="The role of the API key in use">
            {session?.role}
          </span>
          <button type="button" className="btn-small" onClick={() => logout()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
