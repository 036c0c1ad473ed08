import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AuthProvider } from "@/shared/auth/auth-context";
import { fakeServer, json } from "@/testing/fake-server";
import { LoginForm } from "./login-form";

describe("LoginForm", () => {
  it("keeps a checked key and its role in sessionStorage", async () => {
    fakeServer({ "GET /api/v1/keys": json({ error: { code: "forbidden", message: "x", details: { needed: "admin", role: "viewer" } } }, 403) });
    const done = vi.fn();
    render(<AuthProvider><LoginForm onDone={done} /></AuthProvider>);
    await userEvent.type(screen.getByLabelText("API key"), " pas_viewer_key ");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(done).toHaveBeenCalled();
    expect(sessionStorage.getItem("pas.apiKey")).toBe("pas_viewer_key");
    expect(sessionStorage.getItem("pas.role")).toBe("viewer");
  });

  it("says why a key is refused and keeps nothing", async () => {
    fakeServer({ "GET /api/v1/keys": json({ error: { code: "unauthorized", message: "invalid", details: {} } }, 401) });
    render(<AuthProvider><LoginForm onDone={vi.fn()} /></AuthProvider>);
    await userEvent.type(screen.getByLabelText("API key"), "bad");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/not valid/);
    expect(sessionStorage.getItem("pas.apiKey")).toBeNull();
  });
});
