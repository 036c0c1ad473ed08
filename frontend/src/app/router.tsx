import type { ReactNode } from "react";
import { createBrowserRouter, Navigate, useLocation, useNavigate } from "react-router";
import { RouterProvider } from "react-router/dom";
import { env } from "@/config/env";
import { LoginForm } from "@/features/auth/components/login-form";
import { useAuth } from "@/shared/auth/auth-context";
import { Layout } from "./layout";

function RequireSession({ children }: { children: ReactNode }) {
  const { session } = useAuth();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

function LoginRoute() {
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const target = from && from !== "/login" ? from : "/account";
  return (
    <main id="main" className="login-page">
      <LoginForm onDone={() => void navigate(target, { replace: true })} />
    </main>
  );
}

const page = (load: () => Promise<{ default: () => ReactNode }>) => async () => ({ Component: (await load()).default });

export const routes = [
  { path: "/login", element: <LoginRoute /> },
  {
    path: "/",
    element: (
      <RequireSession>
        <Layout />
      </RequireSession>
    ),
    children: [
      { index: true, element: <Navigate to="/account" replace /> },
      { path: "account", lazy: page(() => import("./routes/account")) },
      { path: "evaluation", lazy: page(() => import("./routes/evaluation")) },
      { path: "allocation", lazy: page(() => import("./routes/allocation")) },
      { path: "factors", lazy: page(() => import("./routes/factors")) },
      { path: "ledger", lazy: page(() => import("./routes/ledger")) },
      { path: "orders", lazy: page(() => import("./routes/orders")) },
      { path: "live", lazy: page(() => import("./routes/live")) },
      { path: "*", lazy: page(() => import("./routes/not-found")) },
    ],
  },
];

const router = createBrowserRouter(routes, { basename: env.basePath });

export function AppRouter() {
  return <RouterProvider router={router} />;
}
