import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DOWNGRADE_HOLD,
  LOST_AFTER_MS,
  type QualityContext,
  type QualityLevel,
  QualityMeter,
  type QualityReport,
  type StatsEntry,
  UPGRADE_HOLD,
} from './quality.js';

/** One second of a recorded call: what the patient's getStats() said (test/media-probe, "record"). */
interface Recorded {
  condition: string;
  connectionState: RTCPeerConnectionState;
  entries: StatsEntry[];
}

function recording(name: string): Recorded[] {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Recorded[];
}

function play(samples: Recorded[], context: Partial<QualityContext> = {}) {
  const meter = new QualityMeter();
  return samples.map((sample) => ({
    condition: sample.condition,
    state: sample.connectionState,
    report: meter.sample(sample.entries, {
      connectionState: sample.connectionState,
      remoteVideoOff: false,
      remoteScreenSharing: sample.condition === 'remote-screen',
      ...context,
    }),
  }));
}

const levels = (played: ReturnType<typeof play>, condition?: string): QualityLevel[] =>
  played.filter((p) => condition === undefined || p.condition === condition).map((p) => p.report.level);

/** How often the shown level changed: the indicator must not flicker. */
const changes = (shown: QualityLevel[]) => shown.filter((level, i) => i > 0 && level !== shown[i - 1]).length;

describe('quality on recorded Chromium calls', () => {
  it('a good loopback link is Excellent throughout, with the numbers of a 720p call', () => {
    const played = play(recording('good-link'));
    expect(levels(played).slice(1)).toEqual(Array(played.length - 1).fill('excellent'));
    const last = played.at(-1)?.report as QualityReport;
    expect(last).toMatchObject({ width: 1280, height: 720, candidateType: 'direct', lossPercent: 0 });
    expect(last.rttMs).toBeLessThan(50);
    expect(last.bitrateKbps).toBeGreaterThan(300);
    expect(last.fps).toBeGreaterThan(5);
  });

  it('10 % UDP loss turns Poor within a few seconds, stays Poor without flicker, and recovers', () => {
    const played = play(recording('udp-loss-10'));
    const lossy = levels(played, 'loss-10');
    const settled = lossy.slice(6);
    expect(settled.length).toBeGreaterThan(10);
    expect(settled.every((level) => level === 'poor')).toBe(true);
    expect(lossy.slice(0, 6)).not.toContain('lost');
    expect(levels(played, 'recovered').at(-1)).toBe('excellent');
    expect(changes(levels(played))).toBeLessThanOrEqual(4);
    const worst = Math.max(
      ...played.filter((p) => p.condition === 'loss-10').map((p) => p.report.lossPercent ?? 0),
    );
    expect(worst).toBeGreaterThan(5);
  });

  it('a path break reads Lost within about 3 s and while disconnected, and the restored path is judged at once', () => {
    const played = play(recording('path-break'));
    const broken = played.filter((p) => p.condition === 'broken');
    const firstLost = broken.findIndex((p) => p.report.level === 'lost');
    expect(firstLost).toBeGreaterThanOrEqual(0);
    expect(firstLost).toBeLessThanOrEqual(1 + LOST_AFTER_MS / 1000);
    expect(broken.slice(firstLost).every((p) => p.report.level === 'lost')).toBe(true);
    expect(played.filter((p) => p.state === 'disconnected').every((p) => p.report.level === 'lost')).toBe(
      true,
    );
    const restored = levels(played, 'restored');
    expect(restored[0]).not.toBe('lost');
    expect(restored.every((level) => level === 'excellent')).toBe(true);
  });

  it('the other side muting its microphone is not a worse connection', () => {
    expect(levels(play(recording('remote-muted'))).slice(1)).not.toContain('good');
    expect(levels(play(recording('remote-muted'))).slice(1)).not.toContain('poor');
  });

  it('a shared screen arrives at its full resolution and is judged on the network alone', () => {
    const played = play(recording('screen-share'));
    const sharing = played.filter((p) => p.condition === 'remote-screen').slice(1);
    expect(sharing.every((p) => p.report.level === 'excellent')).toBe(true);
    expect(sharing.at(-1)?.report).toMatchObject({ width: 1920, height: 1080 });
    expect(levels(played, 'remote-camera-again').at(-1)).toBe('excellent');
  });
});

// Synthetic samples for what the recordings cannot show on loopback.
interface Second {
  t: number;
  received: number;
  lost?: number;
  height?: number;
  fps?: number;
  rtt?: number;
  relay?: boolean;
}

function stats({
  t,
  received,
  lost = 0,
  height = 720,
  fps = 30,
  rtt = 0.02,
  relay = false,
}: Second): StatsEntry[] {
  return [
    {
      id: 'V',
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: t,
      packetsReceived: received,
      packetsLost: lost,
      bytesReceived: received * 1000,
      frameWidth: (height * 16) / 9,
      frameHeight: height,
      framesPerSecond: fps,
    },
    { id: 'T', type: 'transport', timestamp: t, selectedCandidatePairId: 'P' },
    {
      id: 'P',
      type: 'candidate-pair',
      timestamp: t,
      currentRoundTripTime: rtt,
      localCandidateId: 'L',
      remoteCandidateId: 'R',
    },
    { id: 'L', type: 'local-candidate', timestamp: t, candidateType: relay ? 'relay' : 'host' },
    { id: 'R', type: 'remote-candidate', timestamp: t, candidateType: 'srflx' },
  ];
}

const CONNECTED: QualityContext = {
  connectionState: 'connected',
  remoteVideoOff: false,
  remoteScreenSharing: false,
};

/** Feeds seconds of cumulative counters built from per-second rates. */
function run(
  perSecond: Array<Omit<Second, 't' | 'received' | 'lost'> & { packets: number; lost?: number }>,
  context = CONNECTED,
) {
  const meter = new QualityMeter();
  let received = 0;
  let lost = 0;
  return perSecond.map((second, i) => {
    received += second.packets;
    lost += second.lost ?? 0;
    return meter.sample(stats({ ...second, t: (i + 1) * 1000, received, lost }), context);
  });
}

describe('QualityMeter', () => {
  it('does not punish one lost packet among the few of a still screen or silence', () => {
    const still = run(
      Array.from({ length: 8 }, () => ({ packets: 5, lost: 1 })),
      { ...CONNECTED, remoteScreenSharing: true },
    );
    expect(still.at(-1)?.lossPercent).toBeCloseTo(16.7, 1);
    expect(still.slice(1).map((r) => r.level)).not.toContain('poor');
    const busy = run(Array.from({ length: 8 }, () => ({ packets: 200, lost: 40 })));
    expect(busy.at(-1)?.level).toBe('poor');
  });

  it('waits for a lower level to hold before showing it, and longer for a higher one', () => {
    const good = { packets: 150 };
    const bad = { packets: 150, lost: 30 };
    const blip = run([good, good, good, bad, good, good]);
    expect(blip.map((r) => r.level)).not.toContain('poor');
    const down = run([good, good, ...Array(6).fill(bad), ...Array(12).fill(good)]).map((r) => r.level);
    const firstPoor = down.indexOf('poor');
    expect(firstPoor).toBeGreaterThanOrEqual(2 + DOWNGRADE_HOLD);
    const lastBad = 2 + 6 - 1;
    expect(down.lastIndexOf('poor')).toBeGreaterThanOrEqual(lastBad + UPGRADE_HOLD - 1);
    const alternating = run([good, good, ...Array.from({ length: 16 }, (_, i) => (i % 2 ? good : bad))]).map(
      (r) => r.level,
    );
    expect(
      alternating.filter((level, i) => i > 0 && level !== alternating[i - 1]).length,
    ).toBeLessThanOrEqual(2);
    expect(down.at(-1)).toBe('excellent');
  });

  it('reads a much smaller or stuttering picture from a camera as a worse link, but not a camera that is off', () => {
    const small = run(Array.from({ length: 10 }, () => ({ packets: 60, height: 180, fps: 4 })));
    expect(small.at(-1)?.level).toBe('good');
    const tiny = run(Array.from({ length: 10 }, () => ({ packets: 60, height: 90, fps: 3, rtt: 0.25 })));
    expect(tiny.at(-1)?.level).toBe('poor');
    const off = run(
      Array.from({ length: 10 }, () => ({ packets: 60, height: 90, fps: 1 })),
      { ...CONNECTED, remoteVideoOff: true },
    );
    expect(off.at(-1)?.level).toBe('excellent');
  });

  it('says Lost at once when the connection is disconnected, and relay when TURN carries it', () => {
    const meter = new QualityMeter();
    meter.sample(stats({ t: 1000, received: 100 }), CONNECTED);
    expect(
      meter.sample(stats({ t: 2000, received: 200 }), { ...CONNECTED, connectionState: 'disconnected' })
        .level,
    ).toBe('lost');
    expect(meter.sample(stats({ t: 3000, received: 300, relay: true }), CONNECTED)).toMatchObject({
      level: 'excellent',
      candidateType: 'relay',
    });
  });

  it('reports rounded figures for the numbers panel', () => {
    const [, second] = run([{ packets: 100 }, { packets: 100, lost: 3, rtt: 0.0423 }]);
    expect(second).toMatchObject({
      rttMs: 42,
      lossPercent: 2.9,
      bitrateKbps: 800,
      width: 1280,
      height: 720,
      fps: 30,
    });
  });
});
