import { LivePage } from "@/features/live/components/live-page";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function LiveRoute() {
  usePageTitle("Live");
  return <LivePage />;
}
