import { FactorsPage } from "@/features/factors/components/factors-page";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function FactorsRoute() {
  usePageTitle("Factors");
  return <FactorsPage />;
}
