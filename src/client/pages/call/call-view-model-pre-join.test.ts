import { describe, expect, it } from 'vitest';
import {
  activeContext,
  CONTEXT,
  callPage,
  contextRoute,
  err,
  joinInfo,
  TOKEN,
} from '../../testing/call-page.js';
import { FakeStream, FakeTrack } from '../../testing/fake-media.js';
import { settle } from '../../testing/fake-peer-connection.js';
import { callContext, callStatus, doctorPeer } from '../../testing/fixtures.js';
import { DEFAULT_PRE_JOIN, PRE_JOIN_STORAGE_KEY, readPreJoinChoice } from './pre-join-choice.js';

const remembered = (storage: Map<string, string>) => JSON.parse(storage.get(PRE_JOIN_STORAGE_KEY) ?? 'null');

describe('CallViewModel: the pre-join screen', () => {
  it('tells the doctor who will see them once they join', async () => {
    const { model } = callPage(
      [activeContext({ self: doctorPeer, other: { role: 'patient', displayName: 'Pat' } })],
      {
        preJoin: 'show',
      },
    );
    await model.load();
    expect(model.state.phase).toBe('pre-join');
    expect(model.state.statusText).toBe('Your call has started. Pat will see you once you join.');
  });

  it('shows before a call that can be joined, asks for no device and sends no join until Join now', async () => {
    const { model, connection, asked } = callPage([activeContext()], { preJoin: 'show' });
    await model.load();
    expect(model.state.phase).toBe('pre-join');
    expect(model.state.statusText).toBe(`${doctorPeer.displayName} is ready for you. Choose Join now.`);
    expect(model.state.appointmentTime?.whenIso).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The socket is open for the chat, but nobody is in the room yet and the call has no camera.
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe']);
    expect(asked).toHaveLength(0);
    expect(model.state.localStream).toBeNull();

    await model.joinNow();
    await settle();
    expect(asked).toHaveLength(1);
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    expect(model.state.phase).not.toBe('pre-join');
  });

  it('joins with the microphone and camera as set on the screen: camera off is not asked for', async () => {
    const { model, asked } = callPage([activeContext()], { preJoin: 'show' });
    await model.load();
    model.toggleVideo();
    expect(model.state.joinWith).toEqual({ audio: true, video: false });
    model.toggleAudio();
    model.toggleAudio();
    await model.joinNow();
    await settle();
    expect(asked).toEqual([expect.objectContaining({ audio: expect.anything() })]);
    expect(asked[0]?.video).toBeUndefined();
  });

  it('remembers "join straight away" per browser: the next visit skips the screen with the same devices', async () => {
    const first = callPage([activeContext()], { preJoin: 'show' });
    await first.model.load();
    first.model.toggleVideo();
    first.model.setSkipPreJoin(true);
    // Ticking the box alone keeps nothing: the choice is made by pressing Join now.
    expect(first.platform.storage.has(PRE_JOIN_STORAGE_KEY)).toBe(false);
    await first.model.joinNow();
    expect(remembered(first.platform.storage)).toEqual({ skip: true, audio: true, video: false });

    const second = callPage([activeContext()], {
      preJoin: 'show',
      storage: { [PRE_JOIN_STORAGE_KEY]: first.platform.storage.get(PRE_JOIN_STORAGE_KEY) ?? '' },
    });
    await second.model.load();
    await settle();
    expect(second.model.state.phase).not.toBe('pre-join');
    expect(second.asked).toHaveLength(1);
    expect(second.asked[0]?.video).toBeUndefined();
  });

  it('a party who does not tick the box sees the screen again, with both devices on', async () => {
    const { model, platform } = callPage([activeContext()], { preJoin: 'show' });
    await model.load();
    model.toggleVideo();
    await model.joinNow();
    expect(remembered(platform.storage)).toEqual({ skip: false, audio: true, video: false });
    expect(readPreJoinChoice(platform)).toEqual(DEFAULT_PRE_JOIN);
  });

  it('in the call, the settings bring the screen back for the next call', async () => {
    const { model, platform } = callPage([activeContext()]);
    await model.load();
    await settle();
    expect(model.state.skipPreJoin).toBe(true);
    model.setSkipPreJoin(false);
    expect(readPreJoinChoice(platform).skip).toBe(false);
  });

  it('ignores a remembered choice it cannot read', () => {
    for (const value of ['{', '[]', 'null', '{"skip":"yes","audio":true,"video":true}', '{"skip":true}']) {
      const storage = new Map([[PRE_JOIN_STORAGE_KEY, value]]);
      expect(readPreJoinChoice({ readStorage: (key) => storage.get(key) ?? null })).toEqual(DEFAULT_PRE_JOIN);
    }
  });

  it('is the waiting room until the doctor starts; then says so and waits for Join now', async () => {
    const { model, connection, posts, asked } = callPage(
      [
        contextRoute(),
        { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
      ],
      { now: 200_000, preJoin: 'show' },
    );
    await model.load();
    expect(model.state.phase).toBe('waiting-room');
    const waitingRoomSocket = connection();
    waitingRoomSocket.welcome();
    waitingRoomSocket.receive({ type: 'call-status', call: callStatus('waiting') });
    await settle();
    expect(model.state.phase).toBe('pre-join');
    expect(model.state.statusText).toBe(`${doctorPeer.displayName} is ready for you. Choose Join now.`);
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/join']);
    expect(asked).toHaveLength(0);
    // The cookie came with the start: the new socket carries it, and joins only on Join now.
    const callSocket = connection();
    expect(callSocket).not.toBe(waitingRoomSocket);
    callSocket.welcome();
    expect(callSocket.sent.map((m) => m.type)).toEqual(['subscribe']);
    await model.joinNow();
    await settle();
    expect(callSocket.sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    expect(asked).toHaveLength(1);
  });

  it('joins without a click when the box was ticked in the waiting room', async () => {
    const { model, connection, asked } = callPage(
      [
        contextRoute(),
        { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
      ],
      { now: 200_000, preJoin: 'show' },
    );
    await model.load();
    model.setSkipPreJoin(true);
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('waiting') });
    await settle();
    expect(model.state.phase).not.toBe('pre-join');
    expect(asked).toHaveLength(1);
  });

  it('gets the call cookie on Join now when the page had none, on a socket that carries it', async () => {
    const { model, connection, connections, posts } = callPage(
      [
        contextRoute({ call: callStatus('in_progress'), hasGrant: false }),
        {
          method: 'POST',
          path: '/api/appointments/a1/call/join',
          status: 200,
          body: joinInfo('in_progress'),
        },
      ],
      { preJoin: 'show' },
    );
    await model.load();
    expect(model.state.phase).toBe('pre-join');
    // No join is recorded (and audited) before the party chose to join.
    expect(posts()).toHaveLength(0);
    connection().welcome();
    await model.joinNow();
    await settle();
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/join']);
    expect(connections).toHaveLength(2);
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
  });

  it('goes back to the appointment when the doctor ends the call before Join now', async () => {
    const { model, connection, platform } = callPage([activeContext()], { preJoin: 'show' });
    await model.load();
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('ended') });
    expect(platform.replaced).toEqual(['/appointments/a1']);
    await model.joinNow();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe']);
  });

  it('leaves from the screen back to the appointment, joining nothing', async () => {
    const { model, connection, platform } = callPage([activeContext()], { preJoin: 'show' });
    await model.load();
    model.leaveCall();
    expect(platform.replaced).toEqual(['/appointments/a1']);
    expect(connection().closedWith).not.toBeNull();
  });

  it('a link visitor names themself on the screen, and Join now takes them straight into the call', async () => {
    const { model, api, connection } = callPage(
      [
        { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
        { method: 'GET', path: '/api/session', status: 401, body: err('unauthenticated') },
        {
          method: 'POST',
          path: '/api/call-links/inspect',
          status: 200,
          body: { role: 'patient', hospitalName: 'Riverside Clinic', doctorName: 'Dr. Ada', scheduledAt: 0 },
        },
        {
          method: 'POST',
          path: '/api/call-links/exchange',
          status: 200,
          body: callContext({ via: 'link', hasGrant: true, call: callStatus('waiting'), csrfToken: 'c' }),
        },
      ],
      { hash: `#token=${TOKEN}`, preJoin: 'show' },
    );
    await model.load();
    expect(model.state.phase).toBe('confirm-name');
    await model.joinNow();
    expect(model.state.nameError).toBe('Enter your name.');
    expect(model.state.joining).toBe(false);
    expect(api.requests.some((r) => r.path === '/api/call-links/exchange')).toBe(false);
    model.setNameDraft('  Pat Visitor ');
    await model.joinNow();
    await settle();
    expect(api.requests.find((r) => r.path === '/api/call-links/exchange')?.body).toMatchObject({
      displayName: 'Pat Visitor',
    });
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
  });

  it('hands the running preview to the call: the camera is not started a second time', async () => {
    const previewStream = FakeStream.withAudioAndVideo();
    const [mic, camera] = previewStream.tracks;
    let taken = 0;
    const preview = {
      take: () => {
        taken += 1;
        return taken === 1 ? previewStream.asStream : null;
      },
    };
    const { model, asked } = callPage([activeContext()], { preJoin: 'show', preview });
    await model.load();
    model.toggleAudio();
    await model.joinNow();
    await settle();
    expect(asked).toHaveLength(0);
    expect(taken).toBe(1);
    // Joined muted: the microphone left out is stopped, the camera is the preview's, on.
    expect(mic?.readyState).toBe('ended');
    expect(camera?.readyState).toBe('live');
    expect(camera?.enabled).toBe(true);
    expect(model.state.localStream).toBe(previewStream.asStream);
  });

  it('asks the browser when the preview lacks a device the party joins with, and stops the preview', async () => {
    const cameraOnly = new FakeStream([new FakeTrack('video')]);
    const { model, asked } = callPage([activeContext()], {
      preJoin: 'show',
      preview: { take: () => cameraOnly.asStream },
    });
    await model.load();
    await model.joinNow();
    await settle();
    expect(asked).toHaveLength(1);
    expect(cameraOnly.tracks[0]?.readyState).toBe('ended');
  });
});
