import { LedgerPage } from "@/features/ledger/components/ledger-page";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function LedgerRoute() {
  usePageTitle("Ledger");
  return <LedgerPage />;
}
