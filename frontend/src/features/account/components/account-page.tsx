import { useAccountTotals, useSleeves } from "@/shared/api/endpoints/ledger";
import { Panel } from "@/shared/components/panel";
import { Empty, QueryView } from "@/shared/components/states";
import { AccountSummary } from "./account-summary";
import { ReconciliationPanel } from "./reconciliation-panel";
import { AllocationDoughnut, SleeveValueChart } from "./sleeve-charts";
import { SleevesTable, useSleeveRows } from "./sleeves-table";

const NO_SLEEVES = (
  <Empty
    message="No strategies yet: create one with pas strategies create ... (or the six demo strategies with the command below)."
    hint="pas strategies demo"
  />
);

function Sleeves() {
  const sleeves = useSleeves();
  const rows = useSleeveRows(sleeves.data ?? []);
  return (
    <QueryView query={sleeves} what="sleeves" isEmpty={(d) => d.length === 0} empty={NO_SLEEVES}>
      {() => <SleevesTable rows={rows} />}
    </QueryView>
  );
}

function Charts() {
  const sleeves = useSleeves();
  const totals = useAccountTotals();
  return (
    <QueryView query={sleeves} what="sleeves" isEmpty={(d) => d.length === 0} empty={NO_SLEEVES}>
      {(data) => (
        <div className="chart-pair">
          <SleeveValueChart sleeves={data} />
          <AllocationDoughnut sleeves={data} unallocated={Number(totals.data?.unallocated ?? 0)} />
        </div>
      )}
    </QueryView>
  );
}

export function AccountPage() {
  return (
    <div className="grid">
      <Panel title="Account" wide>
        <AccountSummary />
      </Panel>
      <Panel title="Sleeves" wide>
        <Sleeves />
      </Panel>
      <Panel title="Sleeve value and allocation" wide>
        <Charts />
      </Panel>
      <Panel title="Reconciliation">
        <ReconciliationPanel />
      </Panel>
    </div>
  );
}
