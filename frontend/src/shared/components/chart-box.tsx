import "@/shared/lib/charts";
import type { Chart as ChartJS, ChartData, ChartOptions, ChartType, Plugin } from "chart.js";
import { useRef } from "react";
import { Chart } from "react-chartjs-2";
import { toCsv, type Cell } from "@/shared/lib/csv";
import { download, downloadCsv, fileName } from "@/shared/lib/download";
import { canvasToPng } from "@/shared/lib/png";
import { ExportButton } from "./export-button";

export interface CsvTable {
  header: string[];
  rows: Cell[][];
}

interface ChartBoxProps<T extends ChartType> {
  type: T;
  title: string;
  data: ChartData<T>;
  options?: ChartOptions<T>;
  plugins?: Plugin<T>[];
  /** The series behind the chart, for the CSV export (built only when asked for). */
  csv: () => CsvTable;
  /** Height in CSS pixels on wide screens. */
  height?: number;
}

/** One chart with its PNG (canvas on white) and CSV exports. */
export function ChartBox<T extends ChartType>({ type, title, data, options, plugins, csv, height = 280 }: ChartBoxProps<T>) {
  const ref = useRef<ChartJS<T>>(null);
  return (
    <figure className="chart" aria-label={title}>
      <div className="chart-canvas" style={{ height }}>
        <Chart ref={ref} type={type} data={data} options={options} plugins={plugins} role="img" aria-label={title} />
      </div>
      <figcaption className="chart-actions">
        <ExportButton
          label="PNG"
          title={`Download ${title} as PNG`}
          run={async () => {
            const canvas = ref.current?.canvas;
            if (!canvas) throw new Error("the chart is not drawn yet");
            download(await canvasToPng(canvas), fileName(title, "png"));
          }}
        />
        <ExportButton
          label="CSV"
          title={`Download the data of ${title} as CSV`}
          run={() => {
            const table = csv();
            downloadCsv(toCsv(table.header, table.rows), fileName(title, "csv"));
          }}
        />
      </figcaption>
    </figure>
  );
}
