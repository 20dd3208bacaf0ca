import { describe, expect, it } from 'vitest';
import { FakePeerConnection, settle } from '../testing/fake-peer-connection.js';
import { FakeTimers } from '../testing/fake-timers.js';
import type { QualityReport } from './quality.js';
import { QUALITY_INTERVAL_MS, sampleQuality } from './quality-sampling.js';
import { NO_REMOTE_MEDIA } from './remote-media.js';

function stats(second: number) {
  return [
    {
      id: 'IT01V',
      type: 'inbound-rtp',
      kind: 'video',
      timestamp: second * 1000,
      packetsReceived: second * 200,
      packetsLost: 0,
      bytesReceived: second * 200_000,
      frameWidth: 1280,
      frameHeight: 720,
      framesPerSecond: 30,
      jitter: 0.01,
    },
  ];
}

function setup() {
  const pc = new FakePeerConnection(
    'pc',
    {},
    {
      negotiationNeeded: () => undefined,
      iceCandidate: () => undefined,
      track: () => undefined,
      connectionStateChange: () => undefined,
    },
  );
  pc.connectionState = 'connected';
  const timers = new FakeTimers();
  const reports: QualityReport[] = [];
  let active = true;
  const stop = sampleQuality({
    pc,
    timers,
    active: () => active,
    remote: { media: NO_REMOTE_MEDIA },
    onQuality: (report) => reports.push(report),
    onError: (error) => {
      throw error;
    },
  });
  return {
    pc,
    timers,
    reports,
    stop,
    pause: (paused: boolean) => {
      active = !paused;
    },
  };
}

describe('sampleQuality', () => {
  it('reads getStats once an interval while active, into one meter', async () => {
    const { pc, timers, reports, pause } = setup();
    for (let second = 1; second <= 3; second++) {
      pc.stats = stats(second);
      timers.advance(QUALITY_INTERVAL_MS);
      await settle();
    }
    expect(pc.statsCalls).toBe(3);
    expect(reports.at(-1)).toMatchObject({ width: 1280, height: 720, lossPercent: 0 });
    pause(true);
    timers.advance(5 * QUALITY_INTERVAL_MS);
    await settle();
    expect(pc.statsCalls).toBe(3);
  });

  it('takes one reading at a time', async () => {
    const { pc, timers } = setup();
    pc.stats = stats(1);
    timers.advance(QUALITY_INTERVAL_MS);
    timers.advance(QUALITY_INTERVAL_MS);
    expect(pc.statsCalls).toBe(1);
    await settle();
    timers.advance(QUALITY_INTERVAL_MS);
    expect(pc.statsCalls).toBe(2);
  });

  it('stops reading when stopped, and drops a reading still under way', async () => {
    const { pc, timers, reports, stop } = setup();
    pc.stats = stats(1);
    timers.advance(QUALITY_INTERVAL_MS);
    stop();
    await settle();
    timers.advance(5 * QUALITY_INTERVAL_MS);
    await settle();
    expect(pc.statsCalls).toBe(1);
    expect(reports).toEqual([]);
  });
});
