import { AccountPage } from "@/features/account/components/account-page";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function AccountRoute() {
  usePageTitle("Account");
  return <AccountPage />;
}
