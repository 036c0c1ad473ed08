import { EvaluationPage } from "@/features/evaluation/components/evaluation-page";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function EvaluationRoute() {
  usePageTitle("Evaluation");
  return <EvaluationPage />;
}
