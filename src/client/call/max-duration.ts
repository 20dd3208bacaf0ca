import { formatClock } from '../lib/format.js';

/** The server warns this long before it ends a call for its maximum duration (S19). */
export const MAX_DURATION_WARNING_MS = 5 * 60_000;

export interface MaxDurationWarning {
  /** Said once by screen readers: "This call will end in 5 minutes." */
  announcement: string;
  /** The countdown, "4:32". */
  remaining: string;
}

/** The banner for a call that ends at `endsAt`, or null while the end is still far. */
export function maxDurationWarning(
  endsAt: number | null,
  now: number,
  warned: boolean,
): MaxDurationWarning | null {
  if (endsAt === null) return null;
  const left = endsAt - now;
  if (!warned && left > MAX_DURATION_WARNING_MS) return null;
  const minutes = Math.max(1, Math.ceil(Math.min(left, MAX_DURATION_WARNING_MS) / 60_000));
  return {
    announcement: `This call will end in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    remaining: formatClock(left),
  };
}
