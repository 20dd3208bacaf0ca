import type { QualitySummary } from '../../protocol/call-quality.js';
import {
  type CandidateType,
  QUALITY_SUMMARY_MAX_WINDOW_MS,
  QUALITY_SUMMARY_MIN_FINAL_MS,
  type QualityLevelName,
} from '../../protocol/call-quality-limits.js';
import type { QualityReport } from './quality.js';

/** The shortest last window worth sending when a call ends or this side leaves. */
export const MIN_FINAL_WINDOW_MS = QUALITY_SUMMARY_MIN_FINAL_MS;

interface Sample {
  at: number;
  report: QualityReport;
}

/** The median of the values present (the mean of the two middle ones for an even count); null if none. */
export function medianOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const n = present.length;
  if (n === 0) return null;
  const high = present[Math.floor(n / 2)] as number;
  return n % 2 === 1 ? high : ((present[n / 2 - 1] as number) + high) / 2;
}

/** An integer figure within the range the server takes (src/protocol/call-quality.ts). */
function whole(value: number | null, max: number): number | null {
  return value === null ? null : Math.min(max, Math.max(0, Math.round(value)));
}

/**
 * One window (~10 s) of a call's 1 s quality samples, turned into the summary the server keeps
 * (docs/call-quality.md, "What the browser sends"): medians of the figures over the samples, the time at
 * each level (each sample's level holds from the sample before it; the last one to the window's end), the
 * time with sound but no moving picture, and the connection recoveries that began in the window.
 */
export class QualityWindow {
  #start: number;
  #samples: Sample[] = [];
  #reconnects = 0;

  constructor(start: number) {
    this.#start = start;
  }

  add(report: QualityReport, at: number): void {
    this.#samples.push({ at: Math.max(at, this.#start), report });
  }

  /** An ICE restart (or another recovery of the connection) began. */
  reconnect(): void {
    this.#reconnects++;
  }

  /**
   * The summary of the window up to `end`, which starts the next window. Null (the window is still
   * restarted) without a sample, or when shorter than `minMs`.
   */
  take(end: number, minMs = 1): QualitySummary | null {
    const summary = this.#summarize(Math.round(end), minMs);
    this.#start = end;
    this.#samples = [];
    this.#reconnects = 0;
    return summary;
  }

  #summarize(end: number, minMs: number): QualitySummary | null {
    // A window stretched by a throttled background tab keeps its last QUALITY_SUMMARY_MAX_WINDOW_MS.
    const start = Math.round(Math.max(this.#start, end - QUALITY_SUMMARY_MAX_WINDOW_MS));
    const windowMs = end - start;
    const samples = this.#samples.filter((s) => s.at <= end);
    if (samples.length === 0 || windowMs < Math.max(1, minMs)) return null;

    const levelMs: Record<QualityLevelName, number> = { excellent: 0, good: 0, poor: 0, lost: 0 };
    let audioOnlyMs = 0;
    const credit = (ms: number, report: QualityReport) => {
      levelMs[report.level] += ms;
      if (report.level !== 'lost' && report.receivingAudio === true && report.pictureMoving === false) {
        audioOnlyMs += ms;
      }
    };
    // A sample measures the time since the one before it (the window's start for the first); the time
    // after the last sample is the last one's.
    let from = start;
    for (const sample of samples) {
      const at = Math.min(end, Math.max(from, Math.round(sample.at)));
      credit(at - from, sample.report);
      from = at;
    }
    credit(end - from, (samples[samples.length - 1] as Sample).report);

    const reports = samples.map((s) => s.report);
    const figure = (pick: (r: QualityReport) => number | null, max: number) =>
      whole(medianOf(reports.map(pick)), max);
    // The picture received: only samples in which new frames arrived.
    const pictures = reports.filter((r) => r.height !== null && r.pictureMoving === true);
    const picture = (pick: (r: QualityReport) => number | null, max: number) =>
      pictures.length === 0 ? null : whole(medianOf(pictures.map(pick)), max);
    const loss = medianOf(reports.map((r) => r.lossPercent));

    return {
      windowMs,
      rttMs: figure((r) => r.rttMs, 60_000),
      jitterMs: figure((r) => r.jitterMs, 60_000),
      lossPct: loss === null ? null : Math.min(100, Math.max(0, Math.round(loss * 100) / 100)),
      sendKbps: figure((r) => r.sendBitrateKbps, 100_000),
      recvKbps: figure((r) => r.recvBitrateKbps, 100_000),
      recvWidth: picture((r) => r.width, 8_192),
      recvHeight: picture((r) => r.height, 8_192),
      recvFps: picture((r) => r.fps, 240),
      candidateType: mostSeen(reports.map((r) => r.localCandidateType)),
      level: longest(levelMs),
      levelMs,
      reconnects: Math.min(100, this.#reconnects),
      audioOnlyMs,
    };
  }
}

/** The level held longest; a tie goes to the worse one. */
function longest(levelMs: Record<QualityLevelName, number>): QualityLevelName {
  let best: QualityLevelName = 'lost';
  for (const level of ['poor', 'good', 'excellent'] as const)
    if (levelMs[level] > levelMs[best]) best = level;
  return best;
}

/** The candidate type of the most samples; a tie goes to the one seen first. */
function mostSeen(types: readonly (CandidateType | null)[]): CandidateType | null {
  const counts = new Map<CandidateType, number>();
  let best: CandidateType | null = null;
  for (const type of types) {
    if (type === null) continue;
    const count = (counts.get(type) ?? 0) + 1;
    counts.set(type, count);
    if (best === null || count > (counts.get(best) ?? 0)) best = type;
  }
  return best;
}
