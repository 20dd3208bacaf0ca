import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { qualitySummarySchema } from '../../protocol/call-quality.js';
import { type QualityContext, QualityMeter, type QualityReport, type StatsEntry } from './quality.js';
import { MIN_FINAL_WINDOW_MS, medianOf, QualityWindow } from './quality-window.js';

/** One second of a recorded call: what the patient's getStats() said (test/media-probe, "record"). */
interface Recorded {
  condition: string;
  connectionState: RTCPeerConnectionState;
  entries: StatsEntry[];
}

function recording(name: string): Recorded[] {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Recorded[];
}

/** The recorded seconds through the meter, each with the time its stats were taken. */
function play(samples: Recorded[], context: Partial<QualityContext> = {}) {
  const meter = new QualityMeter();
  return samples.map((sample) => ({
    sample,
    at: Math.max(...sample.entries.map((e) => (typeof e['timestamp'] === 'number' ? e['timestamp'] : 0))),
    report: meter.sample(sample.entries, {
      connectionState: sample.connectionState,
      remoteVideoOff: false,
      remoteScreenSharing: sample.condition === 'remote-screen',
      ...context,
    }),
  }));
}

/** The middle of the sorted values, worked out the long way (an independent check of medianOf). */
function middle(values: (number | null)[]): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const half = sorted.length / 2;
  return Number.isInteger(half)
    ? ((sorted[half - 1] as number) + (sorted[half] as number)) / 2
    : (sorted[Math.floor(half)] as number);
}

const levelTotal = (s: { levelMs: Record<string, number> }) =>
  Object.values(s.levelMs).reduce((a, b) => a + b, 0);

function report(over: Partial<QualityReport> = {}): QualityReport {
  return {
    level: 'excellent',
    rttMs: 40,
    jitterMs: 5,
    lossPercent: 0,
    bitrateKbps: 1000,
    width: 1280,
    height: 720,
    fps: 30,
    candidateType: 'direct',
    localCandidateType: 'host',
    receivingAudio: true,
    pictureMoving: true,
    sendBitrateKbps: 1200,
    recvBitrateKbps: 1100,
    score: 90,
    ...over,
  };
}

describe('a window of recorded Chromium samples', () => {
  it('a good link: medians of the 1 s samples, all of it excellent, the host candidate, a moving 720p picture', () => {
    const played = play(recording('good-link'));
    const first = played[0]?.at as number;
    const last = played.at(-1)?.at as number;
    const window = new QualityWindow(first);
    for (const p of played) window.add(p.report, p.at);
    const summary = window.take(last);
    expect(qualitySummarySchema.parse(summary)).toEqual(summary);
    const reports = played.map((p) => p.report);
    expect(summary).toMatchObject({
      windowMs: Math.round(last) - Math.round(first),
      rttMs: Math.round(middle(reports.map((r) => r.rttMs)) as number),
      sendKbps: Math.round(middle(reports.map((r) => r.sendBitrateKbps)) as number),
      recvKbps: Math.round(middle(reports.map((r) => r.recvBitrateKbps)) as number),
      recvWidth: 1280,
      recvHeight: 720,
      candidateType: 'host',
      level: 'excellent',
      reconnects: 0,
      audioOnlyMs: 0,
    });
    // The first sample (shown as good before any judgement) measured nothing yet: no time.
    expect(summary?.levelMs).toEqual({ excellent: summary?.windowMs, good: 0, poor: 0, lost: 0 });
    expect(summary?.recvKbps).toBeGreaterThan(summary?.sendKbps === null ? 0 : 100);
  });

  it('a path that breaks: its lost seconds, the recovery counted, the times adding up to the window', () => {
    const played = play(recording('path-break'));
    const window = new QualityWindow(played[0]?.at as number);
    let restarted = false;
    for (const p of played) {
      window.add(p.report, p.at);
      if (p.sample.connectionState === 'disconnected' && !restarted) {
        window.reconnect();
        restarted = true;
      }
    }
    const end = Math.round(played.at(-1)?.at as number);
    const summary = window.take(end);
    expect(summary && qualitySummarySchema.parse(summary)).toEqual(summary);
    expect(summary?.reconnects).toBe(1);
    expect(summary?.levelMs.lost).toBeGreaterThan(3000);
    expect(summary && levelTotal(summary)).toBe(summary?.windowMs);
    const lostSamples = played.filter((p) => p.report.level === 'lost').length;
    expect(lostSamples).toBeGreaterThan(2);
    // Lost time is never counted as "sound without a picture".
    expect(summary?.audioOnlyMs).toBeLessThanOrEqual((summary?.windowMs ?? 0) - (summary?.levelMs.lost ?? 0));
  });

  it('the other side’s microphone muted: the picture still moves, so no time counts as sound only', () => {
    const played = play(recording('remote-muted'));
    const window = new QualityWindow(played[0]?.at as number);
    for (const p of played) window.add(p.report, p.at);
    const summary = window.take(Math.round(played.at(-1)?.at as number));
    expect(summary).toMatchObject({ audioOnlyMs: 0, recvHeight: 720 });
  });

  it('the other side’s camera stopped (its frames frozen in the good link): sound without a picture', () => {
    // The good link's seconds with the inbound video's decoded frames held at their first count.
    const good = recording('good-link');
    const frozenAt = good[0]?.entries.find((e) => e['type'] === 'inbound-rtp' && e['kind'] === 'video')?.[
      'framesDecoded'
    ];
    const frozen = good.map((sample) => ({
      ...sample,
      entries: sample.entries.map((e) =>
        e['type'] === 'inbound-rtp' && e['kind'] === 'video' ? { ...e, framesDecoded: frozenAt } : e,
      ),
    }));
    const played = play(frozen, { remoteVideoOff: true });
    const window = new QualityWindow(played[0]?.at as number);
    for (const p of played) window.add(p.report, p.at);
    const summary = window.take(Math.round(played.at(-1)?.at as number));
    // Every second after the first (which has nothing to compare with) had sound and a still picture.
    expect(played.slice(1).every((p) => p.report.receivingAudio && p.report.pictureMoving === false)).toBe(
      true,
    );
    expect(summary?.audioOnlyMs).toBe(summary?.windowMs);
    expect(summary).toMatchObject({ recvHeight: null, recvFps: null });
  });

  it('10 % UDP loss: the window’s loss is the median of its samples', () => {
    const played = play(recording('udp-loss-10')).filter((p) => p.sample.condition === 'loss-10');
    const window = new QualityWindow(played[0]?.at as number);
    for (const p of played) window.add(p.report, p.at);
    const summary = window.take(Math.round(played.at(-1)?.at as number));
    const expected = middle(played.map((p) => p.report.lossPercent)) as number;
    expect(summary?.lossPct).toBe(Math.round(expected * 100) / 100);
    expect(summary?.lossPct).toBeGreaterThan(3);
    expect(summary?.levelMs.poor).toBeGreaterThan(0);
  });
});

describe('QualityWindow', () => {
  it('credits each sample with the time since the one before, and the rest of the window to the last', () => {
    const w = new QualityWindow(1000);
    w.add(report({ level: 'excellent' }), 2000);
    w.add(report({ level: 'poor' }), 3000);
    w.add(report({ level: 'poor', pictureMoving: false }), 4000);
    w.add(report({ level: 'lost', pictureMoving: false }), 5000);
    const s = w.take(6500);
    expect(s).toMatchObject({
      windowMs: 5500,
      levelMs: { excellent: 1000, good: 0, poor: 2000, lost: 2500 },
      // Only the poor second with sound and no picture; lost time is not "audio only".
      audioOnlyMs: 1000,
      level: 'lost',
    });
  });

  it('medians: the middle sample, the mean of the two middle ones for an even count, rounded', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
    expect(medianOf([null, null])).toBeNull();
    const w = new QualityWindow(0);
    for (const [i, rtt] of [10, 41, 40, 90].entries())
      w.add(report({ rttMs: rtt, lossPercent: i }), i * 1000);
    // 40 and 41: 40.5 rounds to 41; loss 1 and 2: 1.5.
    expect(w.take(4000)).toMatchObject({ rttMs: 41, lossPct: 1.5 });
  });

  it('a picture only from samples that had one; none: null', () => {
    const w = new QualityWindow(0);
    w.add(report({ height: 360, width: 640, fps: 15 }), 1000);
    w.add(report({ height: 720, width: 1280, pictureMoving: false }), 2000);
    w.add(report({ height: null, width: null, fps: null }), 3000);
    expect(w.take(3000)).toMatchObject({ recvHeight: 360, recvWidth: 640, recvFps: 15 });
    w.add(report({ height: null, width: null, fps: null }), 4000);
    expect(w.take(5000)).toMatchObject({ recvHeight: null, recvWidth: null, recvFps: null });
  });

  it('the level held longest, a tie to the worse; the candidate seen most', () => {
    const w = new QualityWindow(0);
    w.add(report({ level: 'good', localCandidateType: 'relay' }), 2000);
    w.add(report({ level: 'excellent', localCandidateType: 'relay' }), 4000);
    w.add(report({ level: 'excellent', localCandidateType: 'srflx' }), 4000);
    expect(w.take(4000)).toMatchObject({ level: 'good', candidateType: 'relay' });
  });

  it('nothing without a sample or below the minimum; each take starts a new window, reconnects included', () => {
    const w = new QualityWindow(0);
    expect(w.take(10_000)).toBeNull();
    w.reconnect();
    w.add(report(), 10_500);
    expect(w.take(10_800, MIN_FINAL_WINDOW_MS)).toBeNull();
    w.add(report(), 11_000);
    w.reconnect();
    expect(w.take(20_800)).toMatchObject({ windowMs: 10_000, reconnects: 1 });
  });

  it('a window stretched by a throttled tab keeps its last 120 s, and stays within what the server takes', () => {
    const w = new QualityWindow(0);
    w.add(report({ level: 'poor' }), 1000);
    w.add(report({ rttMs: 90_000, sendBitrateKbps: 500_000, fps: 300, lossPercent: 0.123 }), 300_000);
    const s = w.take(300_000);
    expect(s).toMatchObject({ windowMs: 120_000, levelMs: { excellent: 120_000, poor: 0 } });
    expect(qualitySummarySchema.safeParse(s).success).toBe(true);
  });
});
