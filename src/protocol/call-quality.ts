import { z } from 'zod';

/**
 * Call quality analytics (issue 17): what a browser reports about its side of a call, and what the server
 * keeps of it. The shapes are shared by the client (sender), the server (store, reports, analytics) and the
 * tests. Figures are integers except loss, which is a percentage with decimals.
 */

import {
  CANDIDATE_TYPES,
  type CandidateType,
  QUALITY_LEVELS,
  QUALITY_SUMMARY_MAX_WINDOW_MS,
  type QualityLevelName,
} from './call-quality-limits.js';

// The constants live in a file without zod, so that the browser can import them.
export {
  CANDIDATE_TYPES,
  type CandidateType,
  QUALITY_LEVELS,
  QUALITY_SUMMARY_INTERVAL_MS,
  QUALITY_SUMMARY_MAX_WINDOW_MS,
  type QualityLevelName,
} from './call-quality-limits.js';

const ms = z.number().int().min(0).max(QUALITY_SUMMARY_MAX_WINDOW_MS);
const figure = (max: number) => z.number().int().min(0).max(max).nullable();

/**
 * One party's last window (~10 s) of a call, as its browser measured it: medians of its 1 s samples over
 * the window, the time spent at each quality level, and what happened in it. Sent as the client message
 * `quality-summary` while the party is in a connected call; never holds anything but figures.
 */
export const qualitySummarySchema = z
  .object({
    /** The window this covers, in ms (about QUALITY_SUMMARY_INTERVAL_MS). */
    windowMs: ms.refine((v) => v > 0, 'must be more than 0'),
    /** Round trip of the selected candidate pair. */
    rttMs: figure(60_000),
    /** Inbound audio jitter. */
    jitterMs: figure(60_000),
    /** Inbound packets lost over the window, percent (0–100). */
    lossPct: z.number().min(0).max(100).nullable(),
    /** What this side sends and receives, all media, kbit/s. */
    sendKbps: figure(100_000),
    recvKbps: figure(100_000),
    /** The picture received (the other side's camera or screen). Null while none is received. */
    recvWidth: figure(8_192),
    recvHeight: figure(8_192),
    recvFps: figure(240),
    candidateType: z.enum(CANDIDATE_TYPES).nullable(),
    /** The level the quality indicator showed, most of the window. */
    level: z.enum(QUALITY_LEVELS),
    /** ms at each level over the window; their sum is at most windowMs. */
    levelMs: z.object({ excellent: ms, good: ms, poor: ms, lost: ms }).strict(),
    /** Connection recoveries (ICE restarts or a new peer connection) that began in the window. */
    reconnects: z.number().int().min(0).max(100),
    /** ms of the window in which this side received sound but no moving picture while connected. */
    audioOnlyMs: ms,
  })
  .strict();
export type QualitySummary = z.infer<typeof qualitySummarySchema>;

/**
 * What the server keeps per call session and party (table `call_quality`): medians over the windows
 * received, the worst window, and totals. "Worst" is the highest round trip, jitter and loss, and the
 * lowest bitrate, height and frame rate.
 */
export interface CallQualityPartyView {
  role: 'doctor' | 'patient';
  windows: number;
  /** Time covered by the windows received. */
  measuredMs: number;
  rttMs: { median: number | null; worst: number | null };
  jitterMs: { median: number | null; worst: number | null };
  lossPct: { median: number | null; worst: number | null };
  sendKbps: { median: number | null; worst: number | null };
  recvKbps: { median: number | null; worst: number | null };
  recvHeight: { median: number | null; worst: number | null };
  recvFps: { median: number | null; worst: number | null };
  /** Any window went through a TURN relay. */
  relayed: boolean;
  /** The candidate type seen most. */
  candidateType: CandidateType | null;
  levelMs: Record<QualityLevelName, number>;
  reconnects: number;
  audioOnlyMs: number;
}
