import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter } from "react-router";
import { makeQueryClient } from "@/shared/api/query-client";
import { AuthProvider } from "@/shared/auth/auth-context";
import { saveSession, type Role } from "@/shared/auth/session";

/** Render a page as a logged-in user with `role`, with fresh query state. */
export function renderPage(ui: ReactNode, role: Role | null = "admin") {
  if (role) saveSession({ apiKey: `pas_test_${role}`, role });
  const client = makeQueryClient();
  client.setDefaultOptions({ queries: { retry: false, staleTime: Infinity } });
  return render(
    <AuthProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter>{ui}</MemoryRouter>
      </QueryClientProvider>
    </AuthProvider>,
  );
}
