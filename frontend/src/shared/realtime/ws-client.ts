// A WebSocket client for the hub that resumes where it left off: it remembers the
// last offset and epoch per topic, resubscribes with `since` after a reconnect,
// and says "reload" (onReset) when the hub cannot replay what was missed.
import {
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHORIZED,
  parseServerMessage,
  type LiveEvent,
  type Topic,
} from "./protocol";

export type ConnectionState =
  | "connecting"
  | "open"
  | "reconnecting"
  | "unavailable"
  | "unauthorized"
  | "forbidden"
  | "closed";

export interface RealtimeOptions {
  url: string;
  token: string | null;
  topics: Topic[];
  onEvent: (event: LiveEvent) => void;
  onReset: (topic: Topic) => void;
  onState: (state: ConnectionState) => void;
  /** WebSocket constructor (tests pass a fake). */
  socket?: new (url: string) => WebSocket;
  /** Delay before reconnect attempt n (1, 2, ...), in ms. */
  backoff?: (attempt: number) => number;
  /** Silence after which the connection is taken as dead (the hub pings well within it). */
  watchdogMs?: number;
}

interface Position {
  offset: number;
  epoch: string;
}

/** Failed connection attempts in a row, none ever opened, after which the hub counts as absent. */
const UNAVAILABLE_AFTER = 2;

export function defaultBackoff(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6));
  return base * (0.75 + Math.random() * 0.5);
}

export class RealtimeClient {
  private readonly options: RealtimeOptions;
  private ws: WebSocket | null = null;
  private readonly positions = new Map<Topic, Position>();
  private failures = 0;
  private everOpened = false;
  private subscribedOnce = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private state: ConnectionState = "connecting";

  constructor(options: RealtimeOptions) {
    this.options = options;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.ws?.close(1000, "client closed");
    this.ws = null;
    this.setState("closed");
  }

  /** The last offset seen per topic (what the next subscribe sends as `since`). */
  position(topic: Topic): Position | undefined {
    return this.positions.get(topic);
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState(state);
  }

  private connect(): void {
    const Socket = this.options.socket ?? WebSocket;
    this.setState(this.failures === 0 && !this.everOpened ? "connecting" : this.state);
    const ws = new Socket(this.options.url);
    this.ws = ws;
    ws.onopen = () => this.opened(ws);
    ws.onmessage = (message: MessageEvent) => this.received(ws, String(message.data));
    ws.onclose = (event: CloseEvent) => this.closed(ws, event.code);
    ws.onerror = () => undefined; // a close event follows; it decides what happens
  }

  private opened(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.everOpened = true;
    this.failures = 0;
    if (this.options.token) ws.send(JSON.stringify({ op: "auth", token: this.options.token }));
    const since: Record<string, number> = {};
    const epoch: Record<string, string> = {};
    for (const topic of this.options.topics) {
      const at = this.positions.get(topic);
      if (at) {
        since[topic] = at.offset;
        epoch[topic] = at.epoch;
      }
    }
    const resume = Object.keys(since).length > 0 ? { since, epoch } : {};
    ws.send(JSON.stringify({ op: "subscribe", topics: this.options.topics, ...resume }));
    this.armWatchdog(ws);
  }

  private received(ws: WebSocket, text: string): void {
    if (ws !== this.ws) return;
    this.armWatchdog(ws);
    const message = parseServerMessage(text);
    if (message === null) return;
    switch (message.kind) {
      case "event":
        this.event(message.event);
        break;
      case "subscribed":
        this.subscribed(message.topics, message.epochs);
        break;
      case "reset":
        this.reset(message.topic);
        break;
      case "ping":
        ws.send(JSON.stringify({ op: "pong" }));
        break;
      default:
        break;
    }
  }

  private subscribed(topics: Topic[], epochs: Partial<Record<Topic, string>>): void {
    this.setState("open");
    for (const topic of topics) {
      const at = this.positions.get(topic);
      const epoch = epochs[topic];
      // Without a position after a reconnect, or with a changed epoch, what was
      // missed cannot be replayed: the page reloads it over HTTP.
      if ((at === undefined && this.subscribedOnce) || (at && epoch !== undefined && epoch !== at.epoch)) {
        this.reset(topic);
      }
    }
    this.subscribedOnce = true;
  }

  private event(event: LiveEvent): void {
    const at = this.positions.get(event.topic);
    if (at && at.epoch === event.epoch) {
      if (event.offset <= at.offset) return; // already seen (replayed twice)
      if (event.offset > at.offset + 1) this.options.onReset(event.topic); // a gap: reload
    } else if (at) {
      this.options.onReset(event.topic); // a new epoch: history was lost
    }
    this.positions.set(event.topic, { offset: event.offset, epoch: event.epoch });
    this.options.onEvent(event);
  }

  private reset(topic: Topic): void {
    this.positions.delete(topic);
    this.options.onReset(topic);
  }

  private closed(ws: WebSocket, code: number): void {
    if (ws !== this.ws || this.stopped) return;
    this.ws = null;
    this.clearTimers();
    if (code === CLOSE_UNAUTHORIZED) return this.setState("unauthorized");
    if (code === CLOSE_FORBIDDEN) return this.setState("forbidden");
    this.failures += 1;
    const absent = !this.everOpened && this.failures >= UNAVAILABLE_AFTER;
    this.setState(absent ? "unavailable" : "reconnecting");
    const delay = (this.options.backoff ?? defaultBackoff)(this.failures);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private armWatchdog(ws: WebSocket): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => ws.close(4000, "no message from the hub"), this.options.watchdogMs ?? 75_000);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.retryTimer = null;
    this.watchdog = null;
  }
}
