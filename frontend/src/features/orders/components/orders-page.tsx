import { advice } from "@/shared/api/api-error";
import { useStrategies } from "@/shared/api/endpoints/strategies";
import { useCan } from "@/shared/auth/auth-context";
import { DataTable, type Column } from "@/shared/components/data-table";
import { Panel } from "@/shared/components/panel";
import { Empty, QueryView } from "@/shared/components/states";
import { fmtDateTime, fmtMoney, fmtNum } from "@/shared/lib/format";
import { OPEN_STATUSES, useCancelOrder, useOrders, type Order } from "../api/orders";
import { OrderHistory } from "./order-history";
import { RebalancePanel } from "./rebalance-panel";

function CancelButton({ order }: { order: Order }) {
  const cancel = useCancelOrder();
  if (!OPEN_STATUSES.has(order.status)) return null;
  return (
    <>
      <button type="button" className="btn-small btn-danger" aria-label={`Cancel order ${order.id}`} onClick={() => cancel.mutate(order.id)} disabled={cancel.isPending}>
        Cancel
      </button>
      {cancel.isError ? <span role="alert"> {advice(cancel.error)}</span> : null}
    </>
  );
}

function columns(names: Map<number, string>, trader: boolean): Column<Order>[] {
  const out: Column<Order>[] = [
    { key: "id", header: "Id", value: (o) => o.id, numeric: true },
    { key: "created_at", header: "Created", value: (o) => o.created_at, render: (o) => fmtDateTime(o.created_at) },
    { key: "strategy", header: "Strategy", value: (o) => (o.strategy_id === null ? "" : (names.get(o.strategy_id) ?? String(o.strategy_id))) },
    { key: "symbol", header: "Symbol", value: (o) => o.symbol },
    { key: "side", header: "Side", value: (o) => o.side },
    { key: "qty", header: "Quantity", value: (o) => Number(o.qty), render: (o) => fmtNum(o.qty, 0), numeric: true },
    { key: "type", header: "Type", value: (o) => o.type },
    { key: "status", header: "Status", value: (o) => o.status },
    { key: "filled_qty", header: "Filled", value: (o) => Number(o.filled_qty), render: (o) => fmtNum(o.filled_qty, 0), numeric: true },
    { key: "filled_avg_price", header: "Average price", value: (o) => (o.filled_avg_price === null ? null : Number(o.filled_avg_price)), render: (o) => fmtMoney(o.filled_avg_price, true), numeric: true },
  ];
  if (trader) out.push({ key: "cancel", header: "Cancel", value: () => "", render: (o) => <CancelButton order={o} /> });
  return out;
}

export function OrdersPage() {
  const trader = useCan("trader");
  const orders = useOrders();
  const strategies = useStrategies();
  const names = new Map((strategies.data ?? []).map((s) => [s.id, s.name]));
  return (
    <>
      <div className="page-head">
        <h1>Orders</h1>
      </div>
      <div className="grid">
        {trader ? (
          <Panel title="Rebalance" wide>
            <RebalancePanel />
          </Panel>
        ) : null}
        <Panel title="Orders" wide>
          <QueryView
            query={orders}
            what="orders"
            isEmpty={(d) => d.length === 0}
            empty={<Empty message={trader ? "No orders yet: preview and submit a rebalance above, or from a shell:" : "No orders yet. A trader places them (a viewer key only reads):"} hint="pas rebalance demo-max_sharpe" />}
          >
            {(d) => <DataTable title="Orders" columns={columns(names, trader)} rows={d} rowKey={(o) => o.id} detail={(o) => <OrderHistory id={o.id} />} />}
          </QueryView>
        </Panel>
      </div>
    </>
  );
}
