import { useConnectionState } from "@/shared/realtime/realtime-context";
import type { ConnectionState } from "@/shared/realtime/ws-client";

const LABELS: Record<ConnectionState, { text: string; title: string }> = {
  connecting: { text: "Connecting…", title: "Connecting to the live event hub" },
  open: { text: "Live", title: "Live: changes appear as they happen" },
  reconnecting: { text: "Reconnecting…", title: "The live connection dropped; reconnecting and catching up" },
  unavailable: {
    text: "Live updates unavailable",
    title: "The server has no live event hub (/ws): pages refresh every few seconds instead",
  },
  unauthorized: { text: "Live: key refused", title: "The hub refused the API key: log in again" },
  forbidden: { text: "Live: role too low", title: "The hub refused a topic for this key's role" },
  closed: { text: "Offline", title: "Not connected" },
};

/** The live connection's state, shown on every page (text, not only colour). */
export function ConnectionBadge() {
  const state = useConnectionState();
  const label = LABELS[state];
  return (
    <span className={`badge badge-${state}`} role="status" aria-live="polite" title={label.title}>
      <span className="dot" aria-hidden="true" />
      {label.text}
    </span>
  );
}
