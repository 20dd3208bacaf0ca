import { QUALITY_LEVELS, type QualityLevelName } from './call-quality-limits.js';

/**
 * Shapes of the hospital admin's analytics (`GET /api/hospitals/:hospitalId/analytics`, docs/analytics.md);
 * types only, so no zod reaches a page.
 */

/** The longest period one request may cover, in days (both ends included). */
export const ANALYTICS_MAX_DAYS = 366;

/** A party's sound without a moving picture for at least this long makes a call one that fell back to audio. */
export const AUDIO_FALLBACK_MIN_MS = 10_000;

/** The quality levels best first (from the zod-free constants, so pages may import them). */
export const LEVELS: readonly QualityLevelName[] = QUALITY_LEVELS;

/** Time at each quality level, summed over both parties' measured time. */
export type LevelMs = Record<QualityLevelName, number>;

/** The figures of one day, or of the whole period (`totals`). */
export interface AnalyticsFigures {
  /** Call sessions started. */
  calls: number;
  /** Of them, calls in which both parties were connected. */
  connectedCalls: number;
  /** Sum of the ended calls' durations (connected to end), in seconds. */
  callSeconds: number;
  /** Appointments scheduled then whose planned end passed, not cancelled, without any connected call. */
  noShows: number;
  /** Median seconds from the patient's arrival in the call to the doctor's join; null without any. */
  waitMedianSeconds: number | null;
  /** How many calls the median is over (both parties joined). */
  waits: number;
  /** Calls with quality figures from at least one party. */
  measuredCalls: number;
  /** Of the measured calls, those in which any party's media went through a TURN relay. */
  relayedCalls: number;
  levelMs: LevelMs;
  /** Connection recoveries, both parties. */
  reconnects: number;
  /** Measured calls in which a party had sound without picture for AUDIO_FALLBACK_MIN_MS or more. */
  audioFallbackCalls: number;
}

export interface AnalyticsDay extends AnalyticsFigures {
  /** YYYY-MM-DD in the report's time zone. */
  date: string;
}

export interface AnalyticsReport {
  hospitalId: string;
  /** The period asked for, both days included, and the IANA time zone its days are in. */
  from: string;
  to: string;
  timeZone: string;
  /** The period as instants: [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** The server's time when it read the rows (no-shows count planned ends before it). */
  now: number;
  /** One entry per day of the period, in order, days without anything included. */
  days: AnalyticsDay[];
  totals: AnalyticsFigures;
}
