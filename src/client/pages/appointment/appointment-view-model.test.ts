import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { formatTime } from '../../lib/format.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import {
  adminUser,
  appointment,
  callStatus,
  chatMessage,
  detail,
  doctorUser,
  measuredParty,
  patientUser,
  sessionOf,
  waitingRoom,
} from '../../testing/fixtures.js';
import { pageHarness } from '../../testing/page-harness.js';
import { notificationHelp } from '../notifications.js';
import { AppointmentViewModel, CALL_HINTS, callChoice, lastCallWords } from './appointment-view-model.js';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(routes: Route[]) {
  const api = fakeApi(routes);
  const { platform, socket, connection } = pageHarness({ pathname: '/appointments/a1' });
  platform.fakeTimers.now = 1_000_000;
  const model = new AppointmentViewModel(new ApiClient(api.fetch), platform, socket);
  return { api, platform, model, connection, socket };
}

const baseRoutes = (user = patientUser, status = appointment()): Route[] => [
  { method: 'GET', path: '/api/session', status: 200, body: sessionOf(user) },
  { method: 'GET', path: '/api/appointments/a1', status: 200, body: detail(status, user.role !== 'admin') },
  { method: 'GET', path: '/api/appointments/a1/messages?limit=500', status: 200, body: { messages: [] } },
];

describe('callChoice', () => {
  const entry = (joinedRoomId: string | null = null) => ({ checkInOpensAt: 1_000, joinedRoomId });

  it('lets the doctor start, restart after the end, or return to a running call', () => {
    expect(callChoice(appointment(), doctorUser, entry(), 0).action).toEqual({
      kind: 'start',
      label: 'Start video call',
    });
    expect(
      callChoice(appointment({ videoCallStatus: 'ended' }), doctorUser, entry(), 0).action,
    ).toMatchObject({
      kind: 'start',
    });
    expect(
      callChoice(appointment({ videoCallStatus: 'in_progress' }), doctorUser, entry(), 0).action,
    ).toEqual({ kind: 'enter', label: 'Join video call' });
  });

  it('gives the patient one action for the state: Check in, then Join video call, then Rejoin', () => {
    const notStarted = appointment();
    expect(callChoice(notStarted, patientUser, entry(), 999)).toEqual({
      action: null,
      hint: CALL_HINTS.checkInOpens(formatTime(1_000)),
    });
    expect(callChoice(notStarted, patientUser, entry(), 1_000)).toEqual({
      action: { kind: 'check-in', label: 'Check in', href: '/appointments/a1/call' },
      hint: null,
    });
    for (const videoCallStatus of ['waiting', 'in_progress'] as const) {
      const active = appointment({ videoCallStatus, roomId: 'r2' });
      expect(callChoice(active, patientUser, entry(), 1_000)).toEqual({
        action: { kind: 'join', label: 'Join video call' },
        hint: null,
      });
      // Been in this call and left it: back in with Rejoin. Been in an earlier call only: Join.
      expect(callChoice(active, patientUser, entry('r2'), 1_000).action).toEqual({
        kind: 'rejoin',
        label: 'Rejoin',
      });
      expect(callChoice(active, patientUser, entry('r1'), 1_000).action).toMatchObject({ kind: 'join' });
    }
    expect(callChoice(appointment({ videoCallStatus: 'ended' }), patientUser, entry('r2'), 1_000)).toEqual({
      action: null,
      hint: CALL_HINTS.ended,
    });
    expect(callChoice(notStarted, patientUser, null, 1_000)).toEqual({
      action: null,
      hint: CALL_HINTS.waitForDoctor,
    });
  });

  it('gives an admin no call action', () => {
    expect(callChoice(appointment({ videoCallStatus: 'waiting' }), adminUser, null, 0)).toEqual({
      action: null,
      hint: null,
    });
  });

  it('words the last call duration', () => {
    expect(lastCallWords(appointment({ callDurationSeconds: 192 }))).toBe('Last call: 3 min 12 s');
    expect(lastCallWords(appointment())).toBeNull();
  });
});

describe('AppointmentViewModel', () => {
  it('sends to sign-in with a way back when there is no session', async () => {
    const { model, platform } = setup([
      {
        method: 'GET',
        path: '/api/session',
        status: 401,
        body: { error: { code: 'unauthenticated', message: 'x' } },
      },
    ]);
    await model.load();
    expect(platform.replaced).toEqual(['/login?next=%2Fappointments%2Fa1']);
  });

  it('shows the server message when the appointment is not the user’s', async () => {
    const { model } = setup([
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
      {
        method: 'GET',
        path: '/api/appointments/a1',
        status: 403,
        body: { error: { code: 'not_party', message: 'Only the doctor and patient may do this.' } },
      },
    ]);
    await model.load();
    expect(model.state).toMatchObject({ phase: 'error', error: 'Only the doctor and patient may do this.' });
  });

  it('subscribes once live and offers Join when the doctor starts, without a reload', async () => {
    const { model, connection } = setup(baseRoutes());
    await model.load();
    expect(model.state).toMatchObject({ statusWords: 'Not started', action: null });
    connection().welcome();
    expect(connection().sent).toEqual([{ type: 'subscribe', appointmentId: 'a1' }]);
    connection().receive({ type: 'call-status', call: callStatus('waiting') });
    expect(model.state).toMatchObject({
      statusWords: 'The doctor has started the call',
      action: { kind: 'join', label: 'Join video call' },
    });
    connection().receive({ type: 'call-status', call: callStatus('ended', 75) });
    expect(model.state).toMatchObject({ statusWords: 'Ended', lastCall: 'Last call: 1 min 15 s' });
  });

  it('ignores pushes for another appointment', async () => {
    const { model, connection } = setup(baseRoutes());
    await model.load();
    connection().welcome();
    connection().receive({ type: 'call-status', call: { ...callStatus('waiting'), appointmentId: 'other' } });
    connection().receive({
      type: 'chat',
      message: { ...chatMessage('m1', doctorUser, 'hi'), appointmentId: 'other' },
    });
    expect(model.state.statusWords).toBe('Not started');
    expect(model.state.chat?.entries).toEqual([]);
  });

  it('sends chat over the socket, shows it pending, and keeps one copy after the ack and the live push', async () => {
    const { model, connection } = setup(baseRoutes());
    await model.load();
    connection().welcome();
    model.setDraft('Hello doctor');
    model.sendDraft();
    expect(model.state.chat?.draft).toBe('');
    expect(model.state.chat?.entries).toEqual([
      expect.objectContaining({ body: 'Hello doctor', status: 'pending' }),
    ]);
    const sent = connection().sent.at(-1);
    expect(sent).toMatchObject({ type: 'chat', appointmentId: 'a1', clientId: 'id-1', body: 'Hello doctor' });
    const stored = chatMessage('m1', patientUser, 'Hello doctor', 'id-1');
    connection().receive({ type: 'chat', message: stored });
    connection().receive({ type: 'ack', id: (sent as { id: string }).id, message: stored });
    await flush();
    expect(model.state.chat?.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
  });

  it('posts chat over HTTP while the socket is down', async () => {
    const stored = chatMessage('m1', patientUser, 'Offline hello', 'id-1');
    const { model, api } = setup([
      ...baseRoutes(),
      { method: 'POST', path: '/api/appointments/a1/messages', status: 201, body: { message: stored } },
    ]);
    await model.load();
    model.setDraft('Offline hello');
    model.sendDraft();
    await flush();
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ clientId: 'id-1', body: 'Offline hello' });
    expect(post?.headers['x-csrf-token']).toBe('csrf-p1');
    expect(model.state.chat?.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
  });

  it('reloads history after a reconnect to catch up on missed messages', async () => {
    const missed = chatMessage('m7', doctorUser, 'While you were away');
    const { model, connection, platform, api } = setup([
      ...baseRoutes(),
      {
        method: 'GET',
        path: '/api/appointments/a1/messages?limit=500',
        status: 200,
        body: { messages: [missed] },
      },
    ]);
    await model.load();
    connection().welcome();
    connection().serverClose(1006);
    expect(model.state.liveNotice).toBe('Reconnecting to live updates…');
    platform.fakeTimers.advance(250);
    connection().welcome();
    await flush();
    expect(model.state.liveNotice).toBeNull();
    expect(api.requests.filter((r) => r.path === '/api/appointments/a1/messages?limit=500')).toHaveLength(2);
    expect(model.state.chat?.entries.map((e) => e.body)).toEqual(['While you were away']);
  });

  it('shows why the live connection stopped for good', async () => {
    const { model, connection } = setup(baseRoutes());
    await model.load();
    connection().welcome();
    connection().serverClose(4009, 'replaced');
    expect(model.state).toMatchObject({
      liveNoticeIsError: true,
      liveNotice: expect.stringMatching(/another tab/),
    });
  });

  it('starts the call for the doctor and goes to the call page', async () => {
    const { model, platform, api } = setup([
      ...baseRoutes(doctorUser),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/start',
        status: 200,
        body: { call: {}, iceServers: [] },
      },
    ]);
    await model.load();
    await model.startCall();
    expect(api.requests.at(-1)).toMatchObject({
      method: 'POST',
      body: {},
      headers: { 'x-csrf-token': 'csrf-d1' },
    });
    expect(platform.navigated).toEqual(['/appointments/a1/call']);
  });

  it('shows a refused join and refreshes the status', async () => {
    const { model, platform } = setup([
      ...baseRoutes(patientUser, appointment({ videoCallStatus: 'waiting' })),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/join',
        status: 409,
        body: { error: { code: 'call_not_active', message: 'The call has already ended.' } },
      },
    ]);
    await model.load();
    await model.joinCall();
    expect(model.state).toMatchObject({ actionPending: false, actionError: 'The call has already ended.' });
    expect(platform.navigated).toEqual([]);
  });

  it('gives an admin the status but no chat and no call button', async () => {
    const { model, api } = setup(baseRoutes(adminUser, appointment({ videoCallStatus: 'waiting' })));
    await model.load();
    expect(model.state).toMatchObject({
      chat: null,
      action: null,
      statusWords: 'Waiting for the patient',
      title: 'Appointment: Dr. Ada with Pat',
    });
    expect(api.requests.some((r) => r.path.endsWith('/messages'))).toBe(false);
  });

  it('shows an admin every call of the appointment, and reads them again when a call ends', async () => {
    const call = {
      id: 's1',
      startedAt: 1_000,
      connectedAt: 2_000,
      endedAt: null,
      durationSeconds: null,
      doctorJoinedAt: 1_000,
      patientJoinedAt: 2_000,
      endReason: null,
    };
    const history = (calls: unknown[]): Route => ({
      method: 'GET',
      path: '/api/appointments/a1/calls',
      status: 200,
      body: { calls },
    });
    const ended = { ...call, endedAt: 97_000, durationSeconds: 95, endReason: 'hung_up' };
    const { model, connection } = setup([
      ...baseRoutes(adminUser, appointment({ videoCallStatus: 'in_progress' })),
      history([call]),
      history([ended]),
    ]);
    await model.load();
    expect(model.state.callHistory?.map((c) => c.summary)).toEqual(['In progress']);
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('ended', 95) });
    await flush();
    expect(model.state.callHistory?.map((c) => c.summary)).toEqual([
      expect.stringMatching(/^Lasted 1 min 35 s, ended .* \(the doctor ended it\)$/),
    ]);
  });

  it('reads no call history for the parties', async () => {
    const { model, api } = setup(baseRoutes(doctorUser));
    await model.load();
    expect(model.state.callHistory).toBeNull();
    expect(api.requests.some((r) => r.path.endsWith('/calls'))).toBe(false);
  });

  it('S30 shows the doctor each ended call’s quality, read again when a call ends; nobody else reads it', async () => {
    const measured = measuredParty();
    const session = { callSessionId: 'c1', startedAt: 1_000, durationSeconds: 25, patient: null };
    const quality = (calls: unknown[]): Route => ({
      method: 'GET',
      path: '/api/appointments/a1/calls/quality',
      status: 200,
      body: { calls },
    });
    const { model, connection, api } = setup([
      ...baseRoutes(doctorUser, appointment({ videoCallStatus: 'in_progress' })),
      quality([{ ...session, endedAt: null, doctor: measured }]),
      quality([{ ...session, endedAt: 30_000, doctor: measured }]),
    ]);
    await model.load();
    await flush();
    expect(model.state.callQuality).toEqual([]);
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('ended', 25) });
    await flush();
    expect(model.state.callQuality?.map((c) => c.overall)).toEqual([
      'Good: 92 % of the time excellent or good',
    ]);
    expect(api.requests.filter((r) => r.path.endsWith('/calls/quality'))).toHaveLength(2);

    const patient = setup(baseRoutes(patientUser));
    await patient.model.load();
    await flush();
    expect(patient.model.state.callQuality).toBeNull();
    expect(patient.api.requests.some((r) => r.path.endsWith('/calls/quality'))).toBe(false);
  });

  it('lets the doctor back into a running call with enter, then goes to the call page', async () => {
    const { model, platform, api } = setup([
      ...baseRoutes(doctorUser, appointment({ videoCallStatus: 'in_progress' })),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/enter',
        status: 200,
        body: { call: {}, iceServers: [] },
      },
    ]);
    await model.load();
    expect(model.state.action).toMatchObject({ kind: 'enter', label: 'Join video call' });
    await model.enterCall();
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/appointments/a1/call/enter' });
    expect(platform.navigated).toEqual(['/appointments/a1/call']);
  });

  it('keeps the patient link Start returned in this tab, for the copy button', async () => {
    const link = { url: 'https://cc.test/appointments/a1/call#token=p', role: 'patient', expiresAt: 9e12 };
    const { model, platform } = setup([
      ...baseRoutes(doctorUser),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/start',
        status: 200,
        body: { call: {}, iceServers: [], links: { doctor: { ...link, role: 'doctor' }, patient: link } },
      },
    ]);
    await model.load();
    await model.startCall();
    expect(JSON.parse(platform.tabStorage.get('carecall.patientLink.a1') ?? '{}')).toEqual({
      url: link.url,
      expiresAt: link.expiresAt,
    });
  });

  it('copies a new patient invite link while the call is active', async () => {
    const url = 'https://cc.test/appointments/a1/call#token=new';
    const { model, platform, connection } = setup([
      ...baseRoutes(doctorUser, appointment({ videoCallStatus: 'waiting' })),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/invite',
        status: 200,
        body: { link: { url, role: 'patient', expiresAt: 9e12 } },
      },
    ]);
    await model.load();
    await model.copyInviteLink();
    expect(platform.copied).toEqual([url]);
    expect(model.state.invite).toMatchObject({ status: 'copied', message: 'Invite link copied' });
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('ended', 10) });
    expect(model.state.invite).toBeNull();
  });

  it('shows the doctor a ticking badge, and chimes and notifies when the patient arrives', async () => {
    const { model, connection, platform } = setup(baseRoutes(doctorUser));
    platform.notificationAccess = 'granted';
    await model.load();
    expect(model.state.notifications).toBeNull();
    connection().welcome();
    connection().receive({ type: 'lobby', lobby: waitingRoom(false) });
    expect(model.state.waitingRoomBadge).toBeNull();
    connection().receive({ type: 'lobby', lobby: waitingRoom(true, 1_000_000 - 192_000) });
    expect(model.state.waitingRoomBadge).toBe('Patient waiting · 3:12');
    expect(platform.chimes).toBe(1);
    expect(platform.notifications).toEqual(['Patient waiting: Pat']);
    platform.fakeTimers.advance(1000);
    expect(model.state.waitingRoomBadge).toBe('Patient waiting · 3:13');
    connection().receive({ type: 'lobby', lobby: { ...waitingRoom(true, 5), appointmentId: 'other' } });
    expect(platform.chimes).toBe(1);
  });

  it('offers to turn on notifications until they are granted, and says when they are blocked', async () => {
    const { model, platform } = setup(baseRoutes(doctorUser));
    await model.load();
    expect(model.state.notifications).toBe('offer');
    await model.enableNotifications();
    expect(model.state.notifications).toBeNull();
    platform.grantOnRequest = 'denied';
    await model.enableNotifications();
    expect(model.state.notifications).toBe('blocked');
    // The how-to is for the browser in use (the fake platform's user agent).
    expect(model.notificationHelp).toEqual(notificationHelp(platform.userAgent));
    expect(model.notificationHelp.steps.at(-1)).toMatch(/^Reload this page/);
  });

  it('never offers notifications to the patient, nor where the browser has none', async () => {
    const patient = setup(baseRoutes());
    await patient.model.load();
    expect(patient.model.state.notifications).toBeNull();
    const unsupported = setup(baseRoutes(doctorUser));
    unsupported.platform.notificationAccess = 'unsupported';
    await unsupported.model.load();
    expect(unsupported.model.state.notifications).toBeNull();
  });

  it('shows the patient a Check in link from when check-in opens until the call starts', async () => {
    const notStarted = appointment();
    const { model, platform, connection, api } = setup([
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
      {
        method: 'GET',
        path: '/api/appointments/a1',
        status: 200,
        body: detail(notStarted, true, { checkInOpensAt: 1_060_000 }),
      },
      { method: 'GET', path: '/api/appointments/a1/messages?limit=500', status: 200, body: { messages: [] } },
    ]);
    await model.load();
    await flush();
    expect(model.state).toMatchObject({
      action: null,
      callHint: CALL_HINTS.checkInOpens(formatTime(1_060_000)),
    });
    platform.fakeTimers.advance(59_999);
    expect(model.state.action).toBeNull();
    platform.fakeTimers.advance(1);
    expect(model.state).toMatchObject({
      action: { kind: 'check-in', label: 'Check in', href: '/appointments/a1/call' },
      callHint: null,
    });
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('waiting') });
    expect(model.state.action).toEqual({ kind: 'join', label: 'Join video call' });
    // The appointment's own answer says when check-in opens: no second request for it.
    expect(api.requests.some((r) => r.path.startsWith('/api/call/context'))).toBe(false);
  });

  it('offers Rejoin to a patient who left the call, and Join for a call started again', async () => {
    const active = appointment({ videoCallStatus: 'in_progress', roomId: 'r1' });
    const { model, connection } = setup([
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
      {
        method: 'GET',
        path: '/api/appointments/a1',
        status: 200,
        body: detail(active, true, { joinedRoomId: 'r1' }),
      },
      { method: 'GET', path: '/api/appointments/a1/messages?limit=500', status: 200, body: { messages: [] } },
    ]);
    await model.load();
    expect(model.state.action).toEqual({ kind: 'rejoin', label: 'Rejoin' });
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('ended', 75) });
    expect(model.state).toMatchObject({ action: null, callHint: CALL_HINTS.ended });
    connection().receive({ type: 'call-status', call: { ...callStatus('waiting'), roomId: 'r2' } });
    expect(model.state.action).toEqual({ kind: 'join', label: 'Join video call' });
  });

  it('says why the last call ended, unless it was a plain hang-up', async () => {
    const { model, connection } = setup(baseRoutes());
    await model.load();
    connection().welcome();
    connection().receive({
      type: 'call-status',
      call: { ...callStatus('ended', 3600), endReason: 'max_duration' },
    });
    expect(model.state.endReason).toBe('The call reached its maximum length.');
    connection().receive({
      type: 'call-status',
      call: { ...callStatus('ended', 20), endReason: 'timed_out' },
    });
    expect(model.state.endReason).toBe('The call ended because nobody was connected.');
    connection().receive({ type: 'call-status', call: { ...callStatus('ended', 20), endReason: 'hung_up' } });
    expect(model.state.endReason).toBeNull();
    connection().receive({ type: 'call-status', call: { ...callStatus('ended', 20), endReason: 'failed' } });
    connection().receive({ type: 'call-status', call: callStatus('waiting') });
    expect(model.state.endReason).toBeNull();
  });

  it('shows a chat message received twice (a replay after reconnecting) once', async () => {
    const { model, connection } = setup(baseRoutes());
    await model.load();
    connection().welcome();
    const message = chatMessage('m3', doctorUser, 'See you soon');
    connection().receive({ type: 'chat', message });
    connection().receive({ type: 'chat', message });
    expect(model.state.chat?.entries.map((e) => e.id)).toEqual(['m3']);
  });

  it('sends a chat the socket lost again over HTTP with the same clientId, and keeps one copy', async () => {
    const stored = chatMessage('m1', patientUser, 'Are you there?', 'id-1');
    const { model, connection, api, platform } = setup([
      ...baseRoutes(),
      { method: 'POST', path: '/api/appointments/a1/messages', status: 201, body: { message: stored } },
    ]);
    await model.load();
    connection().welcome();
    model.setDraft('Are you there?');
    model.sendDraft();
    expect(connection().sent.at(-1)).toMatchObject({ type: 'chat', clientId: 'id-1' });
    connection().serverClose(1006);
    await flush();
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post?.body).toEqual({ clientId: 'id-1', body: 'Are you there?' });
    platform.fakeTimers.advance(250);
    connection().welcome();
    connection().receive({ type: 'chat', message: stored });
    await flush();
    expect(model.state.chat?.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
  });
});

describe('a cancelled appointment', () => {
  it('offers no way into a call, to either party, and says why', () => {
    const cancelled = appointment({ cancelledAt: 1 });
    for (const user of [doctorUser, patientUser]) {
      expect(callChoice(cancelled, user, null, 0)).toEqual({ action: null, hint: CALL_HINTS.cancelled });
    }
  });
});
