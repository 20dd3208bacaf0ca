import { describe, expect, it } from 'vitest';
import type { CallQualitySessionView } from '../../../protocol/call-quality-report.js';
import { measuredParty } from '../../testing/fixtures.js';
import { callQualityItems, overallWords, qualityLines } from './call-quality-report.js';

const party = measuredParty;

function call(over: Partial<CallQualitySessionView> = {}): CallQualitySessionView {
  return {
    callSessionId: 'c1',
    startedAt: Date.UTC(2026, 11, 4, 9, 0),
    endedAt: Date.UTC(2026, 11, 4, 9, 1),
    durationSeconds: 60,
    doctor: party(),
    patient: party({ role: 'patient', levelMs: { excellent: 5000, good: 5000, poor: 10_000, lost: 5000 } }),
    ...over,
  };
}

describe('the doctor’s call quality report', () => {
  it('says how the call went overall from the time at each level', () => {
    // 23 of 25 s excellent or good: 92 %, and excellent alone 60 %: Good.
    expect(overallWords(party())).toBe('Good: 92 % of the time excellent or good');
    expect(overallWords(party({ levelMs: { excellent: 24_000, good: 1000, poor: 0, lost: 0 } }))).toBe(
      'Excellent: 100 % of the time excellent or good',
    );
    expect(overallWords(party({ levelMs: { excellent: 5000, good: 5000, poor: 10_000, lost: 5000 } }))).toBe(
      'Poor: 40 % of the time excellent or good',
    );
    expect(overallWords(party({ levelMs: { excellent: 0, good: 2000, poor: 3000, lost: 20_000 } }))).toBe(
      'Lost: 8 % of the time excellent or good',
    );
  });

  it('gives the figures in words: typical and worst, the picture, the route, reconnections, video gaps', () => {
    expect(qualityLines(party())).toEqual([
      { term: 'Round trip', value: '45 ms typically, 120 ms at worst' },
      { term: 'Packet loss', value: '0.5 % typically, 2.5 % at worst' },
      { term: 'Picture received', value: '720p at 30 fps typically, 360p at worst' },
      { term: 'Connection', value: 'Direct' },
      { term: 'Reconnections', value: 'None' },
      { term: 'Time without video', value: 'None' },
      { term: 'Measured', value: '25 s (3 reports)' },
    ]);
    const rough = qualityLines(
      party({
        relayed: true,
        candidateType: 'relay',
        reconnects: 2,
        audioOnlyMs: 64_000,
        recvHeight: { median: null, worst: null },
        recvFps: { median: null, worst: null },
        lossPct: { median: 12, worst: 12 },
      }),
    );
    expect(rough).toEqual(
      expect.arrayContaining([
        { term: 'Packet loss', value: '12 % typically' },
        { term: 'Picture received', value: 'None received' },
        { term: 'Connection', value: 'Through the relay server (TURN)' },
        { term: 'Reconnections', value: '2 times' },
        { term: 'Time without video', value: '1 min 4 s' },
      ]),
    );
  });

  it('lists ended calls someone measured, latest first, the patient’s side in one line', () => {
    const items = callQualityItems(
      [
        call(),
        call({ callSessionId: 'c2', startedAt: Date.UTC(2026, 11, 4, 10, 0), patient: null }),
        call({ callSessionId: 'live', startedAt: Date.UTC(2026, 11, 4, 11, 0), endedAt: null }),
        call({ callSessionId: 'none', doctor: null, patient: null }),
      ],
      { locale: 'en-GB', timeZone: 'UTC' },
    );
    expect(items.map((i) => i.id)).toEqual(['c2', 'c1']);
    expect(items[1]?.lines.at(-1)).toEqual({
      term: "Patient's side",
      value: 'Poor: 40 % of the time excellent or good',
    });
    expect(items[0]?.lines.some((l) => l.term === "Patient's side")).toBe(false);
    expect(items[1]).toMatchObject({
      isoStarted: '2026-12-04T09:00:00.000Z',
      overall: expect.stringMatching(/^Good/),
    });
  });
});
