import { useMemo, useState } from "react";
import { useEvaluation } from "@/shared/api/endpoints/evaluations";
import { useLastPriceDate } from "@/shared/api/endpoints/securities";
import { Panel } from "@/shared/components/panel";
import { Empty, Loading, QueryView } from "@/shared/components/states";
import { useSchemeReturns } from "../api/get-returns";
import { DEFAULT_PRESET, PRESETS, presetStart, type PresetId } from "../lib/range";
import { MetricsTable } from "./metrics-table";
import { PerformanceCharts } from "./performance-charts";

const NO_RUN = <Empty message="No evaluation has run yet: walk every scheme forward over the stored history." hint="pas evaluate --update" />;

function Charts({ methods, range, log }: { methods: string[]; range: { start?: string; end?: string }; log: boolean }) {
  const returns = useSchemeReturns(methods, range);
  if (returns.error) throw returns.error;
  if (!returns.data) return <Loading what="the schemes' daily returns" />;
  return <PerformanceCharts returns={returns.data} log={log} />;
}

export function EvaluationPage() {
  const last = useLastPriceDate();
  const [preset, setPreset] = useState<PresetId>(DEFAULT_PRESET);
  const [custom, setCustom] = useState<{ start?: string; end?: string }>({});
  const [log, setLog] = useState(true);
  const range = preset === "custom" ? custom : { start: presetStart(preset, last) };
  // one read gives the run, its schemes and their metrics over the range
  const ranged = useEvaluation(range, last !== null);
  const run = ranged.data;
  const methods = useMemo(() => (run ? Object.keys(run.metrics) : []), [run]);

  return (
    <>
      <div className="page-head">
        <h1>Evaluation</h1>
        <div className="controls">
          <label>
            Run
            <select value={run?.run_id ?? ""} disabled aria-describedby="run-note">
              {run ? <option value={run.run_id}>#{run.run_id} (current, data to {run.last_date})</option> : null}
            </select>
          </label>
          <label>
            Period
            <select value={preset} onChange={(e) => setPreset(e.target.value as PresetId)}>
              {PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
              <option value="custom">Custom…</option>
            </select>
          </label>
          {preset === "custom" ? (
            <>
              <label>
                From
                <input type="date" value={custom.start ?? ""} max={last ?? undefined} onChange={(e) => setCustom({ ...custom, start: e.target.value || undefined })} />
              </label>
              <label>
                To
                <input type="date" value={custom.end ?? ""} max={last ?? undefined} onChange={(e) => setCustom({ ...custom, end: e.target.value || undefined })} />
              </label>
            </>
          ) : null}
          <label className="check">
            <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} />
            Log scale
          </label>
        </div>
      </div>
      <p id="run-note" className="muted note">
        The API serves the current run only; choosing an older run needs a runs listing (not in the API yet).
      </p>
      <div className="grid">
        <Panel title="Scheme metrics" wide>
          <QueryView query={ranged} what="scheme metrics" isEmpty={(d) => d === null || Object.keys(d.metrics).length === 0} empty={NO_RUN}>
            {(d) => (d ? <MetricsTable metrics={d.metrics} /> : null)}
          </QueryView>
        </Panel>
        <Panel title="Performance" wide>
          <QueryView query={ranged} what="the evaluation" isEmpty={(d) => d === null || Object.keys(d.metrics).length === 0} empty={NO_RUN}>
            {() => <Charts methods={methods} range={range} log={log} />}
          </QueryView>
        </Panel>
      </div>
    </>
  );
}
