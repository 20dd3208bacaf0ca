/**
 * Calendar days in an IANA time zone, with nothing but `Intl`: which day an instant falls on, and the
 * instant a day begins. A fixed offset would put an hour of calls on the wrong day across a daylight
 * saving change, and a 90-day report always spans one somewhere.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `Intl` knows the zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function parts(epochMs: number, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

/** YYYY-MM-DD of the instant in the zone. */
export function dayOf(epochMs: number, timeZone: string): string {
  const p = parts(epochMs, timeZone);
  const pad = (n: number | undefined, w = 2) => String(n ?? 0).padStart(w, '0');
  return `${pad(p['year'], 4)}-${pad(p['month'])}-${pad(p['day'])}`;
}

/** The day after `day` (YYYY-MM-DD), by the calendar. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included (0 when `to` is before `from`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * The first instant of `day` in the zone: its midnight, or, where the clocks jump over midnight (Cuba,
 * Chile), the moment the day begins after the jump. A binary search over the 28 hours in which any zone's
 * day can begin (offsets run from -12 to +14 hours).
 */
export function startOfDay(day: string, timeZone: string): number {
  const wallMidnight = Date.parse(`${day}T00:00:00Z`);
  let lo = wallMidnight - 14 * 3_600_000 - 1;
  let hi = wallMidnight + 12 * 3_600_000;
  // Invariant: dayOf(lo) < day <= dayOf(hi).
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (dayOf(mid, timeZone) < day) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Every day from `from` to `to`, both included. */
export function eachDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = nextDay(d)) days.push(d);
  return days;
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** HH:MM:SS (24 h) of the instant in the zone. */
export function timeOf(epochMs: number, timeZone: string): string {
  let f = clockFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    clockFormatters.set(timeZone, f);
  }
  return f.format(new Date(epochMs));
}
