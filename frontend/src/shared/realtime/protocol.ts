// The /ws protocol of the real-time hub (docs/websocket.md, issue 13):
//   client: {"op":"auth","token"} then {"op":"subscribe","topics","since"?,"epoch"?}
//   server: {"op":"authenticated"|"subscribed"|"unsubscribed"|"reset"|"ping"|"error", ...}
//           and events {"topic","offset","epoch","ts","data"} with gapless offsets per topic.
export const TOPICS = ["metrics", "logs", "ledger", "orders", "evaluations", "jobs"] as const;
export type Topic = (typeof TOPICS)[number];

/** Close codes: the key is missing or bad, the role is too low, the client was too slow. */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_SLOW = 4408;

export interface LiveEvent {
  topic: Topic;
  offset: number;
  epoch: string;
  ts: number;
  data: Record<string, unknown>;
}

export type ServerMessage =
  | { kind: "event"; event: LiveEvent }
  | { kind: "subscribed"; topics: Topic[]; epochs: Partial<Record<Topic, string>> }
  | { kind: "reset"; topic: Topic }
  | { kind: "ping" }
  | { kind: "other"; op: string };

function isTopic(value: unknown): value is Topic {
  return typeof value === "string" && (TOPICS as readonly string[]).includes(value);
}

function epochsOf(topics: Topic[], epoch: unknown): Partial<Record<Topic, string>> {
  // one epoch per topic ({topic: epoch}); a single string is taken to cover every topic
  if (typeof epoch === "string") return Object.fromEntries(topics.map((t) => [t, epoch]));
  if (typeof epoch !== "object" || epoch === null) return {};
  const out: Partial<Record<Topic, string>> = {};
  for (const [topic, value] of Object.entries(epoch)) {
    if (isTopic(topic) && (typeof value === "string" || typeof value === "number")) out[topic] = String(value);
  }
  return out;
}

/** Parse one server message; null for text that is not a protocol message. */
export function parseServerMessage(text: string): ServerMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (typeof m.op === "string") {
    if (m.op === "subscribed" && Array.isArray(m.topics)) {
      const topics = m.topics.filter(isTopic);
      return { kind: "subscribed", topics, epochs: epochsOf(topics, m.epoch) };
    }
    if (m.op === "reset" && isTopic(m.topic)) return { kind: "reset", topic: m.topic };
    if (m.op === "ping") return { kind: "ping" };
    return { kind: "other", op: m.op };
  }
  if (isTopic(m.topic) && typeof m.offset === "number" && m.epoch !== undefined) {
    const data = typeof m.data === "object" && m.data !== null ? (m.data as Record<string, unknown>) : {};
    const ts = typeof m.ts === "number" ? m.ts : Date.now() / 1000;
    return { kind: "event", event: { topic: m.topic, offset: m.offset, epoch: String(m.epoch), ts, data } };
  }
  return null;
}
