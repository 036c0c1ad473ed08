// The next time a 5-field cron schedule (minute hour day-of-month month
// day-of-week, UTC, as strategies store them) fires. As in cron, when both
// day fields are restricted a day matches either of them.
const NAMES: Record<string, number> = {
  sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6,
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

interface Field {
  values: Set<number>;
  restricted: boolean;
}

function value(text: string, field: string): number {
  const n = NAMES[text.toLowerCase()] ?? Number(text);
  if (!Number.isInteger(n)) throw new Error(`cron ${field}: ${text} is not a number`);
  return n;
}

function parseField(text: string, min: number, max: number, field: string): Field {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`cron ${field}: bad step in ${part}`);
    let lo = min;
    let hi = max;
    if (range !== "*") {
      const [a = "", b] = range.split("-");
      lo = value(a, field);
      hi = b === undefined ? (stepText === undefined ? lo : max) : value(b, field);
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`cron ${field}: ${part} is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, restricted: text !== "*" };
}

export interface Cron {
  minute: Field;
  hour: Field;
  day: Field;
  month: Field;
  weekday: Field;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron needs 5 fields, got ${parts.length}: ${expression}`);
  const [m = "", h = "", d = "", mo = "", w = ""] = parts;
  const weekday = parseField(w, 0, 7, "day of week");
  if (weekday.values.has(7)) weekday.values.add(0);
  return {
    minute: parseField(m, 0, 59, "minute"),
    hour: parseField(h, 0, 23, "hour"),
    day: parseField(d, 1, 31, "day of month"),
    month: parseField(mo, 1, 12, "month"),
    weekday,
  };
}

function dayMatches(cron: Cron, date: Date): boolean {
  if (!cron.month.values.has(date.getUTCMonth() + 1)) return false;
  const dom = cron.day.values.has(date.getUTCDate());
  const dow = cron.weekday.values.has(date.getUTCDay());
  if (cron.day.restricted && cron.weekday.restricted) return dom || dow;
  return dom && dow;
}

/** The first time strictly after `after` that the schedule fires, or null within 5 years. */
export function nextRun(expression: string, after: Date): Date | null {
  const cron = parseCron(expression);
  const start = new Date(after.getTime());
  start.setUTCSeconds(0, 0);
  start.setUTCMinutes(start.getUTCMinutes() + 1);
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  for (let i = 0; i < 366 * 5; i++, day.setUTCDate(day.getUTCDate() + 1)) {
    if (!dayMatches(cron, day)) continue;
    for (const hour of [...cron.hour.values].sort((a, b) => a - b)) {
      for (const minute of [...cron.minute.values].sort((a, b) => a - b)) {
        const at = new Date(day.getTime());
        at.setUTCHours(hour, minute);
        if (at >= start) return at;
      }
    }
  }
  return null;
}
