import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "@/shared/api/api-error";
import { Panel } from "./panel";

let fail = true;
function Fragile() {
  const [n] = useState(0);
  if (fail) throw new ApiError(403, "forbidden", "needs trader", { needed: "trader", role: "viewer" });
  return <p>content {n}</p>;
}

describe("Panel", () => {
  it("keeps a failure inside the panel, says what to do, and retries", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Panel title="Broken">
          <Fragile />
        </Panel>
        <Panel title="Fine">
          <p>still here</p>
        </Panel>
      </QueryClientProvider>,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("Broken could not be shown. This needs trader role");
    expect(screen.getByText("still here")).toBeInTheDocument();
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(screen.getByText("content 0")).toBeInTheDocument();
  });
});
