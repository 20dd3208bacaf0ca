import {
  type AnalyticsDay,
  type AnalyticsFigures,
  AUDIO_FALLBACK_MIN_MS,
  type LevelMs,
} from '../../protocol/analytics.js';
import { QUALITY_LEVELS, type QualityLevelName } from '../../protocol/call-quality.js';
import type { PartyRole } from '../db/schema.js';
import { dayOf, eachDay } from './zoned-days.js';

/**
 * The analytics' definitions, as plain functions over rows (docs/analytics.md): what one call session's
 * figures are, and how a day's and a period's are added up from them. The JSON report and the CSV both
 * come from `callFigures`, so the CSV's rows add up to the charts.
 */

/** What the analytics read of a party's `call_quality` row. */
export interface PartyQualityRow {
  role: PartyRole;
  measured_ms: number;
  rtt_median_ms: number | null;
  loss_median_pct: number | null;
  recv_height_median: number | null;
  recv_fps_median: number | null;
  relayed: number;
  excellent_ms: number;
  good_ms: number;
  poor_ms: number;
  lost_ms: number;
  reconnects: number;
  audio_only_ms: number;
}

/** A call session of the period with its appointment's doctor and its parties' quality rows. */
export interface CallRow {
  session_id: string;
  appointment_id: string;
  doctor_name: string;
  started_at: number;
  connected_at: number | null;
  ended_at: number | null;
  duration_seconds: number | null;
  doctor_joined_at: number | null;
  patient_joined_at: number | null;
  /** The patient's check-in to the waiting room before the call started. */
  patient_checked_in_at: number | null;
  end_reason: string | null;
  quality: PartyQualityRow[];
}

/** An appointment of the period that counts as a no-show. */
export interface NoShowRow {
  appointment_id: string;
  scheduled_at: number;
}

export interface PartyFigures {
  rttMs: number | null;
  lossPct: number | null;
  recvHeight: number | null;
  recvFps: number | null;
  audioOnlyMs: number;
}

/** One call session's figures: a row of the CSV, and what the charts add up. */
export interface CallFigures {
  row: CallRow;
  /** YYYY-MM-DD of its start in the report's time zone. */
  date: string;
  connected: boolean;
  callSeconds: number;
  waitSeconds: number | null;
  measured: boolean;
  relayed: boolean;
  levelMs: LevelMs;
  dominantLevel: QualityLevelName | null;
  reconnects: number;
  audioFallback: boolean;
  parties: Record<PartyRole, PartyFigures | null>;
}

const noLevels = (): LevelMs => ({ excellent: 0, good: 0, poor: 0, lost: 0 });

/** The middle value, or the mean of the two middle ones; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? 0) + upper) / 2;
}

/**
 * Seconds the patient waited for the doctor: from the patient's arrival (the check-in to the waiting room
 * before the call started, else the first join into the call) to the doctor's first join; 0 when the doctor
 * was there first; null when either never came.
 */
export function waitSeconds(
  row: Pick<CallRow, 'doctor_joined_at' | 'patient_joined_at' | 'patient_checked_in_at'>,
): number | null {
  const arrived = row.patient_checked_in_at ?? row.patient_joined_at;
  if (row.doctor_joined_at === null || arrived === null) return null;
  return Math.max(0, Math.round((row.doctor_joined_at - arrived) / 1000));
}

/** The level with the most time; a tie goes to the worse level. Null when nothing was measured. */
export function dominantLevel(levelMs: LevelMs): QualityLevelName | null {
  let best: QualityLevelName | null = null;
  for (const level of QUALITY_LEVELS) {
    const ms = levelMs[level];
    if (ms > 0 && (best === null || ms >= levelMs[best])) best = level;
  }
  return best;
}

export function callFigures(row: CallRow, timeZone: string): CallFigures {
  const levelMs = noLevels();
  const parties: Record<PartyRole, PartyFigures | null> = { doctor: null, patient: null };
  let relayed = false;
  let reconnects = 0;
  let audioFallback = false;
  for (const q of row.quality) {
    levelMs.excellent += Number(q.excellent_ms);
    levelMs.good += Number(q.good_ms);
    levelMs.poor += Number(q.poor_ms);
    levelMs.lost += Number(q.lost_ms);
    relayed ||= Number(q.relayed) === 1;
    reconnects += Number(q.reconnects);
    audioFallback ||= Number(q.audio_only_ms) >= AUDIO_FALLBACK_MIN_MS;
    parties[q.role] = {
      rttMs: q.rtt_median_ms,
      lossPct: q.loss_median_pct === null ? null : Number(q.loss_median_pct),
      recvHeight: q.recv_height_median,
      recvFps: q.recv_fps_median,
      audioOnlyMs: Number(q.audio_only_ms),
    };
  }
  return {
    row,
    date: dayOf(row.started_at, timeZone),
    connected: row.connected_at !== null,
    callSeconds: row.duration_seconds === null ? 0 : Number(row.duration_seconds),
    waitSeconds: waitSeconds(row),
    measured: row.quality.length > 0,
    relayed,
    levelMs,
    dominantLevel: dominantLevel(levelMs),
    reconnects,
    audioFallback,
    parties,
  };
}

/** Adds up calls and no-shows into figures; the wait is the median over the calls that have one. */
export function sumFigures(calls: readonly CallFigures[], noShows: number): AnalyticsFigures {
  const levelMs = noLevels();
  const waits: number[] = [];
  let connectedCalls = 0;
  let callSeconds = 0;
  let measuredCalls = 0;
  let relayedCalls = 0;
  let reconnects = 0;
  let audioFallbackCalls = 0;
  for (const c of calls) {
    if (c.connected) connectedCalls += 1;
    callSeconds += c.callSeconds;
    if (c.waitSeconds !== null) waits.push(c.waitSeconds);
    if (!c.measured) continue;
    measuredCalls += 1;
    if (c.relayed) relayedCalls += 1;
    for (const level of QUALITY_LEVELS) levelMs[level] += c.levelMs[level];
    reconnects += c.reconnects;
    if (c.audioFallback) audioFallbackCalls += 1;
  }
  return {
    calls: calls.length,
    connectedCalls,
    callSeconds,
    noShows,
    waitMedianSeconds: median(waits),
    waits: waits.length,
    measuredCalls,
    relayedCalls,
    levelMs,
    reconnects,
    audioFallbackCalls,
  };
}

/** Every day of the period with its figures, and the period's totals. */
export function dailyFigures(
  calls: readonly CallFigures[],
  noShows: readonly NoShowRow[],
  period: { from: string; to: string; timeZone: string },
): { days: AnalyticsDay[]; totals: AnalyticsFigures } {
  const callsByDay = new Map<string, CallFigures[]>();
  for (const c of calls) {
    const list = callsByDay.get(c.date);
    if (list) list.push(c);
    else callsByDay.set(c.date, [c]);
  }
  const noShowsByDay = new Map<string, number>();
  for (const n of noShows) {
    const date = dayOf(n.scheduled_at, period.timeZone);
    noShowsByDay.set(date, (noShowsByDay.get(date) ?? 0) + 1);
  }
  const days = eachDay(period.from, period.to).map((date) => ({
    date,
    ...sumFigures(callsByDay.get(date) ?? [], noShowsByDay.get(date) ?? 0),
  }));
  return { days, totals: sumFigures(calls, noShows.length) };
}
