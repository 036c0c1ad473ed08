// Okabe–Ito: eight colours told apart with every common colour-vision deficiency.
// Series beyond eight repeat the colours with a dashed line (see seriesStyle).
export const OKABE_ITO = [
  "#0072B2", // blue
  "#E69F00", // orange
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#56B4E9", // sky blue
  "#D55E00", // vermillion
  "#F0E442", // yellow
  "#999999", // grey (in place of black, visible on dark backgrounds)
] as const;

export function colour(i: number): string {
  return OKABE_ITO[i % OKABE_ITO.length] ?? "#0072B2";
}

/** Colour and dash pattern of series i, so that no two of the first 16 look alike. */
export function seriesStyle(i: number): { color: string; dash: number[] } {
  return { color: colour(i), dash: i >= OKABE_ITO.length ? [6, 3] : [] };
}

/** Gain and loss colours: blue and vermillion (never red against green). */
export const GAIN = "#0072B2";
export const LOSS = "#D55E00";
