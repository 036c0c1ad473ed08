import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { env } from "@/config/env";
import { capabilities } from "@/shared/api/capabilities";
import { EventLog } from "./event-log";
import type { Topic } from "./protocol";
import { RealtimeContext } from "./realtime-context";
import { RealtimeClient, type ConnectionState } from "./ws-client";

/** Which cached reads each topic makes stale (query keys start with these). */
export const INVALIDATES: Record<Topic, string[][]> = {
  ledger: [["ledger"], ["account"]],
  orders: [["orders"], ["ledger"], ["account"]],
  metrics: [["metrics"], ["account"]],
  evaluations: [["evaluations"]],
  jobs: [["jobs"]],
  logs: [],
};

export function wsUrl(): string {
  const base = env.apiBase || window.location.origin;
  return `${base.replace(/^http/, "ws")}/ws`;
}

/** Topics a role may subscribe to (the hub closes with 4403 on `logs` below admin). */
export function topicsFor(admin: boolean): Topic[] {
  const topics: Topic[] = ["metrics", "ledger", "orders", "evaluations", "jobs"];
  return admin ? [...topics, "logs"] : topics;
}

function throttledInvalidator(client: QueryClient): (topic: Topic) => void {
  const pending = new Map<Topic, ReturnType<typeof setTimeout>>();
  return (topic) => {
    if (pending.has(topic)) return; // a burst of events refetches once
    pending.set(
      topic,
      setTimeout(() => {
        pending.delete(topic);
        for (const queryKey of INVALIDATES[topic]) void client.invalidateQueries({ queryKey });
      }, 250),
    );
  };
}

export function RealtimeProvider(props: { token: string; admin: boolean; children: ReactNode }) {
  const { token, admin, children } = props;
  const queryClient = useQueryClient();
  const [state, setState] = useState<ConnectionState>("connecting");
  const log = useMemo(() => new EventLog(), []);
  const topics = useMemo(() => topicsFor(admin), [admin]);

  useEffect(() => {
    let client: RealtimeClient | null = null;
    let cancelled = false;
    const invalidate = throttledInvalidator(queryClient);
    const start = () => {
      client = new RealtimeClient({
      url: wsUrl(),
      token,
      topics,
      onEvent: (event) => {
        log.add(event);
        invalidate(event.topic);
      },
      onReset: (topic) => {
        log.clear(topic);
        invalidate(topic);
      },
      onState: setState,
      });
      client.start();
    };
    void capabilities().then((c) => {
      if (cancelled) return;
      if (c.hub) start();
      else setState("unavailable");
    });
    return () => {
      cancelled = true;
      client?.stop();
    };
  }, [token, topics, log, queryClient]);

  const value = useMemo(() => ({ state, log, topics }), [state, log, topics]);
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}
