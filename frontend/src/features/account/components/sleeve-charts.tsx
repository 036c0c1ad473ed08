import { marketValue, type Sleeve } from "@/shared/api/endpoints/ledger";
import { ChartBox } from "@/shared/components/chart-box";
import { colour } from "@/shared/lib/palette";

/** Per sleeve: free float, reserved cash and market value, stacked. */
export function SleeveValueChart({ sleeves }: { sleeves: Sleeve[] }) {
  const labels = sleeves.map((s) => s.name);
  const parts = [
    { label: "Free float", values: sleeves.map((s) => Number(s.free_float)) },
    { label: "Reserved", values: sleeves.map((s) => Number(s.reserved)) },
    { label: "Market value", values: sleeves.map((s) => marketValue(s)) },
  ];
  return (
    <ChartBox
      type="bar"
      title="Sleeve value"
      data={{ labels, datasets: parts.map((p, i) => ({ label: p.label, data: p.values, backgroundColor: colour(i) })) }}
      options={{
        indexAxis: "y",
        scales: { x: { stacked: true, ticks: { callback: (v) => `$${Number(v) / 1000}k` } }, y: { stacked: true } },
      }}
      csv={() => ({ header: ["sleeve", "free_float", "reserved", "market_value"], rows: sleeves.map((s, i) => [s.name, ...parts.map((p) => p.values[i] ?? 0)]) })}
    />
  );
}

/** Where the account's money is: each sleeve's equity and the unallocated cash. */
export function AllocationDoughnut({ sleeves, unallocated }: { sleeves: Sleeve[]; unallocated: number }) {
  const labels = [...sleeves.map((s) => s.name), "Unallocated"];
  const values = [...sleeves.map((s) => Number(s.cash) + marketValue(s)), unallocated];
  return (
    <ChartBox
      type="doughnut"
      title="Account by sleeve"
      data={{ labels, datasets: [{ data: values, backgroundColor: labels.map((_, i) => colour(i)), borderWidth: 1 }] }}
      options={{ plugins: { legend: { position: "right" } } }}
      csv={() => ({ header: ["sleeve", "equity"], rows: labels.map((l, i) => [l, values[i] ?? 0]) })}
    />
  );
}
