import { describe, expect, it } from 'vitest';
import { callsCsv, csvCell } from './analytics-csv.js';
import {
  type CallRow,
  callFigures,
  dailyFigures,
  dominantLevel,
  median,
  type PartyQualityRow,
  waitSeconds,
} from './analytics-figures.js';
import { startOfDay } from './zoned-days.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const BERLIN = 'Europe/Berlin';

function quality(role: 'doctor' | 'patient', over: Partial<PartyQualityRow> = {}): PartyQualityRow {
  return {
    role,
    measured_ms: 60_000,
    rtt_median_ms: 40,
    loss_median_pct: 0.5,
    recv_height_median: 720,
    recv_fps_median: 30,
    relayed: 0,
    excellent_ms: 50_000,
    good_ms: 10_000,
    poor_ms: 0,
    lost_ms: 0,
    reconnects: 0,
    audio_only_ms: 0,
    ...over,
  };
}

function call(startedAt: number, over: Partial<CallRow> = {}): CallRow {
  return {
    session_id: `s-${startedAt}`,
    appointment_id: `a-${startedAt}`,
    doctor_name: 'Dr. A',
    started_at: startedAt,
    connected_at: startedAt + MINUTE,
    ended_at: startedAt + 11 * MINUTE,
    duration_seconds: 600,
    doctor_joined_at: startedAt + 30 * SECOND,
    patient_joined_at: startedAt + 10 * SECOND,
    patient_checked_in_at: null,
    end_reason: 'hung_up',
    quality: [],
    ...over,
  };
}

describe('analytics figures', () => {
  it('a median is the middle value, or the mean of the two middle ones', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([10, 1, 4, 8])).toBe(6);
  });

  it('the wait runs from the patient arriving (check-in, else joining) to the doctor joining; 0 when the doctor was first; none without both', () => {
    const wait = (
      patient_checked_in_at: number | null,
      patient_joined_at: number | null,
      doctor_joined_at: number | null,
    ) => waitSeconds({ patient_checked_in_at, patient_joined_at, doctor_joined_at });
    expect(wait(null, 1_000, 91_400)).toBe(90);
    expect(wait(null, 91_000, 1_000)).toBe(0);
    expect(wait(null, null, 1_000)).toBeNull();
    expect(wait(null, 1_000, null)).toBeNull();
    // Checked in at 0 s, the doctor started at 400 s and joined at 420 s, the patient joined at 430 s.
    expect(wait(0, 430_000, 420_000)).toBe(420);
    // Checked in but never joined the call: the wait still ends when the doctor joined.
    expect(wait(0, null, 60_000)).toBe(60);
  });

  it('the dominant level has the most time; a tie goes to the worse level; nothing measured has none', () => {
    expect(dominantLevel({ excellent: 5, good: 9, poor: 1, lost: 0 })).toBe('good');
    expect(dominantLevel({ excellent: 5, good: 5, poor: 0, lost: 0 })).toBe('good');
    expect(dominantLevel({ excellent: 0, good: 0, poor: 0, lost: 0 })).toBeNull();
  });

  it("a call's figures add up both parties: any relay, time per level, reconnects, audio fallback from 10 s", () => {
    const start = Date.parse('2026-12-04T09:00:00Z');
    const c = callFigures(
      call(start, {
        quality: [
          quality('doctor', { relayed: 1, reconnects: 2, audio_only_ms: 9_999 }),
          quality('patient', { excellent_ms: 0, good_ms: 20_000, poor_ms: 40_000, reconnects: 1 }),
        ],
      }),
      BERLIN,
    );
    expect(c).toMatchObject({
      date: '2026-12-04',
      connected: true,
      callSeconds: 600,
      waitSeconds: 20,
      measured: true,
      relayed: true,
      levelMs: { excellent: 50_000, good: 30_000, poor: 40_000, lost: 0 },
      dominantLevel: 'excellent',
      reconnects: 3,
      audioFallback: false,
    });
    expect(c.parties.patient).toEqual({
      rttMs: 40,
      lossPct: 0.5,
      recvHeight: 720,
      recvFps: 30,
      audioOnlyMs: 0,
    });
    const fellBack = callFigures(
      call(start, { quality: [quality('patient', { audio_only_ms: 10_000 })] }),
      BERLIN,
    );
    expect(fellBack.audioFallback).toBe(true);
    expect(fellBack.parties.doctor).toBeNull();
  });

  it('days are the time zone’s: a call at 23:30 UTC is the next day in Berlin; every day of the period is listed', () => {
    const late = Date.parse('2026-12-04T23:30:00Z');
    const early = Date.parse('2026-12-04T08:00:00Z');
    const calls = [
      callFigures(call(early, { quality: [quality('doctor', { relayed: 1 })] }), BERLIN),
      callFigures(call(late, { doctor_joined_at: late + 100 * SECOND }), BERLIN),
      callFigures(
        call(early + MINUTE, {
          connected_at: null,
          ended_at: null,
          duration_seconds: null,
          doctor_joined_at: null,
        }),
        BERLIN,
      ),
    ];
    const noShows = [
      { appointment_id: 'n1', scheduled_at: startOfDay('2026-12-06', BERLIN) },
      { appointment_id: 'n2', scheduled_at: startOfDay('2026-12-06', BERLIN) - 1 },
    ];
    const { days, totals } = dailyFigures(calls, noShows, {
      from: '2026-12-03',
      to: '2026-12-06',
      timeZone: BERLIN,
    });
    expect(
      days.map((d) => [d.date, d.calls, d.connectedCalls, d.callSeconds, d.noShows, d.waitMedianSeconds]),
    ).toEqual([
      ['2026-12-03', 0, 0, 0, 0, null],
      ['2026-12-04', 2, 1, 600, 0, 20],
      ['2026-12-05', 1, 1, 600, 1, 90],
      ['2026-12-06', 0, 0, 0, 1, null],
    ]);
    expect(days[1]).toMatchObject({ measuredCalls: 1, relayedCalls: 1 });
    expect(totals).toMatchObject({
      calls: 3,
      connectedCalls: 2,
      callSeconds: 1200,
      noShows: 2,
      waitMedianSeconds: 55,
      waits: 2,
      measuredCalls: 1,
      relayedCalls: 1,
      levelMs: { excellent: 50_000, good: 10_000, poor: 0, lost: 0 },
    });
    // In UTC the late call stays on the 4th.
    const utc = dailyFigures(
      calls.map((c) => callFigures(c.row, 'UTC')),
      [],
      { from: '2026-12-04', to: '2026-12-05', timeZone: 'UTC' },
    );
    expect(utc.days.map((d) => d.calls)).toEqual([3, 0]);
  });
});

describe('the CSV', () => {
  it('keeps formulas as text and quotes what needs quoting', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('Dr. Smith, MD')).toBe('"Dr. Smith, MD"');
    expect(csvCell('Dr. A')).toBe('Dr. A');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });

  it('one row per call, local date and time, quality cells empty when nothing was measured', () => {
    const start = Date.parse('2026-12-04T23:30:00Z');
    const measured = callFigures(
      call(start, { doctor_name: '=cmd', quality: [quality('patient', { audio_only_ms: 12_500 })] }),
      BERLIN,
    );
    const unmeasured = callFigures(call(start + MINUTE), BERLIN);
    const lines = callsCsv([measured, unmeasured], BERLIN)
      .replace(/^\uFEFF/, '')
      .split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    const header = (lines[0] ?? '').split(',');
    const row = (i: number) => Object.fromEntries((lines[i] ?? '').split(',').map((v, k) => [header[k], v]));
    expect(row(1)).toMatchObject({
      date: '2026-12-05',
      start_time: '00:30:00',
      doctor: "'=cmd",
      measured: 'yes',
      relayed: 'no',
      dominant_level: 'excellent',
      excellent_ms: '50000',
      audio_fallback: 'yes',
      patient_audio_only_s: '12.5',
      doctor_rtt_ms: '',
      wait_seconds: '20',
    });
    expect(row(2)).toMatchObject({
      measured: 'no',
      relayed: '',
      excellent_ms: '',
      audio_fallback: '',
      duration_seconds: '600',
    });
  });
});
