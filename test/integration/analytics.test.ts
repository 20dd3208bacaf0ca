import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { AnalyticsReport } from '../../src/protocol/analytics.js';
import { insertCallQuality, insertCallSession } from '../support/call-quality-rows.js';
import { FakeClock } from '../support/clock.js';
import { Agent } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const at = (iso: string) => Date.parse(iso);
const PERIOD = 'from=2026-12-01&to=2026-12-04&tz=Europe/Berlin';

describe.each(testDatabases())('admin analytics on $name', (database) => {
  const setup = useWorld({ database });

  /**
   * Four days in Berlin with calls, no-shows and quality rows whose figures are worked out by hand below,
   * and a call of hospital B that must count nowhere.
   */
  /** The hospital's call sessions, straight from the database. */
  const sessionsOf = async (hospitalId: string) =>
    (
      await setup.server.ctx.store.db.kysely
        .selectFrom('call_sessions as s')
        .innerJoin('appointments as a', 'a.id', 's.appointment_id')
        .select('s.id')
        .where('a.hospital_id', '=', hospitalId)
        .execute()
    ).map((r) => r.id);

  const open = async () => {
    const clock = new FakeClock(at('2026-12-04T12:00:00Z'));
    const { server, world } = await setup.open({ clock });
    const store = server.ctx.store;
    const book = (scheduledAt: number, lengthMinutes: number | null = 20, hospital: 'A' | 'B' = 'A') =>
      store.appointments.create({
        hospitalId: hospital === 'A' ? world.hospitalA : world.hospitalB,
        doctorId: hospital === 'A' ? world.doctor.id : world.otherDoctor.id,
        patientId: hospital === 'A' ? world.patient.id : world.otherPatient.id,
        scheduledAt,
        lengthMinutes,
        reason: 'Follow-up',
      });
    // 1 December: two calls. The patient waits 90 s for the doctor in the first; the doctor is first in the other.
    const a1 = await book(at('2026-12-01T09:00:00Z'));
    const s1 = await insertCallSession(store, {
      appointmentId: a1.id,
      startedAt: at('2026-12-01T09:00:00Z'),
      patientJoinedAfter: 10,
      doctorJoinedAfter: 100,
      durationSeconds: 600,
    });
    await insertCallQuality(store, s1, 'doctor', { relayed: 1, excellent_ms: 500_000, good_ms: 100_000 });
    await insertCallQuality(store, s1, 'patient', {
      excellent_ms: 0,
      good_ms: 300_000,
      poor_ms: 60_000,
      lost_ms: 5_000,
      reconnects: 2,
      audio_only_ms: 15_000,
    });
    const a2 = await book(at('2026-12-01T13:00:00Z'));
    const s2 = await insertCallSession(store, {
      appointmentId: a2.id,
      startedAt: at('2026-12-01T13:00:00Z'),
      doctorJoinedAfter: 5,
      patientJoinedAfter: 50,
      durationSeconds: 300,
    });
    await insertCallQuality(store, s2, 'patient', {
      excellent_ms: 280_000,
      good_ms: 0,
      audio_only_ms: 9_000,
    });
    // 2 December: a no-show, nobody called.
    await book(at('2026-12-02T10:00:00Z'));
    // 23:30 UTC on 2 December is 00:30 on the 3rd in Berlin: a short call, no quality figures.
    const a3 = await book(at('2026-12-02T23:30:00Z'));
    await insertCallSession(store, {
      appointmentId: a3.id,
      startedAt: at('2026-12-02T23:30:00Z'),
      patientJoinedAfter: 0,
      doctorJoinedAfter: 30,
      durationSeconds: 120,
    });
    // 3 December: a call started that the patient never joined: a session, and still a no-show.
    const a5 = await book(at('2026-12-03T08:00:00Z'));
    await insertCallSession(store, {
      appointmentId: a5.id,
      startedAt: at('2026-12-03T08:05:00Z'),
      patientJoinedAfter: null,
      durationSeconds: null,
    });
    // Neither a cancelled appointment nor one whose planned end is still ahead is a no-show.
    const cancelled = await book(at('2026-12-03T09:00:00Z'));
    await server.ctx.appointments.cancel(world.admin.id, cancelled.id);
    await book(at('2026-12-04T11:50:00Z'), 20);
    // Hospital B's call on 1 December.
    const b = await book(at('2026-12-01T09:00:00Z'), 20, 'B');
    const sb = await insertCallSession(store, { appointmentId: b.id, startedAt: at('2026-12-01T09:30:00Z') });
    await insertCallQuality(store, sb, 'doctor', { relayed: 1 });
    const admin = await setup.signIn('admin');
    return { server, world, admin, clock };
  };

  it('the report gives, per Berlin day and in total, exactly what the rows say', async () => {
    const { admin, world } = await open();
    const r = await admin.request('GET', `/api/hospitals/${world.hospitalA}/analytics?${PERIOD}`);
    expect(r.status).toBe(200);
    const report = r.body as AnalyticsReport;
    expect(report).toMatchObject({
      hospitalId: world.hospitalA,
      from: '2026-12-01',
      to: '2026-12-04',
      timeZone: 'Europe/Berlin',
      fromMs: at('2026-11-30T23:00:00Z'),
      toMs: at('2026-12-04T23:00:00Z'),
    });
    const none = { excellent: 0, good: 0, poor: 0, lost: 0 };
    expect(report.days).toEqual([
      {
        date: '2026-12-01',
        calls: 2,
        connectedCalls: 2,
        callSeconds: 900,
        noShows: 0,
        waitMedianSeconds: 45,
        waits: 2,
        measuredCalls: 2,
        relayedCalls: 1,
        levelMs: { excellent: 780_000, good: 400_000, poor: 60_000, lost: 5_000 },
        reconnects: 2,
        audioFallbackCalls: 1,
      },
      {
        date: '2026-12-02',
        calls: 0,
        connectedCalls: 0,
        callSeconds: 0,
        noShows: 1,
        waitMedianSeconds: null,
        waits: 0,
        measuredCalls: 0,
        relayedCalls: 0,
        levelMs: none,
        reconnects: 0,
        audioFallbackCalls: 0,
      },
      {
        date: '2026-12-03',
        calls: 2,
        connectedCalls: 1,
        callSeconds: 120,
        noShows: 1,
        waitMedianSeconds: 30,
        waits: 1,
        measuredCalls: 0,
        relayedCalls: 0,
        levelMs: none,
        reconnects: 0,
        audioFallbackCalls: 0,
      },
      {
        date: '2026-12-04',
        calls: 0,
        connectedCalls: 0,
        callSeconds: 0,
        noShows: 0,
        waitMedianSeconds: null,
        waits: 0,
        measuredCalls: 0,
        relayedCalls: 0,
        levelMs: none,
        reconnects: 0,
        audioFallbackCalls: 0,
      },
    ]);
    expect(report.totals).toEqual({
      calls: 4,
      connectedCalls: 3,
      callSeconds: 1020,
      noShows: 2,
      waitMedianSeconds: 30,
      waits: 3,
      measuredCalls: 2,
      relayedCalls: 1,
      levelMs: { excellent: 780_000, good: 400_000, poor: 60_000, lost: 5_000 },
      reconnects: 2,
      audioFallbackCalls: 1,
    });

    // The same rows by UTC days: the late call moves to the 2nd.
    const utc = await admin.request(
      'GET',
      `/api/hospitals/${world.hospitalA}/analytics?from=2026-12-01&to=2026-12-04`,
    );
    expect((utc.body as AnalyticsReport).timeZone).toBe('UTC');
    expect((utc.body as AnalyticsReport).days.map((d) => [d.date, d.calls, d.noShows])).toEqual([
      ['2026-12-01', 2, 0],
      ['2026-12-02', 1, 1],
      ['2026-12-03', 1, 1],
      ['2026-12-04', 0, 0],
    ]);
  });

  it('the CSV has one row per call session, and its columns add up to the report', async () => {
    const { admin, world } = await open();
    const path = `/api/hospitals/${world.hospitalA}`;
    const [json, csv] = await Promise.all([
      admin.request('GET', `${path}/analytics?${PERIOD}`),
      admin.request('GET', `${path}/analytics/calls.csv?${PERIOD}`),
    ]);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      'attachment; filename="carecall-calls-2026-12-01-to-2026-12-04.csv"',
    );
    const rows = parse(csv.body as string, { columns: true, bom: true }) as Record<string, string>[];
    const report = json.body as AnalyticsReport;
    const sessions = await sessionsOf(world.hospitalA);
    expect(rows.map((r) => r['call_session_id']).sort()).toEqual(sessions.sort());
    const sum = (key: string) => rows.reduce((n, r) => n + Number(r[key] || 0), 0);
    const count = (key: string) => rows.filter((r) => r[key] === 'yes').length;
    expect({
      calls: rows.length,
      connectedCalls: count('connected'),
      callSeconds: sum('duration_seconds'),
      measuredCalls: count('measured'),
      relayedCalls: count('relayed'),
      levelMs: {
        excellent: sum('excellent_ms'),
        good: sum('good_ms'),
        poor: sum('poor_ms'),
        lost: sum('lost_ms'),
      },
      reconnects: sum('reconnects'),
      audioFallbackCalls: count('audio_fallback'),
    }).toEqual({
      calls: report.totals.calls,
      connectedCalls: report.totals.connectedCalls,
      callSeconds: report.totals.callSeconds,
      measuredCalls: report.totals.measuredCalls,
      relayedCalls: report.totals.relayedCalls,
      levelMs: report.totals.levelMs,
      reconnects: report.totals.reconnects,
      audioFallbackCalls: report.totals.audioFallbackCalls,
    });
    for (const day of report.days) {
      expect({ date: day.date, calls: rows.filter((r) => r['date'] === day.date).length }).toEqual({
        date: day.date,
        calls: day.calls,
      });
    }
    const first = rows.find((r) => r['wait_seconds'] === '90');
    expect(first).toMatchObject({
      date: '2026-12-01',
      start_time: '10:00:00',
      doctor: 'Dr. A',
      relayed: 'yes',
      dominant_level: 'excellent',
      doctor_rtt_ms: '42',
      patient_loss_pct: '0.2',
      patient_recv_height: '720',
      patient_audio_only_s: '15',
      audio_fallback: 'yes',
    });
  });

  it('a doctor’s name that looks like a formula stays text in the CSV', async () => {
    const { admin, world } = await open();
    await setup.server.ctx.store.db.kysely
      .updateTable('users')
      .set({ display_name: '=HYPERLINK("http://evil.test","x")' })
      .where('id', '=', world.doctor.id)
      .execute();
    const csv = await admin.request('GET', `/api/hospitals/${world.hospitalA}/analytics/calls.csv?${PERIOD}`);
    const rows = parse(csv.body as string, { columns: true, bom: true }) as Record<string, string>[];
    expect(new Set(rows.map((r) => r['doctor']))).toEqual(new Set(['\'=HYPERLINK("http://evil.test","x")']));
  });

  it('an empty period answers every day with zeros and an empty CSV with its header', async () => {
    const { admin, world } = await open();
    const path = `/api/hospitals/${world.hospitalA}`;
    const q = 'from=2025-01-01&to=2025-01-07&tz=Europe/Berlin';
    const report = (await admin.request('GET', `${path}/analytics?${q}`)).body as AnalyticsReport;
    expect(report.days).toHaveLength(7);
    expect(report.totals).toMatchObject({ calls: 0, noShows: 0, waitMedianSeconds: null, measuredCalls: 0 });
    const csv = await admin.request('GET', `${path}/analytics/calls.csv?${q}`);
    expect((csv.body as string).replace(/^\uFEFF/, '').split('\r\n')).toEqual([
      expect.stringMatching(/^call_session_id,appointment_id,date,/),
      '',
    ]);
  });

  it('bad input is 400 naming the field, on both routes; the longest period (366 days) is fine', async () => {
    const { admin, world } = await open();
    const cases: [string, string][] = [
      ['to=2026-12-04', 'from'],
      ['from=2026-12-01', 'to'],
      ['from=2026-13-01&to=2026-12-04', 'from'],
      ['from=yesterday&to=2026-12-04', 'from'],
      ['from=2026-12-05&to=2026-12-04', 'to'],
      ['from=2025-01-01&to=2026-01-02', 'to'],
      ['from=2026-12-01&to=2026-12-04&tz=Mars/Olympus', 'tz'],
      ['from=2026-12-01&to=2026-12-04&tzOffsetMinutes=60', 'body'],
    ];
    for (const suffix of ['analytics', 'analytics/calls.csv']) {
      for (const [query, field] of cases) {
        const r = await admin.request('GET', `/api/hospitals/${world.hospitalA}/${suffix}?${query}`);
        const error = (r.body as { error: { code: string; message: string; fields: Record<string, string> } })
          .error;
        expect({ query, status: r.status, code: error.code }).toEqual({
          query,
          status: 400,
          code: 'validation_failed',
        });
        if (field === 'body') expect(error.message).toMatch(/tzOffsetMinutes/);
        else expect({ query, fields: Object.keys(error.fields) }).toEqual({ query, fields: [field] });
      }
      const longest = await admin.request(
        'GET',
        `/api/hospitals/${world.hospitalA}/${suffix}?from=2024-01-01&to=2024-12-31&tz=UTC`,
      );
      expect(longest.status).toBe(200);
    }
  });

  it("another hospital's admin, a doctor, a patient and an unknown hospital get 403; nobody signed in 401", async () => {
    const { server, world } = await open();
    const agents = await setup.signInAll('otherAdmin', 'doctor', 'patient');
    for (const suffix of ['analytics', 'analytics/calls.csv']) {
      const path = (hospitalId: string) => `/api/hospitals/${hospitalId}/${suffix}?${PERIOD}`;
      for (const agent of Object.values(agents)) {
        expect((await agent.request('GET', path(world.hospitalA))).status).toBe(403);
      }
      expect((await agents.otherAdmin.request('GET', path(world.hospitalB))).status).toBe(200);
      const admin = await setup.signIn('admin');
      expect((await admin.request('GET', path('no-such-hospital'))).status).toBe(403);
      expect((await new Agent(server).request('GET', path(world.hospitalA))).status).toBe(401);
    }
  });
});
