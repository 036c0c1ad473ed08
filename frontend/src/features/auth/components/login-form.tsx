import { useState, type FormEvent } from "react";
import { ApiError, advice } from "@/shared/api/api-error";
import { useAuth } from "@/shared/auth/auth-context";

/** The API key form: the key is checked with the service, then kept for this tab only. */
export function LoginForm({ onDone }: { onDone: () => void }) {
  const { login, reason } = useAuth();
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(key);
      onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? err.message : advice(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="login" onSubmit={(e) => void submit(e)} aria-describedby="login-help">
      <h1>PAS dashboard</h1>
      {reason ? (
        <p className="state state-error" role="alert">
          {reason}
        </p>
      ) : null}
      <label htmlFor="api-key">API key</label>
      <input
        id="api-key"
        name="api-key"
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={key}
        onChange={(e) => setKey(e.target.value)}
        required
        autoFocus
      />
      <p id="login-help" className="muted">
        Any key works: a viewer sees everything, a trader can also rebalance and cancel orders. <code>make run</code>{" "}
        prints the demo admin key (kept in <code>var/demo-admin.key</code>); <code>pas keys create --role viewer</code>{" "}
        makes another. The key stays in this browser tab only.
      </p>
      {error ? (
        <p className="state state-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? "Checking…" : "Log in"}
      </button>
    </form>
  );
}
