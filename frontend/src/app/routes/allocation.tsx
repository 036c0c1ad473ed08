import { AllocationPage } from "@/features/allocation/components/allocation-page";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function AllocationRoute() {
  usePageTitle("Allocation");
  return <AllocationPage />;
}
