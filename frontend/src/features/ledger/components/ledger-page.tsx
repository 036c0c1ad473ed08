import { useRecentEvents, useSleeves, type LedgerEvent, type Position } from "@/shared/api/endpoints/ledger";
import { DataTable, type Column } from "@/shared/components/data-table";
import { Panel } from "@/shared/components/panel";
import { Empty, QueryView } from "@/shared/components/states";
import { fmtDateTime, fmtMoney, fmtNum } from "@/shared/lib/format";
import { useOpenReservations, type Reservation } from "../api/reservations";

type Holding = Position & { sleeve: string };

const money = (key: keyof Position, header: string): Column<Holding> => ({
  key, header, value: (r) => (r[key] === null ? null : Number(r[key])), render: (r) => fmtMoney(r[key] as string | null, true), numeric: true,
});

const holdingColumns: Column<Holding>[] = [
  { key: "sleeve", header: "Sleeve", value: (r) => r.sleeve },
  { key: "symbol", header: "Symbol", value: (r) => r.symbol },
  { key: "qty", header: "Quantity", value: (r) => Number(r.qty), render: (r) => fmtNum(r.qty, 0), numeric: true },
  { key: "qty_reserved", header: "Reserved to sell", value: (r) => Number(r.qty_reserved), render: (r) => fmtNum(r.qty_reserved, 0), numeric: true },
  money("avg_cost", "Average cost"),
  money("price", "Price"),
  money("market_value", "Market value"),
  money("unrealized_pnl", "Unrealised PnL"),
];

const reservationColumns: Column<Reservation>[] = [
  { key: "id", header: "Id", value: (r) => r.id, numeric: true },
  { key: "sleeve", header: "Sleeve", value: (r) => r.sleeve, numeric: true },
  { key: "symbol", header: "Symbol", value: (r) => r.symbol },
  { key: "side", header: "Side", value: (r) => r.side },
  { key: "qty", header: "Quantity", value: (r) => Number(r.qty), render: (r) => fmtNum(r.qty, 0), numeric: true },
  { key: "limit_price", header: "Limit", value: (r) => Number(r.limit_price), render: (r) => fmtMoney(r.limit_price, true), numeric: true },
  { key: "remaining", header: "Still reserved", value: (r) => Number(r.remaining), render: (r) => fmtNum(r.remaining), numeric: true },
  { key: "client_id", header: "Client id", value: (r) => r.client_id },
];

function describe(event: LedgerEvent): string {
  const d = event.data;
  const parts = [d.symbol && `${d.side ?? ""} ${d.qty ?? ""} ${d.symbol}`.trim(), d.price && `@ ${d.price}`, d.amount && `amount ${d.amount}`, d.sleeve && `sleeve ${d.sleeve}`, d.name];
  return parts.filter(Boolean).join(", ");
}

const eventColumns: Column<LedgerEvent>[] = [
  { key: "seq", header: "Seq", value: (e) => e.seq, numeric: true },
  { key: "at", header: "Time", value: (e) => e.at, render: (e) => fmtDateTime(e.at) },
  { key: "kind", header: "Event", value: (e) => e.kind },
  { key: "actor", header: "Actor", value: (e) => e.actor ?? "", render: (e) => e.actor ?? "—" },
  { key: "details", header: "Details", value: (e) => JSON.stringify(e.data), render: describe },
];

function Positions() {
  const sleeves = useSleeves();
  return (
    <QueryView query={sleeves} what="positions">
      {(data) => {
        const rows = data.flatMap((s) => s.positions.map((p) => ({ ...p, sleeve: s.name })));
        if (rows.length === 0) return <Empty message="No positions yet: preview and submit a rebalance on the Orders page, or from a shell:" hint="pas rebalance demo-max_sharpe" />;
        return <DataTable title="Positions" columns={holdingColumns} rows={rows} rowKey={(r) => `${r.sleeve}:${r.symbol}`} />;
      }}
    </QueryView>
  );
}

export function LedgerPage() {
  const reservations = useOpenReservations();
  const events = useRecentEvents(100);
  return (
    <>
      <div className="page-head">
        <h1>Ledger</h1>
      </div>
      <div className="grid">
        <Panel title="Positions" wide>
          <Positions />
        </Panel>
        <Panel title="Open reservations" wide>
          <QueryView query={reservations} what="open reservations" isEmpty={(d) => d.length === 0} empty={<Empty message="No open reservations: every order placed has been filled or cancelled." />}>
            {(d) => <DataTable title="Open reservations" columns={reservationColumns} rows={d} rowKey={(r) => r.id} />}
          </QueryView>
        </Panel>
        <Panel title="Recent ledger events" wide>
          <QueryView query={events} what="ledger events" isEmpty={(d) => d.length === 0} empty={<Empty message="No ledger events yet: create a sleeve first." hint="pas ledger create growth --cash 250000" />}>
            {(d) => <DataTable title="Ledger events" columns={eventColumns} rows={[...d].reverse()} rowKey={(e) => e.seq} pageSize={25} />}
          </QueryView>
        </Panel>
      </div>
    </>
  );
}
