import { QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { makeQueryClient } from "@/shared/api/query-client";
import { AuthProvider, useAuth } from "@/shared/auth/auth-context";
import { RealtimeProvider } from "@/shared/realtime/realtime-provider";

function Queries({ children }: { children: ReactNode }) {
  const { session, logout } = useAuth();
  const logoutRef = useRef(logout);
  useEffect(() => {
    logoutRef.current = logout;
  }, [logout]);
  const [client] = useState(() =>
    makeQueryClient(() => logoutRef.current("The service refused the API key (revoked?): log in again.")),
  );
  const key = session?.apiKey;
  useEffect(() => {
    if (key === undefined) client.clear(); // nothing read with one key is shown to the next
  }, [key, client]);
  return (
    <QueryClientProvider client={client}>
      {session ? (
        <RealtimeProvider token={session.apiKey} admin={session.role === "admin"}>
          {children}
        </RealtimeProvider>
      ) : (
        children
      )}
    </QueryClientProvider>
  );
}

export function AppProvider({ children }: { children: ReactNode }) {
  return (
    <AuthProvider>
      <Queries>{children}</Queries>
    </AuthProvider>
  );
}
