import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { LiveEvent, Topic } from "./protocol";
import { RealtimeClient, type ConnectionState } from "./ws-client";

class FakeSocket {
  static all: FakeSocket[] = [];
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.onclose?.({ code });
  }
  open() {
    this.onopen?.();
  }
  push(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket;
const event = (topic: Topic, offset: number, epoch = "e1") => ({ topic, offset, epoch, ts: 1, data: { n: offset } });

function client() {
  const events: LiveEvent[] = [];
  const resets: Topic[] = [];
  const states: ConnectionState[] = [];
  const c = new RealtimeClient({
    url: "ws://test/ws",
    token: "pas_key",
    topics: ["ledger", "orders"],
    socket: FakeSocket as unknown as new (url: string) => WebSocket,
    backoff: () => 1000,
    onEvent: (e) => events.push(e),
    onReset: (t) => resets.push(t),
    onState: (s) => states.push(s),
  });
  c.start();
  return { c, events, resets, states };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("RealtimeClient", () => {
  it("authenticates first, then subscribes, and is open once acknowledged", () => {
    const { states } = client();
    last().open();
    expect(last().sent).toEqual([{ op: "auth", token: "pas_key" }, { op: "subscribe", topics: ["ledger", "orders"] }]);
    last().push({ op: "subscribed", topics: ["ledger", "orders"], epoch: { ledger: "e1", orders: "e1" } });
    expect(states.at(-1)).toBe("open");
  });

  it("resumes with since and epoch after a drop, and drops events seen twice", () => {
    const { events, resets, states } = client();
    last().open();
    last().push({ op: "subscribed", topics: ["ledger", "orders"], epoch: { ledger: "e1", orders: "e1" } });
    last().push(event("ledger", 1));
    last().push(event("ledger", 2));
    last().close(1006);
    expect(states.at(-1)).toBe("reconnecting");
    vi.advanceTimersByTime(1000);
    last().open();
    expect(last().sent[1]).toEqual({ op: "subscribe", topics: ["ledger", "orders"], since: { ledger: 2 }, epoch: { ledger: "e1" } });
    last().push({ op: "subscribed", topics: ["ledger", "orders"], epoch: { ledger: "e1", orders: "e1" } });
    last().push(event("ledger", 2)); // replayed twice: ignored
    last().push(event("ledger", 3));
    expect(events.map((e) => e.offset)).toEqual([1, 2, 3]);
    // orders had no position: what it missed while away is reloaded over HTTP
    expect(resets).toEqual(["orders"]);
  });

  it("reloads on reset, on a gap and on a new epoch", () => {
    const { resets, c } = client();
    last().open();
    last().push({ op: "subscribed", topics: ["ledger"], epoch: { ledger: "e1" } });
    last().push(event("ledger", 1));
    last().push({ op: "reset", topic: "ledger" });
    expect(c.position("ledger")).toBeUndefined();
    last().push(event("ledger", 5));
    last().push(event("ledger", 7)); // 6 is missing
    last().push(event("ledger", 1, "e2")); // history lost
    expect(resets).toEqual(["ledger", "ledger", "ledger"]);
    expect(c.position("ledger")).toEqual({ offset: 1, epoch: "e2" });
  });

  it("answers pings and stops for good on 4401 and 4403", () => {
    const { states } = client();
    last().open();
    last().push({ op: "ping" });
    expect(last().sent.at(-1)).toEqual({ op: "pong" });
    last().close(4401);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(states.at(-1)).toBe("unauthorized");
  });

  it("calls the hub unavailable when no connection ever opens, and keeps trying", () => {
    const { states } = client();
    last().close(1006);
    vi.advanceTimersByTime(1000);
    last().close(1006);
    expect(states.at(-1)).toBe("unavailable");
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(3);
  });

  it("reconnects when the hub falls silent", () => {
    client();
    last().open();
    vi.advanceTimersByTime(75_000);
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
  });
});
