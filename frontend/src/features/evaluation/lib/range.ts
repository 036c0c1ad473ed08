import { yearsBefore } from "@/shared/api/endpoints/securities";

// Date-range presets for the evaluation, counted back from the last evaluated date.
export const PRESETS = [
  { id: "1y", label: "1 year", years: 1 },
  { id: "3y", label: "3 years", years: 3 },
  { id: "5y", label: "5 years", years: 5 },
  { id: "10y", label: "10 years", years: 10 },
  { id: "all", label: "All", years: null },
] as const;

export const DEFAULT_PRESET: PresetId = "10y";

export type PresetId = (typeof PRESETS)[number]["id"] | "custom";

/** The start date of a preset ending at `last` (undefined: from the beginning). */
export function presetStart(id: PresetId, last: string | null): string | undefined {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset || preset.years === null || !last) return undefined;
  return yearsBefore(last, preset.years);
}
