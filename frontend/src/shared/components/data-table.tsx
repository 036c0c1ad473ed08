import { useMemo, useState, type ReactNode } from "react";
import { toCsv, type Cell } from "@/shared/lib/csv";
import { downloadCsv, fileName } from "@/shared/lib/download";
import { ExportButton } from "./export-button";

export interface Column<R> {
  key: string;
  header: string;
  /** The raw value: exported to CSV and used for sorting. */
  value: (row: R) => Cell;
  /** What the cell shows (defaults to the value). */
  render?: (row: R) => ReactNode;
  numeric?: boolean;
}

interface DataTableProps<R> {
  title: string;
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string | number;
  /** Rows shown before "Show all". */
  pageSize?: number;
  /** Extra content under a row (e.g. an order's history), shown when the row is expanded. */
  detail?: (row: R) => ReactNode;
}

type Sort = { key: string; descending: boolean } | null;

function compare(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1;
  if (b === null || b === undefined || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** A sortable table with CSV export of every row (not only those shown). */
export function DataTable<R>({ title, columns, rows, rowKey, pageSize = 50, detail }: DataTableProps<R>) {
  const [sort, setSort] = useState<Sort>(null);
  const [all, setAll] = useState(false);
  const [open, setOpen] = useState<string | number | null>(null);
  const sorted = useMemo(() => {
    if (!sort) return rows;
    const column = columns.find((c) => c.key === sort.key);
    if (!column) return rows;
    const out = [...rows].sort((a, b) => compare(column.value(a), column.value(b)));
    return sort.descending ? out.reverse() : out;
  }, [rows, columns, sort]);
  const shown = all ? sorted : sorted.slice(0, pageSize);
  const exportCsv = () =>
    downloadCsv(toCsv(columns.map((c) => c.key), sorted.map((r) => columns.map((c) => c.value(r)))), fileName(title, "csv"));

  return (
    <div className="table-wrap">
      <div className="table-actions">
        <span className="muted">
          {rows.length} row{rows.length === 1 ? "" : "s"}
        </span>
        <ExportButton label="CSV" title={`Download ${title} as CSV`} run={exportCsv} />
      </div>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`${title} table`}>
        <table>
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              {detail ? <th scope="col"><span className="sr-only">Details</span></th> : null}
              {columns.map((c) => {
                const active = sort?.key === c.key;
                const ariaSort = active ? (sort.descending ? "descending" : "ascending") : "none";
                return (
                  <th key={c.key} scope="col" aria-sort={ariaSort} className={c.numeric ? "num" : undefined}>
                    <button
                      type="button"
                      className="sort"
                      onClick={() => setSort(active && !sort.descending ? { key: c.key, descending: true } : { key: c.key, descending: false })}
                    >
                      {c.header}
                      <span aria-hidden="true">{active ? (sort.descending ? " ▼" : " ▲") : ""}</span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => {
              const key = rowKey(row);
              const expanded = open === key;
              return (
                <Row key={key} expanded={expanded} colSpan={columns.length + 1} detail={detail && expanded ? detail(row) : null}>
                  {detail ? (
                    <td>
                      <button
                        type="button"
                        className="btn-small"
                        aria-expanded={expanded}
                        aria-label={`${expanded ? "Hide" : "Show"} details of ${String(key)}`}
                        onClick={() => setOpen(expanded ? null : key)}
                      >
                        {expanded ? "Hide" : "Show"}
                      </button>
                    </td>
                  ) : null}
                  {columns.map((c) => (
                    <td key={c.key} className={c.numeric ? "num" : undefined}>
                      {c.render ? c.render(row) : String(c.value(row) ?? "—")}
                    </td>
                  ))}
                </Row>
              );
            })}
          </tbody>
        </table>
      </div>
      {sorted.length > shown.length ? (
        <button type="button" className="btn-small" onClick={() => setAll(true)}>
          Show all {sorted.length} rows
        </button>
      ) : null}
    </div>
  );
}

function Row(props: { expanded: boolean; colSpan: number; detail: ReactNode; children: ReactNode }) {
  return (
    <>
      <tr className={props.expanded ? "expanded" : undefined}>{props.children}</tr>
      {props.detail ? (
        <tr className="detail">
          <td colSpan={props.colSpan}>{props.detail}</td>
        </tr>
      ) : null}
    </>
  );
}
