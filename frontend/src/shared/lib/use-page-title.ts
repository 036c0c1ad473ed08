import { useEffect } from "react";

/** Name the page in the tab and for screen readers on navigation. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} — PAS`;
  }, [title]);
}
