import { describe, expect, it } from 'vitest';
import type { QualitySummary } from '../../protocol/call-quality.js';
import { median, summarizeWindows } from './quality-summary.js';

const base: QualitySummary = {
  windowMs: 10_000,
  rttMs: 40,
  jitterMs: 5,
  lossPct: 0,
  sendKbps: 1000,
  recvKbps: 1000,
  recvWidth: 1280,
  recvHeight: 720,
  recvFps: 30,
  candidateType: 'host',
  level: 'excellent',
  levelMs: { excellent: 10_000, good: 0, poor: 0, lost: 0 },
  reconnects: 0,
  audioOnlyMs: 0,
};

describe('a party’s summary over its windows', () => {
  it('medians: the middle one, the mean of the two middle ones rounded half up, loss unrounded', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([1, 2])).toBe(2);
    expect(median([1, 4, null, 2, 3])).toBe(3);
    expect(median([0.1, 0.2], false)).toBeCloseTo(0.15, 10);
    expect(median([null])).toBeNull();
  });

  it('a figure no window had stays null; a candidate tie goes to the one listed first', () => {
    const view = summarizeWindows('patient', [
      { ...base, recvHeight: null, recvWidth: null, recvFps: null, candidateType: 'relay' },
      { ...base, recvHeight: null, recvWidth: null, recvFps: null, candidateType: 'srflx' },
    ]);
    expect(view).toMatchObject({
      role: 'patient',
      windows: 2,
      measuredMs: 20_000,
      recvHeight: { median: null, worst: null },
      recvFps: { median: null, worst: null },
      candidateType: 'srflx',
      relayed: true,
    });
  });

  it('no window: zero totals and no figures', () => {
    expect(summarizeWindows('doctor', [])).toMatchObject({
      windows: 0,
      measuredMs: 0,
      rttMs: { median: null, worst: null },
      candidateType: null,
      relayed: false,
      levelMs: { excellent: 0, good: 0, poor: 0, lost: 0 },
    });
  });
});
