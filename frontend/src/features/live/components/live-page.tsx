import { useState } from "react";
import { useJobs } from "@/shared/api/metrics/get-jobs";
import { useAuth } from "@/shared/auth/auth-context";
import { DataTable } from "@/shared/components/data-table";
import { Panel } from "@/shared/components/panel";
import { Empty, QueryView } from "@/shared/components/states";
import { fmtDateTime } from "@/shared/lib/format";
import type { LiveEvent } from "@/shared/realtime/protocol";
import { useConnectionState, useLiveEvents } from "@/shared/realtime/realtime-context";

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;

function levelOf(event: LiveEvent): string {
  return typeof event.data.level === "string" ? event.data.level.toUpperCase() : "INFO";
}

function time(event: LiveEvent): string {
  return new Date(event.ts * 1000).toISOString().slice(11, 19);
}

function Unavailable() {
  const state = useConnectionState();
  if (state === "open") return null;
  const text =
    state === "unavailable"
      ? "Live updates unavailable: this server has no event hub (/ws) yet. Pages refresh every few seconds instead."
      : state === "forbidden"
        ? "The hub refused a topic for this key's role."
        : "Waiting for the live connection…";
  return <p className="state state-warn" role="status">{text}</p>;
}

function Stream({ topic, empty }: { topic: "metrics" | "jobs" | "logs"; empty: string }) {
  const events = useLiveEvents(topic);
  if (events.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ul className="log" aria-live="polite">
      {[...events].reverse().map((e) => (
        <li key={`${e.epoch}-${e.offset}`}>
          {time(e)} #{e.offset} {JSON.stringify(e.data)}
        </li>
      ))}
    </ul>
  );
}

function Logs() {
  const [minimum, setMinimum] = useState<string>("INFO");
  const events = useLiveEvents("logs");
  const rank = (level: string) => LEVELS.indexOf(level as (typeof LEVELS)[number]);
  const shown = events.filter((e) => rank(levelOf(e)) >= rank(minimum));
  return (
    <>
      <label className="controls">
        <span>Lowest level</span>
        <select value={minimum} onChange={(e) => setMinimum(e.target.value)}>
          {LEVELS.slice(1).map((l) => <option key={l}>{l}</option>)}
        </select>
      </label>
      {shown.length === 0 ? (
        <p className="muted">No log record at {minimum} or above since this page opened.</p>
      ) : (
        <ul className="log" aria-live="polite">
          {[...shown].reverse().map((e) => {
            const level = levelOf(e);
            return (
              <li key={`${e.epoch}-${e.offset}`} className={`level-${level}`}>
                {time(e)} <strong>{level}</strong> {String(e.data.logger ?? "")}: {String(e.data.message ?? JSON.stringify(e.data))}
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

function Jobs() {
  const jobs = useJobs();
  return (
    <QueryView query={jobs} what="updater jobs" isEmpty={(d) => d === null || d.length === 0} empty={<Empty message="No updater jobs on this server yet (GET /api/v1/jobs is absent or empty): the updater runs them once it is installed." hint="pas updater --list" />}>
      {(d) => (
        <DataTable
          title="Updater jobs"
          rows={d ?? []}
          rowKey={(j) => j.name}
          columns={[
            { key: "name", header: "Job", value: (j) => j.name },
            { key: "schedule", header: "Schedule (UTC)", value: (j) => j.schedule },
            { key: "next_run", header: "Next run", value: (j) => j.next_run ?? "", render: (j) => fmtDateTime(j.next_run) },
            { key: "last_run", header: "Last run", value: (j) => j.last_run?.started_at ?? "", render: (j) => fmtDateTime(j.last_run?.started_at) },
            { key: "last_outcome", header: "Outcome", value: (j) => j.last_outcome ?? "" },
          ]}
        />
      )}
    </QueryView>
  );
}

export function LivePage() {
  const { session } = useAuth();
  return (
    <>
      <div className="page-head">
        <h1>Live</h1>
      </div>
      <Unavailable />
      <div className="grid">
        <Panel title="System log" wide>
          {session?.role === "admin" ? <Logs /> : <p className="muted">The system log stream is for admin keys.</p>}
        </Panel>
        <Panel title="Metrics events">
          <Stream topic="metrics" empty="No metrics event since this page opened: the updater publishes one when it recomputes." />
        </Panel>
        <Panel title="Job events">
          <Stream topic="jobs" empty="No job event since this page opened." />
        </Panel>
        <Panel title="Updater jobs" wide>
          <Jobs />
        </Panel>
      </div>
    </>
  );
}
