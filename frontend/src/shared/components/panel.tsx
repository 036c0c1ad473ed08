import { QueryErrorResetBoundary } from "@tanstack/react-query";
import { useId, type ReactNode } from "react";
import { advice } from "@/shared/api/api-error";
import { ErrorBoundary } from "./error-boundary";

interface PanelProps {
  title: string;
  /** Buttons shown beside the title (exports, toggles). */
  actions?: ReactNode;
  /** Wide panels span the whole grid row. */
  wide?: boolean;
  children: ReactNode;
}

/** A titled section that is its own error boundary: a failure shows here, with a retry. */
export function Panel({ title, actions, wide, children }: PanelProps) {
  const id = useId();
  return (
    <section className={wide ? "panel panel-wide" : "panel"} aria-labelledby={id}>
      <header className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      <QueryErrorResetBoundary>
        {({ reset }) => (
          <ErrorBoundary
            onReset={reset}
            fallback={(error, retry) => (
              <div className="state state-error" role="alert">
                <p>
                  <strong>{title} could not be shown.</strong> {advice(error)}
                </p>
                <button type="button" onClick={retry}>
                  Try again
                </button>
              </div>
            )}
          >
            {children}
          </ErrorBoundary>
        )}
      </QueryErrorResetBoundary>
    </section>
  );
}
