// The most recent live events per topic, for the Live page (a bounded buffer).
import type { LiveEvent, Topic } from "./protocol";

type Listener = () => void;

export class EventLog {
  private readonly limit: number;
  private events: LiveEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(limit = 500) {
    this.limit = limit;
  }

  add(event: LiveEvent): void {
    const next = [...this.events, event];
    this.events = next.length > this.limit ? next.slice(next.length - this.limit) : next;
    this.listeners.forEach((l) => l());
  }

  clear(topic: Topic): void {
    this.events = this.events.filter((e) => e.topic !== topic);
    this.listeners.forEach((l) => l());
  }

  snapshot = (): LiveEvent[] => this.events;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
