import { useState } from "react";

/** A button that runs an export and says when it failed (never silently). */
export function ExportButton({ label, title, run }: { label: string; title: string; run: () => Promise<void> | void }) {
  const [failed, setFailed] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="btn-small"
        title={title}
        aria-label={title}
        onClick={() => {
          setFailed(null);
          Promise.resolve()
            .then(run)
            .catch((error: unknown) => setFailed(error instanceof Error ? error.message : String(error)));
        }}
      >
        {label}
      </button>
      {failed ? (
        <span role="alert" className="export-error">
          Export failed: {failed}
        </span>
      ) : null}
    </>
  );
}
