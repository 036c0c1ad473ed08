import { Link } from "react-router";
import { usePageTitle } from "@/shared/lib/use-page-title";

export default function NotFoundRoute() {
  usePageTitle("Not found");
  return (
    <div className="state state-empty">
      <h1>No such page</h1>
      <p>
        Go to the <Link to="/account">Account</Link> page.
      </p>
    </div>
  );
}
