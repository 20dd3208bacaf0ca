import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import {
  appointment,
  callStatus,
  doctorUser,
  patientUser,
  sessionOf,
  waitingRoom,
} from '../../testing/fixtures.js';
import { pageHarness } from '../../testing/page-harness.js';
import {
  AppointmentsViewModel,
  appointmentsToWatch,
  MAX_LIVE_APPOINTMENTS,
  toItem,
} from './appointments-view-model.js';

const NOW = 10_000_000;

function setup(routes: Route[]) {
  const api = fakeApi(routes);
  const { platform, socket, connection } = pageHarness({ pathname: '/appointments' });
  platform.fakeTimers.now = NOW;
  const model = new AppointmentsViewModel(new ApiClient(api.fetch), platform, socket);
  return { api, platform, model, connection };
}

const list = (
  user = doctorUser,
  appointments = [appointment(), appointment({ id: 'a2', patient: { id: 'p2', displayName: 'Sam' } })],
): Route[] => [
  { method: 'GET', path: '/api/session', status: 200, body: sessionOf(user) },
  { method: 'GET', path: '/api/appointments', status: 200, body: { appointments } },
];

describe('appointmentsToWatch', () => {
  it('watches at most 50, nearest to now first', () => {
    const many = Array.from({ length: 80 }, (_, i) =>
      appointment({ id: `a${i}`, scheduledAt: NOW + (i % 2 === 0 ? 1 : -1) * i * 60_000 }),
    );
    const watched = appointmentsToWatch(many, NOW);
    expect(watched).toHaveLength(MAX_LIVE_APPOINTMENTS);
    expect(watched.slice(0, 3)).toEqual(['a0', 'a1', 'a2']);
    expect(watched).not.toContain('a79');
  });
});

describe('AppointmentsViewModel', () => {
  it('subscribes once per appointment shown, and no more than 50', async () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      appointment({ id: `a${i}`, scheduledAt: NOW + i * 1000 }),
    );
    const { model, connection } = setup(list(doctorUser, many));
    await model.load();
    connection().welcome();
    const subscribed = connection().sent.filter((m) => m.type === 'subscribe');
    expect(subscribed).toHaveLength(50);
    expect(new Set(subscribed.map((m) => (m as { appointmentId: string }).appointmentId)).size).toBe(50);
  });

  it('shows a ticking "Patient waiting" badge and chimes with a notification when one arrives', async () => {
    const { model, connection, platform } = setup(list());
    platform.notificationAccess = 'granted';
    await model.load();
    connection().welcome();
    connection().receive({ type: 'lobby', lobby: waitingRoom(false, null, 'a2') });
    connection().receive({ type: 'lobby', lobby: waitingRoom(true, NOW - 5000, 'a2') });
    expect(model.state.items.map((i) => i.waitingRoomBadge)).toEqual([null, 'Patient waiting · 0:05']);
    expect(platform.chimes).toBe(1);
    expect(platform.notifications).toEqual(['Patient waiting: Sam']);
    platform.fakeTimers.advance(60_000);
    expect(model.state.items[1]?.waitingRoomBadge).toBe('Patient waiting · 1:05');
  });

  it("names each appointment's hospital only when the patient's list spans several", async () => {
    const elsewhere = appointment({ id: 'a3', hospital: { id: 'h2', name: 'Riverside Clinic' } });
    const one = setup(list(patientUser));
    await one.model.load();
    expect(one.model.state.items.map((i) => i.hospital)).toEqual([null, null]);
    const several = setup(list(patientUser, [appointment(), elsewhere]));
    await several.model.load();
    expect(several.model.state.items.map((i) => i.hospital)).toEqual([
      'General Hospital',
      'Riverside Clinic',
    ]);
  });

  it('updates a status badge from live call status', async () => {
    const { model, connection } = setup(list());
    await model.load();
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('waiting') });
    expect(model.state.items[0]).toMatchObject({ status: 'waiting', statusWords: 'Waiting for the patient' });
  });

  it('offers notifications to doctors only', async () => {
    const doctor = setup(list());
    await doctor.model.load();
    expect(doctor.model.state.notifications).toBe('offer');
    await doctor.model.enableNotifications();
    expect(doctor.model.state.notifications).toBeNull();
    const patient = setup(list(patientUser));
    await patient.model.load();
    expect(patient.model.state.notifications).toBeNull();
  });

  it('opens no socket for an empty list', async () => {
    const { model, connection } = setup(list(doctorUser, []));
    await model.load();
    expect(model.state.phase).toBe('ready');
    expect(() => connection()).toThrow();
  });

  it('queues the waiting patients for the doctor, longest wait first, and drops one who leaves', async () => {
    const { model, connection, platform } = setup(list());
    await model.load();
    connection().welcome();
    connection().receive({ type: 'lobby', lobby: waitingRoom(true, NOW - 5000, 'a1') });
    connection().receive({ type: 'lobby', lobby: waitingRoom(true, NOW - 125_000, 'a2') });
    expect(model.state.queue).toEqual([
      { id: 'a2', href: '/appointments/a2', name: 'Sam', reason: 'Follow-up', waited: '2:05' },
      { id: 'a1', href: '/appointments/a1', name: 'Pat', reason: 'Follow-up', waited: '0:05' },
    ]);
    platform.fakeTimers.advance(10_000);
    expect(model.state.queue.map((q) => q.waited)).toEqual(['2:15', '0:15']);
    connection().receive({ type: 'lobby', lobby: waitingRoom(false, null, 'a2') });
    expect(model.state.queue.map((q) => q.id)).toEqual(['a1']);
  });

  it('lets a doctor start a call from the list and goes to the call page', async () => {
    const { model, api, platform } = setup([
      ...list(),
      {
        method: 'POST',
        path: '/api/appointments/a2/call/start',
        status: 200,
        body: { call: {}, iceServers: [] },
      },
    ]);
    await model.load();
    expect(model.state.items.map((i) => i.canStart)).toEqual([true, true]);
    await model.startCall('a2');
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/appointments/a2/call/start' });
    expect(platform.navigated).toEqual(['/appointments/a2/call']);
  });

  it('says which call could not start, and stays on the list', async () => {
    const { model, platform } = setup([
      ...list(),
      {
        method: 'POST',
        path: '/api/appointments/a2/call/start',
        status: 409,
        body: { error: { code: 'illegal_transition', message: 'The call is already running.' } },
      },
    ]);
    await model.load();
    await model.startCall('a2');
    expect(platform.navigated).toEqual([]);
    expect(model.state.starting).toBeNull();
    expect(model.state.startError).toMatch(/^The call with Sam could not start: /);
  });

  it('offers Start only to a doctor and only when no call runs', async () => {
    const doctor = setup(list(doctorUser, [appointment({ videoCallStatus: 'in_progress' })]));
    await doctor.model.load();
    expect(doctor.model.state.items[0]?.canStart).toBe(false);
    const patient = setup(list(patientUser));
    await patient.model.load();
    expect(patient.model.state.items.map((i) => i.canStart)).toEqual([false, false]);
    expect(patient.model.state.queue).toEqual([]);
  });
});

describe('a cancelled appointment in a list', () => {
  it('says Cancelled and cannot be started', () => {
    const item = toItem(appointment({ cancelledAt: 1 }), doctorUser);
    expect(item).toMatchObject({ status: 'cancelled', statusWords: 'Cancelled', canStart: false });
  });
});
