import { describe, expect, it } from 'vitest';
import type { FullscreenControl } from '../../platform/platform.js';
import {
  activeContext,
  CONTEXT,
  callPage,
  contextRoute,
  err,
  joined,
  joinInfo,
} from '../../testing/call-page.js';
import type { Route } from '../../testing/fake-api.js';
import { settle } from '../../testing/fake-peer-connection.js';
import {
  adminUser,
  callStatus,
  chatMessage,
  doctorPeer,
  doctorUser,
  patientPeer,
  sessionOf,
} from '../../testing/fixtures.js';

describe('CallViewModel: a signed-in party', () => {
  it('sends to sign-in with a way back when there is no session', async () => {
    const { model, platform } = callPage([
      { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
    ]);
    await model.load();
    expect(platform.replaced).toEqual(['/login?next=%2Fappointments%2Fa1%2Fcall']);
  });

  it('refuses an admin in words', async () => {
    const { model } = callPage([
      { method: 'GET', path: CONTEXT, status: 403, body: err('wrong_role') },
      { method: 'GET', path: '/api/session', status: 200, body: sessionOf(adminUser) },
    ]);
    await model.load();
    expect(model.state).toMatchObject({ phase: 'failed', statusText: expect.stringMatching(/cannot join/) });
  });

  it('with a call cookie already: asks for HD media on the saved camera, joins after welcome and waits', async () => {
    const { model, connection, asked, posts } = callPage([activeContext()]);
    await model.load();
    await settle();
    expect(posts()).toEqual([]);
    expect(asked[0]).toMatchObject({
      video: { width: { ideal: 1280 }, height: { ideal: 720 }, deviceId: { exact: 'cam-2' } },
      audio: { echoCancellation: true },
    });
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    joined(connection());
    expect(model.state).toMatchObject({ phase: 'waiting', statusText: 'Waiting for the other side…' });
  });

  it('gets the patient a call cookie with join before opening the socket, and uses its ICE servers', async () => {
    const { model, connection, connections, pcs, api } = callPage([
      activeContext({ hasGrant: false }),
      { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
    ]);
    await model.load();
    await settle();
    const joinPost = api.requests.find((r) => r.path.endsWith('/call/join'));
    expect(joinPost?.headers['x-csrf-token']).toBe('ctx-csrf-p1');
    // One socket, opened after the cookie was set: no reconnect needed.
    expect(connections).toHaveLength(1);
    connection().welcome();
    joined(connection(), [doctorPeer]);
    expect(pcs.latest().configuration.iceServers).toEqual([{ urls: ['stun:fresh.example.org'] }]);
    expect(model.state).toMatchObject({ phase: 'connecting', peerName: 'Dr. Ada' });
  });

  it('gets the doctor back in with enter', async () => {
    const { model, posts } = callPage([
      activeContext({ self: doctorPeer, hasGrant: false }),
      { method: 'POST', path: '/api/appointments/a1/call/enter', status: 200, body: joinInfo() },
    ]);
    await model.load();
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/enter']);
  });

  it('on call_grant_required: gets the cookie, reconnects the socket and joins again, once', async () => {
    const { model, connection, posts } = callPage([
      activeContext(),
      { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
    ]);
    await model.load();
    await settle();
    const first = connection();
    first.welcome();
    const join = first.sent.find((m) => m.type === 'join') as { id: string };
    first.receive({ type: 'error', id: join.id, code: 'call_grant_required', message: 'No cookie.' });
    await settle();
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/join']);
    expect(first.closedWith).not.toBeNull();
    const second = connection();
    expect(second).not.toBe(first);
    second.welcome();
    expect(second.sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    joined(second);
    expect(model.state.phase).toBe('waiting');
  });

  it('sends the doctor back to the appointment when the call is not running', async () => {
    const { model, platform } = callPage([contextRoute({ self: doctorPeer })]);
    await model.load();
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('connects to the peer and toggles media', async () => {
    const { model, connection, pcs, local } = callPage([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    pcs.latest().reportConnectionState('connected');
    expect(model.state.statusText).toBe('Connected');
    model.toggleAudio();
    expect(model.state.local.audioMuted).toBe(true);
    expect(local.getAudioTracks()[0]?.enabled).toBe(false);
    expect(connection().sent.at(-1)).toEqual({
      type: 'media-state',
      audioMuted: true,
      videoOff: false,
      microphone: 'on',
      camera: 'on',
    });
  });

  it('returns to the appointment when the call ends, leaving the room', async () => {
    const { model, connection, platform, local } = callPage([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    expect(platform.replaced).toEqual(['/appointments/a1']);
    expect(connection().sent.map((m) => m.type)).toContain('leave');
    expect(local.tracks.every((t) => t.stopped)).toBe(true);
  });

  it('ends the call through the API with the context’s CSRF token, also when it had already ended', async () => {
    const { model, platform, api } = callPage([
      activeContext({ self: doctorPeer }),
      { method: 'POST', path: '/api/appointments/a1/call/end', status: 409, body: err('call_not_active') },
    ]);
    await model.load();
    model.askToEndForEveryone();
    await model.endForEveryone();
    expect(api.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/appointments/a1/call/end',
      body: { reason: 'hung_up' },
      headers: { 'x-csrf-token': 'ctx-csrf-d1' },
    });
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('goes back to the appointment once when the call-ended message comes before the end request’s answer', async () => {
    const { model, platform, connection } = callPage([
      activeContext({ self: doctorPeer }),
      { method: 'POST', path: '/api/appointments/a1/call/end', status: 200, body: callStatus('ended', 30) },
    ]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    model.askToEndForEveryone();
    const ending = model.endForEveryone();
    // The server broadcasts the end to the room while the HTTP answer is still on its way.
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    await ending;
    // A second navigation would abort the first (the browser reports net::ERR_ABORTED).
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('asks the doctor before ending for everyone; cancelling ends nothing and leaves nobody', async () => {
    const { model, platform, api, connection } = callPage([activeContext({ self: doctorPeer })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [patientPeer], doctorPeer);
    const requests = api.requests.length;
    model.askToEndForEveryone();
    expect(model.state.confirmingEnd).toBe(true);
    model.cancelEndForEveryone();
    expect(model.state.confirmingEnd).toBe(false);
    expect(api.requests.length).toBe(requests);
    expect(connection().sent.map((m) => m.type)).not.toContain('leave');
    expect(platform.replaced).toEqual([]);
  });

  it('lets a patient leave, never end: back to the appointment, the call left running', async () => {
    const { model, platform, api, connection, local } = callPage([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    model.askToEndForEveryone();
    await model.endForEveryone();
    expect(model.state.confirmingEnd).toBe(false);
    model.leaveCall();
    expect(connection().sent.map((m) => m.type)).toContain('leave');
    expect(api.requests.some((r) => r.path.endsWith('/call/end'))).toBe(false);
    expect(local.tracks.every((t) => t.stopped)).toBe(true);
    expect(platform.replaced).toEqual(['/appointments/a1']);
  });

  it('stays on the page and says why when ending fails', async () => {
    const { model, platform } = callPage([
      activeContext({ self: doctorPeer }),
      {
        method: 'POST',
        path: '/api/appointments/a1/call/end',
        status: 429,
        body: err('rate_limited', 'Too many requests. Slow down.'),
      },
    ]);
    await model.load();
    model.askToEndForEveryone();
    await model.endForEveryone();
    expect(model.state).toMatchObject({ ending: false, error: 'Too many requests. Slow down.' });
    expect(platform.replaced).toEqual([]);
  });

  it('acknowledges room messages at once when the tab goes to the background', async () => {
    const { model, connection, platform } = callPage([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    connection().receive({
      type: 'media-state',
      audioMuted: true,
      videoOff: false,
      from: doctorPeer,
      seq: 4,
    });
    expect(connection().sent.filter((m) => m.type === 'ack')).toEqual([]);
    platform.hide();
    expect(connection().sent.filter((m) => m.type === 'ack')).toEqual([{ type: 'ack', seq: 4 }]);
  });

  it('resumes after a socket drop with the room and last seq, keeping the peer connection', async () => {
    const { model, connection, pcs, platform } = callPage([activeContext()]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    pcs.latest().reportConnectionState('connected');
    connection().receive({
      type: 'media-state',
      audioMuted: false,
      videoOff: true,
      from: doctorPeer,
      seq: 6,
    });
    connection().serverClose(1006);
    expect(model.state).toMatchObject({
      phase: 'connected',
      serverLost: true,
      screen: expect.objectContaining({ overlay: null, serverNotice: 'Reconnecting to the server…' }),
    });
    platform.fakeTimers.advance(250);
    connection().welcome();
    expect(connection().sent.find((m) => m.type === 'join')).toMatchObject({
      appointmentId: 'a1',
      resume: { roomId: 'r1', lastSeq: 6 },
    });
    connection().receive({
      type: 'joined',
      appointmentId: 'a1',
      roomId: 'r1',
      self: patientPeer,
      peers: [doctorPeer],
      resumed: true,
      lastSeq: 6,
    });
    connection().receive({ type: 'media-state', audioMuted: true, videoOff: true, from: doctorPeer, seq: 6 });
    expect(model.state.remote).toEqual({
      audioMuted: false,
      videoOff: true,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });
    expect(pcs.created).toHaveLength(1);
    expect(pcs.latest().closed).toBe(false);
    expect(model.state).toMatchObject({ phase: 'connected', serverLost: false });
    expect(model.state.screen.serverNotice).toBeNull();
  });
});

describe('CallViewModel: the doctor’s invite link', () => {
  const inviteRoutes = (): Route[] => [
    activeContext({ self: doctorPeer }),
    {
      method: 'POST',
      path: '/api/appointments/a1/call/invite',
      status: 200,
      body: {
        link: { url: 'https://cc.test/appointments/a1/call#token=new', role: 'patient', expiresAt: 9e12 },
      },
    },
  ];

  it('copies the link Start returned first, then asks for a new one', async () => {
    const { model, platform, posts } = callPage(inviteRoutes());
    platform.tabStorage.set(
      'carecall.patientLink.a1',
      JSON.stringify({ url: 'https://cc.test/appointments/a1/call#token=start', expiresAt: 9e12 }),
    );
    await model.load();
    expect(model.state.invite).toMatchObject({ status: 'idle' });
    await model.copyInviteLink();
    expect(platform.copied).toEqual(['https://cc.test/appointments/a1/call#token=start']);
    expect(model.state.invite).toMatchObject({ status: 'copied', message: 'Invite link copied' });
    expect(posts().filter((r) => r.path.endsWith('/invite'))).toHaveLength(0);
    await model.copyInviteLink();
    expect(platform.copied.at(-1)).toBe('https://cc.test/appointments/a1/call#token=new');
    expect(posts().filter((r) => r.path.endsWith('/invite'))).toHaveLength(1);
  });

  it('shows the link to copy by hand when the clipboard refuses', async () => {
    const { model, platform } = callPage(inviteRoutes());
    platform.clipboardBroken = true;
    await model.load();
    await model.copyInviteLink();
    expect(model.state.invite).toMatchObject({
      status: 'failed',
      url: 'https://cc.test/appointments/a1/call#token=new',
    });
  });

  it('offers no invite to the patient', async () => {
    const { model } = callPage([activeContext()]);
    await model.load();
    expect(model.state.invite).toBeNull();
  });
});

describe('CallViewModel: the in-call chat', () => {
  const MESSAGES = '/api/appointments/a1/messages?limit=500';
  const before = chatMessage('m1', doctorUser, 'Before the call');

  async function inCall() {
    const t = callPage([
      activeContext(),
      { method: 'GET', path: MESSAGES, status: 200, body: { messages: [before] } },
    ]);
    await t.model.load();
    await settle();
    t.connection().welcome();
    joined(t.connection(), [doctorPeer]);
    return t;
  }

  it('shows the appointment’s full history, closed at first, with nothing unread', async () => {
    const { model, api } = await inCall();
    expect(api.requests.filter((r) => r.path === MESSAGES)).toHaveLength(1);
    expect(model.state).toMatchObject({ chatOpen: false, selfId: 'p1', chatBadge: null });
    expect(model.state.chat?.entries.map((e) => e.body)).toEqual(['Before the call']);
  });

  it('counts the other side’s messages while the panel is closed, and clears the count when it opens', async () => {
    const { model, connection } = await inCall();
    connection().receive({ type: 'chat', message: chatMessage('m2', doctorUser, 'Can you see my screen?') });
    connection().receive({ type: 'chat', message: chatMessage('m3', doctorUser, 'Hello?') });
    expect(model.state.chatBadge).toEqual({ text: '2', words: '2 unread messages' });
    model.toggleChat();
    expect(model.state).toMatchObject({ chatOpen: true, chatBadge: null });
    connection().receive({ type: 'chat', message: chatMessage('m4', doctorUser, 'Good.') });
    expect(model.state.chatBadge).toBeNull();
    model.closeChat();
    expect(model.state.chatOpen).toBe(false);
    connection().receive({ type: 'chat', message: chatMessage('m5', doctorUser, 'Bye') });
    expect(model.state.chatBadge?.text).toBe('1');
  });

  it('sends through the same outbox as the appointment page, as this party', async () => {
    const { model, connection } = await inCall();
    model.toggleChat();
    model.setChatDraft('Yes, I can');
    model.sendChat();
    expect(connection().sent.at(-1)).toMatchObject({ type: 'chat', appointmentId: 'a1', body: 'Yes, I can' });
    expect(model.state.chat?.entries.at(-1)).toMatchObject({ senderId: 'p1', status: 'pending' });
    expect(model.state.chat?.draft).toBe('');
  });

  it('opening the chat closes a popover', async () => {
    const { model } = await inCall();
    model.togglePopover('settings');
    expect(model.state.popover).toBe('settings');
    model.togglePopover('quality');
    expect(model.state.popover).toBe('quality');
    model.toggleChat();
    expect(model.state).toMatchObject({ popover: null, chatOpen: true });
    model.togglePopover('settings');
    model.togglePopover('settings');
    expect(model.state.popover).toBeNull();
  });

  it('shows the quality figures on hover; a press pins them, another closes them even under the pointer', async () => {
    const { model } = await inCall();
    model.peekQuality(true);
    expect(model.state).toMatchObject({ qualityPeek: true, popover: null });
    model.togglePopover('quality');
    expect(model.state).toMatchObject({ qualityPeek: false, popover: 'quality' });
    model.peekQuality(false);
    expect(model.state.popover).toBe('quality');
    model.peekQuality(true);
    model.togglePopover('quality');
    expect(model.state).toMatchObject({ qualityPeek: false, popover: null });
  });
});

describe('CallViewModel: fullscreen, speaker and the screen’s words', () => {
  function fakeFullscreen(refuse = false) {
    const listeners = new Set<() => void>();
    const entered: unknown[] = [];
    let active = false;
    const control: FullscreenControl = {
      isActive: () => active,
      enter: async (element) => {
        if (refuse) throw new Error('Permissions check failed');
        entered.push(element);
        active = true;
        for (const listener of listeners) listener();
      },
      exit: async () => {
        active = false;
        for (const listener of listeners) listener();
      },
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const browserExit = () => {
      active = false;
      for (const listener of listeners) listener();
    };
    return { control, entered, browserExit };
  }

  it('offers no Fullscreen where the browser has none (Safari on iPhone)', async () => {
    const { model } = callPage([activeContext()]);
    await model.load();
    expect(model.state.fullscreen).toBeNull();
    await model.toggleFullscreen(null);
    expect(model.state.fullscreen).toBeNull();
  });

  it('enters and leaves full screen on the call element, and follows the browser’s own exit', async () => {
    const fullscreen = fakeFullscreen();
    const { model } = callPage([activeContext()], { platform: { fullscreen: fullscreen.control } });
    await model.load();
    expect(model.state.fullscreen).toEqual({ active: false });
    const element = { tagName: 'MAIN' } as unknown as Element;
    await model.toggleFullscreen(element);
    expect(fullscreen.entered).toEqual([element]);
    expect(model.state.fullscreen).toEqual({ active: true });
    fullscreen.browserExit();
    expect(model.state.fullscreen).toEqual({ active: false });
    await model.toggleFullscreen(element);
    await model.toggleFullscreen(element);
    expect(model.state.fullscreen).toEqual({ active: false });
  });

  it('stays in the window when the browser refuses full screen', async () => {
    const fullscreen = fakeFullscreen(true);
    const { model } = callPage([activeContext()], { platform: { fullscreen: fullscreen.control } });
    await model.load();
    await model.toggleFullscreen({} as Element);
    expect(model.state.fullscreen).toEqual({ active: false });
  });

  it('plays the other side through the speaker chosen on the device test page', () => {
    expect(callPage([]).model.state.audioOutput).toBeNull();
    const chosen = callPage([], {
      platform: { readStorage: (key) => (key === 'carecall.audioOutput' ? 'headset-1' : null) },
    });
    expect(chosen.model.state.audioOutput).toBe('headset-1');
  });

  it('words each phase on the screen and in the one live region', async () => {
    const { model, connection, pcs } = callPage([activeContext({ self: doctorPeer })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [], doctorPeer);
    expect(model.state.screen.overlay?.title).toBe('Waiting for the patient…');
    connection().receive({ type: 'peer-joined', peer: patientPeer, seq: 1 });
    expect(model.state.screen.overlay?.title).toBe('Connecting to Pat…');
    pcs.latest().reportConnectionState('connected');
    expect(model.state.screen).toMatchObject({ overlay: null, announcement: 'Connected with Pat.' });
    connection().receive({
      type: 'media-state',
      audioMuted: true,
      videoOff: true,
      from: patientPeer,
      seq: 2,
    });
    expect(model.state.screen.remoteTile).toMatchObject({ audioMuted: true, videoOff: true, initials: 'P' });
    expect(model.state.screen.announcement).toBe(
      'Connected with Pat. Pat is muted and has turned the camera off.',
    );
    pcs.latest().reportConnectionState('disconnected');
    expect(model.state.screen.overlay).toMatchObject({
      title: 'Reconnecting…',
      detail: 'Restoring the video connection',
    });
    connection().receive({ type: 'peer-left', peer: patientPeer, seq: 3 });
    expect(model.state.screen.overlay).toMatchObject({ kind: 'left', title: 'Pat left the call' });
  });
});
