import { beforeEach, describe, expect, it } from 'vitest';
import type { CallQualityPartyView, QualitySummary } from '../../src/protocol/call-quality.js';
import type { CallQualityReportAnswer } from '../../src/protocol/call-quality-report.js';
import { MAX_FRAME_BYTES } from '../../src/protocol/messages.js';
import type { World } from '../support/fixtures.js';
import type { Agent, SocketClient, TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

/** A window as a browser sends it; each test changes what it is about. */
function window(over: Partial<QualitySummary> = {}): QualitySummary {
  return {
    windowMs: 10_000,
    rttMs: 40,
    jitterMs: 8,
    lossPct: 0,
    sendKbps: 1200,
    recvKbps: 1500,
    recvWidth: 1280,
    recvHeight: 720,
    recvFps: 30,
    candidateType: 'host',
    level: 'excellent',
    levelMs: { excellent: 10_000, good: 0, poor: 0, lost: 0 },
    reconnects: 0,
    audioOnlyMs: 0,
    ...over,
  };
}

const levels = (excellent: number, good = 0, poor = 0, lost = 0) => ({ excellent, good, poor, lost });

// The doctor's three windows: medians are the middle ones.
const DOCTOR_WINDOWS = [
  window(),
  window({
    rttMs: 120,
    jitterMs: 20,
    lossPct: 2.5,
    sendKbps: 800,
    recvKbps: 600,
    recvWidth: 640,
    recvHeight: 360,
    recvFps: 15,
    candidateType: 'relay',
    level: 'good',
    levelMs: levels(4000, 6000),
    reconnects: 1,
    audioOnlyMs: 2000,
  }),
  window({
    rttMs: 60,
    jitterMs: 12,
    lossPct: 0.5,
    sendKbps: 1000,
    recvKbps: 1100,
    recvFps: 24,
    levelMs: levels(9000, 1000),
  }),
];

// The patient's four windows (an even count: the mean of the two middle ones), the last a short final
// one without any picture.
const PATIENT_WINDOWS = [
  window({ rttMs: 50, jitterMs: 10, lossPct: 1, sendKbps: 900, recvKbps: 1000, candidateType: 'srflx' }),
  window({
    rttMs: 70,
    jitterMs: 30,
    lossPct: 4,
    sendKbps: 700,
    recvKbps: 500,
    recvWidth: 960,
    recvHeight: 540,
    recvFps: 20,
    candidateType: 'srflx',
    level: 'good',
    levelMs: levels(0, 8000, 2000),
  }),
  window({ rttMs: 65, jitterMs: 15, sendKbps: 1000, recvKbps: 900, recvFps: 25, candidateType: 'srflx' }),
  window({
    windowMs: 4500,
    rttMs: 200,
    jitterMs: 40,
    lossPct: 10,
    sendKbps: 300,
    recvKbps: 40,
    recvWidth: null,
    recvHeight: null,
    recvFps: null,
    candidateType: 'relay',
    level: 'poor',
    levelMs: levels(0, 0, 3000, 1500),
    reconnects: 2,
    audioOnlyMs: 4500,
  }),
];

/** Worked out by hand from the windows above (docs/call-quality.md, "The stored summary"). */
const DOCTOR_ROW: CallQualityPartyView = {
  role: 'doctor',
  windows: 3,
  measuredMs: 30_000,
  rttMs: { median: 60, worst: 120 },
  jitterMs: { median: 12, worst: 20 },
  lossPct: { median: 0.5, worst: 2.5 },
  sendKbps: { median: 1000, worst: 800 },
  recvKbps: { median: 1100, worst: 600 },
  recvHeight: { median: 720, worst: 360 },
  recvFps: { median: 24, worst: 15 },
  relayed: true,
  candidateType: 'host',
  levelMs: levels(23_000, 7000),
  reconnects: 1,
  audioOnlyMs: 2000,
};
const PATIENT_ROW: CallQualityPartyView = {
  role: 'patient',
  windows: 4,
  measuredMs: 34_500,
  // 50 65 70 200: (65 + 70) / 2 = 67.5, rounded half up.
  rttMs: { median: 68, worst: 200 },
  // 10 15 30 40: 22.5 → 23.
  jitterMs: { median: 23, worst: 40 },
  // 0 1 4 10: 2.5, loss keeps its decimals.
  lossPct: { median: 2.5, worst: 10 },
  sendKbps: { median: 800, worst: 300 },
  recvKbps: { median: 700, worst: 40 },
  // Only the three windows with a picture count.
  recvHeight: { median: 720, worst: 540 },
  recvFps: { median: 25, worst: 20 },
  relayed: true,
  candidateType: 'srflx',
  levelMs: levels(20_000, 8000, 5000, 1500),
  reconnects: 2,
  audioOnlyMs: 4500,
};

describe.each(testDatabases())('call quality summaries (S30) on $name', (database) => {
  const setup = useWorld({ database });
  let server: TestServer;
  let world: World;
  let agents: Record<'doctor' | 'patient' | 'admin' | 'otherDoctor', Agent>;

  const open = async (hubLimits = {}) => {
    ({ server, world } = await setup.open({ hubLimits }));
    agents = await setup.signInAll('doctor', 'patient', 'admin', 'otherDoctor');
  };
  const id = () => world.appointment.id;
  const sessionId = async () => {
    const [session] = await server.ctx.store.callSessions.listForAppointment(id());
    if (!session) throw new Error('no call session');
    return session.id;
  };
  const stored = async () => server.ctx.store.quality.windowCount(await sessionId());
  /** Both parties in the started call's room. */
  const inCall = async (): Promise<{ d: SocketClient; p: SocketClient }> => {
    expect((await agents.doctor.request('POST', `/api/appointments/${id()}/call/start`, {})).status).toBe(
      200,
    );
    expect((await agents.patient.request('POST', `/api/appointments/${id()}/call/join`, {})).status).toBe(
      200,
    );
    const [d, p] = await Promise.all([setup.socket(agents.doctor), setup.socket(agents.patient)]);
    expect(await d.call({ type: 'join', appointmentId: id() })).toMatchObject({ type: 'ack' });
    expect(await p.call({ type: 'join', appointmentId: id() })).toMatchObject({ type: 'ack' });
    return { d, p };
  };
  const send = (s: SocketClient, summary: unknown) => s.call({ type: 'quality-summary', summary });

  describe('with room for every window', () => {
    beforeEach(() => open({ qualityBurst: 10 }));

    it('S30 each party’s windows give its own row: exact medians, worst, totals; the report shows them', async () => {
      const { d, p } = await inCall();
      for (const w of DOCTOR_WINDOWS) expect(await send(d, w)).toMatchObject({ type: 'ack' });
      for (const w of PATIENT_WINDOWS) expect(await send(p, w)).toMatchObject({ type: 'ack' });
      expect(await stored()).toBe(7);
      const rows = await server.ctx.store.quality.forSessions([await sessionId()]);
      expect(rows).toHaveLength(2);
      const r = await agents.doctor.request('GET', `/api/appointments/${id()}/calls/quality`);
      expect(r.status).toBe(200);
      const report = r.body as CallQualityReportAnswer;
      expect(report.calls).toHaveLength(1);
      expect(report.calls[0]).toMatchObject({ callSessionId: await sessionId(), endedAt: null });
      expect(report.calls[0]?.doctor).toEqual(DOCTOR_ROW);
      expect(report.calls[0]?.patient).toEqual(PATIENT_ROW);
      // The admin reads the same; the patient may not.
      expect((await agents.admin.request('GET', `/api/appointments/${id()}/calls/quality`)).body).toEqual(
        report,
      );
      const refused = await agents.patient.request('GET', `/api/appointments/${id()}/calls/quality`);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'wrong_role' } });
    });

    it('S30 a malformed summary is refused with validation_failed, naming nothing stored', async () => {
      const { d } = await inCall();
      const bad: unknown[] = [
        { ...window(), rttMs: '40' },
        { ...window(), extra: 1 },
        { ...window(), lossPct: -1 },
        { ...window(), rttMs: -5 },
        { ...window(), lossPct: 100.5 },
        { ...window(), recvFps: 1000 },
        { ...window(), jitterMs: 1.5 },
        { ...window(), windowMs: 0 },
        { ...window(), windowMs: 120_001 },
        { ...window(), candidateType: 'tcp' },
        { ...window(), level: 'superb' },
        { ...window(), levelMs: { excellent: 10_000, good: 0, poor: 0 } },
        { ...window(), levelMs: { ...levels(10_000), later: 0 } },
        { ...window(), levelMs: levels(8000, 3000) },
        { ...window(), audioOnlyMs: 10_001 },
        { ...window(), reconnects: 101 },
        (({ audioOnlyMs: _, ...rest }) => rest)(window()),
        null,
        'window',
      ];
      for (const summary of bad) {
        expect({ summary, reply: await send(d, summary) }).toMatchObject({
          summary,
          reply: { type: 'error', code: 'validation_failed' },
        });
      }
      // A field beside the summary is refused too.
      const extra = await d.call({ type: 'quality-summary', summary: window(), at: 1 });
      expect(extra).toMatchObject({ type: 'error', code: 'validation_failed' });
      expect(await stored()).toBe(0);
      expect(await server.ctx.store.quality.forSessions([await sessionId()])).toEqual([]);
      // Still in the room: a good one is taken.
      expect(await send(d, window())).toMatchObject({ type: 'ack' });
      expect(await stored()).toBe(1);
    });

    it('S30 an oversized summary closes the socket (S3) and stores nothing', async () => {
      const { d } = await inCall();
      d.send(
        JSON.stringify({
          type: 'quality-summary',
          summary: { ...window(), pad: 'x'.repeat(MAX_FRAME_BYTES) },
        }),
      );
      expect((await d.closed()).code).toBe(1009);
      expect(await stored()).toBe(0);
    });

    it('S30 only a party live in the call’s room may send: not_in_room for the others', async () => {
      expect((await agents.doctor.request('POST', `/api/appointments/${id()}/call/start`, {})).status).toBe(
        200,
      );
      const admin = await setup.socket(agents.admin);
      expect(await send(admin, window())).toMatchObject({ type: 'error', code: 'not_in_room' });
      const outsider = await setup.socket(agents.otherDoctor);
      expect(await send(outsider, window())).toMatchObject({ type: 'error', code: 'not_in_room' });
      // The doctor before joining, and after leaving.
      const d = await setup.socket(agents.doctor);
      expect(await send(d, window())).toMatchObject({ type: 'error', code: 'not_in_room' });
      expect(await d.call({ type: 'join', appointmentId: id() })).toMatchObject({ type: 'ack' });
      expect(await send(d, window())).toMatchObject({ type: 'ack' });
      expect(await d.call({ type: 'leave' })).toMatchObject({ type: 'ack' });
      expect(await send(d, window())).toMatchObject({ type: 'error', code: 'not_in_room' });
      expect(await stored()).toBe(1);
    });
  });

  describe('with the default limits', () => {
    beforeEach(() => open());

    it('S30 a flood is refused with rate_limited and not stored', async () => {
      const { p } = await inCall();
      const replies = [];
      for (let i = 0; i < 8; i++) replies.push(await send(p, window()));
      const acked = replies.filter((r) => r.type === 'ack').length;
      // The default allows the regular window, a final one and a spare at once.
      expect(acked).toBe(3);
      expect(replies.slice(3)).toEqual(
        Array.from({ length: 5 }, () => expect.objectContaining({ type: 'error', code: 'rate_limited' })),
      );
      expect(await stored()).toBe(3);
      const [row] = await server.ctx.store.quality.forSessions([await sessionId()]);
      expect(row).toMatchObject({ role: 'patient', windows: 3, measured_ms: 30_000 });
    });

    it('S30 the report lists every call session, a party that sent nothing as null', async () => {
      const { d } = await inCall();
      expect(await send(d, window())).toMatchObject({ type: 'ack' });
      expect((await agents.doctor.request('POST', `/api/appointments/${id()}/call/end`, {})).status).toBe(
        200,
      );
      const r = await agents.doctor.request('GET', `/api/appointments/${id()}/calls/quality`);
      const [call] = (r.body as CallQualityReportAnswer).calls;
      expect(call?.endedAt).not.toBeNull();
      expect(call?.patient).toBeNull();
      expect(call?.doctor).toMatchObject({ windows: 1, rttMs: { median: 40, worst: 40 } });
      const other = await agents.otherDoctor.request('GET', `/api/appointments/${id()}/calls/quality`);
      expect(other.status).toBe(403);
    });
  });
});
