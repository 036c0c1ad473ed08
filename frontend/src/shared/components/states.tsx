import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An empty state that says what to do: `hint` is shown as a command to run. */
export function Empty({ message, hint }: { message: string; hint?: string }) {
  return (
    <div className="state state-empty" role="status">
      <p>{message}</p>
      {hint ? (
        <p>
          <code>{hint}</code>
        </p>
      ) : null}
    </div>
  );
}

interface QueryViewProps<T> {
  query: UseQueryResult<T>;
  what: string;
  /** True when the data holds nothing to show. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** Loading, empty or the data; an error is thrown to the panel's error boundary. */
export function QueryView<T>({ query, what, isEmpty, empty, children }: QueryViewProps<T>) {
  if (query.isError) throw query.error;
  if (query.data === undefined) return <Loading what={what} />;
  if (isEmpty?.(query.data)) return <>{empty ?? <Empty message={`No ${what} yet.`} />}</>;
  return <>{children(query.data)}</>;
}
