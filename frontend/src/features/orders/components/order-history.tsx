import { QueryView } from "@/shared/components/states";
import { fmtDateTime, fmtMoney, fmtNum } from "@/shared/lib/format";
import { useOrderDetail } from "../api/orders";

/** An order's status history and fills (loaded when its row is opened). */
export function OrderHistory({ id }: { id: number }) {
  const detail = useOrderDetail(id);
  return (
    <QueryView query={detail} what={`order ${id}`}>
      {(d) => (
        <div className="chart-grid">
          <div>
            <h3>Status history</h3>
            <ol>
              {d.history.map((h) => (
                <li key={`${h.at}-${h.status}`}>
                  {fmtDateTime(h.at)}: <strong>{h.status}</strong>, filled {fmtNum(h.filled_qty, 0)}
                  {h.note ? ` (${h.note})` : ""}
                </li>
              ))}
            </ol>
          </div>
          <div>
            <h3>Fills</h3>
            {d.fills.length ? (
              <ol>
                {d.fills.map((f) => (
                  <li key={`${f.at}-${f.cum_qty}`}>
                    {fmtDateTime(f.at)}: {fmtNum(f.qty, 0)} at {fmtMoney(f.price, true)}
                  </li>
                ))}
              </ol>
            ) : (
              <p className="muted">No fill yet.</p>
            )}
          </div>
        </div>
      )}
    </QueryView>
  );
}
