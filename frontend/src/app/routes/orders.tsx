import { OrdersPage } from "@/features/orders/components/orders-page";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function OrdersRoute() {
  usePageTitle("Orders");
  return <OrdersPage />;
}
