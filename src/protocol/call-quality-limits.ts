/**
 * The call quality figures' constants without zod (issue 17), so the browser can import them; the schemas
 * in call-quality.ts use and re-export them.
 */

/** How often a party's browser sends a summary of the last window during a call. */
export const QUALITY_SUMMARY_INTERVAL_MS = 10_000;
/** The shortest last window worth sending when a call ends or this side leaves. */
export const QUALITY_SUMMARY_MIN_FINAL_MS = 1_000;
/** The longest window a summary may claim (a window stretched by a throttled background tab). */
export const QUALITY_SUMMARY_MAX_WINDOW_MS = 120_000;

export const QUALITY_LEVELS = ['excellent', 'good', 'poor', 'lost'] as const;
export type QualityLevelName = (typeof QUALITY_LEVELS)[number];

/** The local candidate type of the selected pair: `relay` means the call went through TURN. */
export const CANDIDATE_TYPES = ['host', 'srflx', 'prflx', 'relay'] as const;
export type CandidateType = (typeof CANDIDATE_TYPES)[number];
