import { createContext, useContext, useSyncExternalStore } from "react";
import { env } from "@/config/env";
import { EventLog } from "./event-log";
import type { LiveEvent, Topic } from "./protocol";
import type { ConnectionState } from "./ws-client";

export interface Realtime {
  state: ConnectionState;
  log: EventLog;
  topics: Topic[];
}

export const RealtimeContext = createContext<Realtime>({ state: "closed", log: new EventLog(), topics: [] });

export function useRealtime(): Realtime {
  return useContext(RealtimeContext);
}

export function useConnectionState(): ConnectionState {
  return useContext(RealtimeContext).state;
}

/** Refetch interval for live data: none while the hub pushes changes, else polling. */
export function useLiveInterval(): number | false {
  return useConnectionState() === "open" ? false : env.pollMs;
}

export function useLiveEvents(topic?: Topic): LiveEvent[] {
  const { log } = useRealtime();
  const events = useSyncExternalStore(log.subscribe, log.snapshot);
  return topic ? events.filter((e) => e.topic === topic) : events;
}
