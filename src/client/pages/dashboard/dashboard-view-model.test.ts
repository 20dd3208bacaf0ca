import { describe, expect, it } from 'vitest';
import type { DashboardRow, DashboardSnapshot } from '../../../protocol/dashboard.js';
import type { CallStatusView } from '../../../protocol/messages.js';
import { ApiClient } from '../../api/http-client.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { adminUser, doctorUser, sessionOf } from '../../testing/fixtures.js';
import { pageHarness } from '../../testing/page-harness.js';
import { changeWords, detailOf, groupOf } from './dashboard-rows.js';
import { DashboardViewModel, localDay } from './dashboard-view-model.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-12-04T10:00:00Z');
const DASHBOARD = '/api/hospitals/h1/dashboard?day=2026-12-04&tzOffsetMinutes=0';

const idle = (appointmentId: string): CallStatusView => ({
  appointmentId,
  status: 'not_started',
  roomId: null,
  startedAt: null,
  connectedAt: null,
  endedAt: null,
  durationSeconds: null,
  endReason: null,
  endsAt: null,
});

function row(id: string, overrides: Partial<DashboardRow> = {}): DashboardRow {
  return {
    appointmentId: id,
    scheduledAt: NOW,
    lengthMinutes: 30,
    doctor: { id: 'd1', displayName: 'Dr. Ada' },
    patient: { id: `p-${id}`, displayName: `Patient ${id}` },
    cancelledAt: null,
    connected: false,
    call: idle(id),
    lobby: { appointmentId: id, patientWaiting: false, checkedInAt: null },
    ...overrides,
  };
}

const snapshot = (rows: DashboardRow[], now = NOW): DashboardSnapshot => ({
  hospitalId: 'h1',
  from: Date.parse('2026-12-04T00:00:00Z'),
  to: Date.parse('2026-12-05T00:00:00Z'),
  now,
  rows,
});

/** Lets the fake API's answers (promises) settle. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(routes: Route[]) {
  const api = fakeApi(routes);
  const { platform, socket, connection, connections } = pageHarness({ pathname: '/dashboard' });
  platform.fakeTimers.now = NOW;
  const model = new DashboardViewModel(new ApiClient(api.fetch), platform, socket, {
    tzOffsetMinutes: 0,
    locale: 'en-GB',
    timeZone: 'UTC',
  });
  /** Welcomes the socket and acknowledges its hospital subscription, then lets the day be read. */
  const connect = async () => {
    connection().welcome();
    const sent = connection().sent.filter((m) => m.type === 'subscribe-hospital');
    const subscribe = sent.at(-1);
    expect(subscribe).toMatchObject({ type: 'subscribe-hospital', hospitalId: 'h1' });
    expect(api.requests.filter((r) => r.path.startsWith('/api/hospitals/'))).toHaveLength(reads);
    connection().receive({ type: 'ack', id: (subscribe as { id: string }).id });
    reads++;
    await flush();
  };
  let reads = 0;
  const section = (group: string) => model.state.sections.find((s) => s.group === group)?.items ?? [];
  const dashboardReads = () => api.requests.filter((r) => r.path === DASHBOARD).length;
  /** Time passes with the server answering the socket's heartbeat, so the socket stays up. */
  const pass = (ms: number) => {
    for (let t = 0; t < ms; t += 20_000) {
      platform.fakeTimers.advance(Math.min(20_000, ms - t));
      connection().receive({ type: 'pong' });
    }
  };
  return { api, platform, model, connection, connections, connect, section, dashboardReads, pass };
}

const session = (user = adminUser): Route => ({
  method: 'GET',
  path: '/api/session',
  status: 200,
  body: sessionOf(user),
});
const day = (rows: DashboardRow[], now = NOW): Route => ({
  method: 'GET',
  path: DASHBOARD,
  status: 200,
  body: snapshot(rows, now),
});

describe('dashboard rows', () => {
  it('groups by what is happening now: cancelled, in a call, waiting, no-show, ended, still to come', () => {
    const started = { ...idle('a'), status: 'waiting' as const, startedAt: NOW, roomId: 'r' };
    const ended = { ...idle('a'), status: 'ended' as const, endedAt: NOW, durationSeconds: 60 };
    const waiting = { appointmentId: 'a', patientWaiting: true, checkedInAt: NOW };
    expect(groupOf(row('a', { cancelledAt: NOW }), NOW)).toBe('cancelled');
    expect(groupOf(row('a', { call: started, lobby: waiting }), NOW)).toBe('in-call');
    expect(groupOf(row('a', { lobby: waiting }), NOW)).toBe('waiting');
    expect(groupOf(row('a'), NOW)).toBe('upcoming');
    // Planned end (30 min) passed without a connected call: a no-show, even if a call was started unanswered.
    expect(groupOf(row('a'), NOW + 31 * MINUTE)).toBe('no-show');
    expect(groupOf(row('a', { call: ended }), NOW + 31 * MINUTE)).toBe('no-show');
    expect(groupOf(row('a', { call: ended, connected: true }), NOW + 31 * MINUTE)).toBe('ended');
    expect(groupOf(row('a', { lengthMinutes: null }), NOW + 29 * MINUTE)).toBe('upcoming');
    expect(groupOf(row('a', { lengthMinutes: null }), NOW + 31 * MINUTE)).toBe('no-show');
  });

  it('says how long someone waits, how long a call runs and how it ended', () => {
    const waiting = row('a', { lobby: { appointmentId: 'a', patientWaiting: true, checkedInAt: NOW } });
    expect(detailOf(waiting, 'waiting', NOW + 30_000)).toBe('Waiting for less than a minute');
    expect(detailOf(waiting, 'waiting', NOW + 61_000)).toBe('Waiting for 1 minute');
    expect(detailOf(waiting, 'waiting', NOW + 3 * MINUTE + 5_000)).toBe('Waiting for 3 minutes');
    const call = { ...idle('a'), status: 'in_progress' as const, startedAt: NOW, connectedAt: NOW + 10_000 };
    expect(detailOf(row('a', { call }), 'in-call', NOW + 12 * MINUTE + 14_000)).toBe('In the call for 12:04');
    expect(
      detailOf(
        row('a', { call: { ...call, status: 'waiting', connectedAt: null } }),
        'in-call',
        NOW + 42_000,
      ),
    ).toBe('Call started 0:42 ago, not connected yet');
    const ended = {
      ...call,
      status: 'ended' as const,
      durationSeconds: 725,
      endReason: 'max_duration' as const,
    };
    expect(detailOf(row('a', { call: ended }), 'ended', NOW)).toBe(
      'Lasted 12 min 5 s. The call reached its maximum length.',
    );
    expect(detailOf(row('a', { call: { ...ended, endReason: 'hung_up' } }), 'ended', NOW)).toBe(
      'Lasted 12 min 5 s',
    );
    expect(detailOf(row('a'), 'no-show', NOW)).toBe('Did not check in');
  });

  it('puts changes into words for the live region, and only changes worth saying', () => {
    const before = row('a');
    const waiting = { ...before, lobby: { appointmentId: 'a', patientWaiting: true, checkedInAt: NOW } };
    expect(changeWords(before, waiting, NOW)).toBe('Patient a is in the waiting room.');
    expect(changeWords(waiting, waiting, NOW)).toBeNull();
    expect(changeWords(waiting, before, NOW)).toBe('Patient a left the waiting room.');
    const started = { ...waiting, call: { ...idle('a'), status: 'waiting' as const, startedAt: NOW } };
    expect(changeWords(waiting, started, NOW)).toBe('Dr. Ada started the call with Patient a.');
    // In the room, the patient waits no more.
    const connected = {
      ...started,
      lobby: { ...started.lobby, patientWaiting: false },
      call: { ...started.call, status: 'in_progress' as const, connectedAt: NOW },
    };
    expect(changeWords(started, connected, NOW)).toBe('Patient a and Dr. Ada are in a call.');
    const ended = {
      ...connected,
      connected: true,
      call: { ...connected.call, status: 'ended' as const, durationSeconds: 95 },
    };
    expect(changeWords(connected, ended, NOW)).toBe('The call with Patient a ended after 1 min 35 s.');
  });

  it('reads the day in the viewer’s time zone', () => {
    expect(localDay(Date.parse('2026-12-04T23:30:00Z'), 0)).toBe('2026-12-04');
    expect(localDay(Date.parse('2026-12-04T23:30:00Z'), 60)).toBe('2026-12-05');
    expect(localDay(Date.parse('2026-12-04T00:30:00Z'), -60)).toBe('2026-12-03');
  });
});

describe('DashboardViewModel', () => {
  it('subscribes to the hospital, reads the day only once subscribed, and shows each row in its section', async () => {
    const rows = [
      row('a1', { lobby: { appointmentId: 'a1', patientWaiting: true, checkedInAt: NOW - 3 * MINUTE } }),
      row('a2', { scheduledAt: NOW + 60 * MINUTE }),
      row('a3', { cancelledAt: NOW - MINUTE }),
    ];
    const { model, connect, section, dashboardReads } = setup([session(), day(rows)]);
    await model.load();
    expect(dashboardReads()).toBe(0);
    await connect();
    expect(dashboardReads()).toBe(1);
    expect(model.state.phase).toBe('ready');
    expect(model.state.live).toBe(true);
    expect(model.state.dayLabel).toMatch(/^Friday,? 4 December 2026$/);
    expect(section('waiting')).toEqual([
      {
        id: 'a1',
        href: '/appointments/a1',
        patient: 'Patient a1',
        doctor: 'Dr. Ada',
        time: '10:00',
        isoTime: new Date(NOW).toISOString(),
        detail: 'Waiting for 3 minutes',
      },
    ]);
    expect(section('upcoming').map((i) => i.id)).toEqual(['a2']);
    expect(section('cancelled').map((i) => i.id)).toEqual(['a3']);
    expect(model.count('in-call')).toBe(0);
  });

  it('applies check-in, start, connect and end as they arrive, ticks the clocks and announces each change', async () => {
    const { model, connect, connection, platform, section, pass } = setup([session(), day([row('a1')])]);
    await model.load();
    await connect();
    expect(section('upcoming').map((i) => i.id)).toEqual(['a1']);

    connection().receive({
      type: 'lobby',
      lobby: { appointmentId: 'a1', patientWaiting: true, checkedInAt: NOW },
    });
    expect(section('waiting').map((i) => i.detail)).toEqual(['Waiting for less than a minute']);
    expect(model.state.announcement).toBe('Patient a1 is in the waiting room.');
    pass(2 * MINUTE);
    expect(section('waiting').map((i) => i.detail)).toEqual(['Waiting for 2 minutes']);

    const started = { ...idle('a1'), status: 'waiting' as const, roomId: 'r1', startedAt: platform.now() };
    connection().receive({ type: 'call-status', call: started });
    expect(section('waiting')).toEqual([]);
    expect(section('in-call').map((i) => i.detail)).toEqual(['Call started 0:00 ago, not connected yet']);
    expect(model.state.announcement).toBe('Dr. Ada started the call with Patient a1.');

    const connected = { ...started, status: 'in_progress' as const, connectedAt: platform.now() };
    connection().receive({ type: 'call-status', call: connected });
    connection().receive({
      type: 'lobby',
      lobby: { appointmentId: 'a1', patientWaiting: false, checkedInAt: NOW },
    });
    expect(model.state.announcement).toBe('Patient a1 and Dr. Ada are in a call.');
    pass(12 * MINUTE + 4_000);
    expect(section('in-call').map((i) => i.detail)).toEqual(['In the call for 12:04']);

    connection().receive({
      type: 'call-status',
      call: {
        ...connected,
        status: 'ended',
        endedAt: platform.now(),
        durationSeconds: 724,
        endReason: 'hung_up',
      },
    });
    expect(section('in-call')).toEqual([]);
    expect(section('ended').map((i) => i.detail)).toEqual(['Lasted 12 min 4 s']);
    expect(model.state.announcement).toBe('The call with Patient a1 ended after 12 min 4 s.');
    // Connected once: past its planned end it stays an ended call, not a no-show.
    pass(60 * MINUTE);
    expect(section('ended').map((i) => i.id)).toEqual(['a1']);
  });

  it('counts the clocks on the server’s time', async () => {
    const checkedIn = NOW + 10 * MINUTE;
    const rows = [
      row('a1', { lobby: { appointmentId: 'a1', patientWaiting: true, checkedInAt: checkedIn } }),
    ];
    // The server is 10 minutes and 5 seconds ahead of this browser.
    const { model, connect, section } = setup([session(), day(rows, checkedIn + 5 * MINUTE + 5_000)]);
    await model.load();
    await connect();
    expect(section('waiting').map((i) => i.detail)).toEqual(['Waiting for 5 minutes']);
  });

  it('applies what arrives while the day is being read on top of it, in order', async () => {
    const { model, connection, section } = setup([session(), day([row('a1')])]);
    await model.load();
    connection().welcome();
    const subscribe = connection().sent.find((m) => m.type === 'subscribe-hospital') as { id: string };
    connection().receive({ type: 'ack', id: subscribe.id });
    // Before the answer to the read arrives:
    connection().receive({
      type: 'lobby',
      lobby: { appointmentId: 'a1', patientWaiting: true, checkedInAt: NOW },
    });
    expect(model.state.phase).toBe('loading');
    await flush();
    expect(section('waiting').map((i) => i.id)).toEqual(['a1']);
    // Applied quietly: the live region speaks of changes, not of the page loading.
    expect(model.state.announcement).toBe('');
  });

  it('reads the day again after a booking change, once for several, and once for an unknown appointment', async () => {
    const routes = [session(), day([row('a1')]), day([row('a1'), row('a2')]), day([row('a1'), row('a2')])];
    const { model, connect, connection, platform, section, dashboardReads } = setup(routes);
    await model.load();
    await connect();
    connection().receive({ type: 'appointments-changed', hospitalId: 'h1' });
    connection().receive({ type: 'appointments-changed', hospitalId: 'h1' });
    platform.fakeTimers.advance(200);
    await flush();
    expect(dashboardReads()).toBe(2);
    expect(section('upcoming').map((i) => i.id)).toEqual(['a1', 'a2']);
    // Another day's appointment: read once to look for it, not on every message about it.
    for (let i = 0; i < 3; i++) {
      connection().receive({
        type: 'lobby',
        lobby: { appointmentId: 'elsewhere', patientWaiting: true, checkedInAt: NOW },
      });
      platform.fakeTimers.advance(200);
      await flush();
    }
    expect(dashboardReads()).toBe(3);
  });

  it('subscribes again and reads the day again after a reconnect, and says when it is not live', async () => {
    const routes = [session(), day([row('a1')]), day([row('a1', { cancelledAt: NOW })])];
    const { model, connect, connection, platform, section, dashboardReads } = setup(routes);
    await model.load();
    await connect();
    connection().serverClose(1006);
    expect(model.state.live).toBe(false);
    platform.fakeTimers.advance(30_000);
    await connect();
    expect(model.state.live).toBe(true);
    expect(dashboardReads()).toBe(2);
    expect(section('cancelled').map((i) => i.id)).toEqual(['a1']);
  });

  it('is for hospital admins only', async () => {
    const { model, connections } = setup([session(doctorUser)]);
    await model.load();
    expect(model.state.phase).toBe('forbidden');
    expect(connections).toHaveLength(0);
  });

  it('shows the server’s refusal of the subscription', async () => {
    const { model, connection } = setup([session()]);
    await model.load();
    connection().welcome();
    const subscribe = connection().sent.find((m) => m.type === 'subscribe-hospital') as { id: string };
    connection().receive({
      type: 'error',
      id: subscribe.id,
      code: 'forbidden',
      message: "Only this hospital's admins may do this.",
    });
    await flush();
    expect(model.state.phase).toBe('failed');
    expect(model.state.error).toBe("Only this hospital's admins may do this.");
  });
});
