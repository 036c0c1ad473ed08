import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { EventLog } from "@/shared/realtime/event-log";
import { RealtimeContext } from "@/shared/realtime/realtime-context";
import type { ConnectionState } from "@/shared/realtime/ws-client";
import { fakeServer } from "@/testing/fake-server";
import { renderPage } from "@/testing/render";
import { LivePage } from "./live-page";

function live(state: ConnectionState, log: EventLog) {
  return (
    <RealtimeContext.Provider value={{ state, log, topics: ["logs", "jobs", "metrics"] }}>
      <LivePage />
    </RealtimeContext.Provider>
  );
}

describe("LivePage", () => {
  it("filters the log stream by level and lists the updater's jobs", async () => {
    fakeServer({ "GET /api/v1/jobs": { jobs: [{ name: "metrics", schedule: "5 22 * * 1-5", next_run: "2026-12-07T22:05:00Z", last_run: null, last_outcome: null }] } }, ["/api/v1/jobs"]);
    const log = new EventLog();
    for (const [offset, level] of [[1, "INFO"], [2, "WARNING"], [3, "ERROR"]] as const) {
      log.add({ topic: "logs", offset, epoch: "e", ts: 1_765_000_000 + offset, data: { level, logger: "pas.x", message: `message ${offset}` } });
    }
    log.add({ topic: "jobs", offset: 1, epoch: "e", ts: 1_765_000_000, data: { job: "metrics", status: "ok" } });
    renderPage(live("open", log));
    expect(screen.getByText(/message 1/)).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole("combobox"), "WARNING");
    expect(screen.queryByText(/message 1/)).toBeNull();
    expect(screen.getByText(/message 2/)).toBeInTheDocument();
    expect(screen.getByText(/"status":"ok"/)).toBeInTheDocument();
    expect(await screen.findByRole("row", { name: /metrics 5 22 \* \* 1-5/ })).toBeInTheDocument();
    expect(screen.queryByText(/Live updates unavailable/)).toBeNull();
  });

  it("says when the server has no hub, and keeps the log for admins", async () => {
    fakeServer({});
    renderPage(live("unavailable", new EventLog()), "viewer");
    expect(screen.getByText(/Live updates unavailable: this server has no event hub/)).toBeInTheDocument();
    expect(screen.getByText("The system log stream is for admin keys.")).toBeInTheDocument();
    expect(await screen.findByText(/No updater jobs on this server yet/)).toBeInTheDocument();
  });
});
