// Component tests do not draw (jsdom has no canvas): charts render as a labelled stub.
import type { ChartData } from "chart.js";

export function ChartStub(props: { type: string; data: ChartData; "aria-label"?: string }) {
  const datasets = props.data.datasets.map((d) => d.label ?? "").join(",");
  return <canvas data-testid="chart" data-type={props.type} data-datasets={datasets} aria-label={props["aria-label"]} />;
}
