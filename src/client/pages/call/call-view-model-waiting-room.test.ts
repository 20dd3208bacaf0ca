import { describe, expect, it } from 'vitest';
import { callPage, contextRoute, joined, joinInfo } from '../../testing/call-page.js';
import { settle } from '../../testing/fake-peer-connection.js';
import { callStatus, doctorPeer, waitingRoom } from '../../testing/fixtures.js';
import { CHECK_IN_RETRY_MS } from './waiting-room-controller.js';

describe('CallViewModel: the waiting room (S20)', () => {
  it('says when check-in opens, then checks in by itself', async () => {
    const { model, connection, platform } = callPage([contextRoute()], { now: 40_000 });
    await model.load();
    expect(model.state.phase).toBe('waiting-room');
    expect(model.state.waitingRoom?.opensAt).toMatch(/^Check-in opens at /);
    connection().welcome();
    expect(connection().sent).toEqual([{ type: 'subscribe', appointmentId: 'a1' }]);
    platform.fakeTimers.advance(60_000);
    expect(connection().sent.at(-1)).toEqual({ type: 'check-in', appointmentId: 'a1' });
    expect(model.state.waitingRoom?.opensAt).toBeNull();
  });

  it('checks in at once when open, again after every reconnect, and counts the time waited', async () => {
    const { model, connection, platform } = callPage([contextRoute({ lobby: waitingRoom(true, 150_000) })], {
      now: 200_000,
    });
    await model.load();
    connection().welcome();
    expect(connection().sent).toEqual([
      { type: 'subscribe', appointmentId: 'a1' },
      { type: 'check-in', appointmentId: 'a1' },
    ]);
    expect(model.state.waitingRoom).toEqual({ opensAt: null, waited: '0:50' });
    platform.fakeTimers.advance(2000);
    expect(model.state.waitingRoom?.waited).toBe('0:52');
    connection().receive({ type: 'lobby', lobby: waitingRoom(true, 100_000) });
    expect(model.state.waitingRoom?.waited).toBe('1:42');
    connection().serverClose(1006);
    platform.fakeTimers.advance(250);
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'check-in']);
  });

  it('tries a refused check-in again later', async () => {
    const { model, connection, platform } = callPage([contextRoute()], { now: 200_000 });
    await model.load();
    connection().welcome();
    connection().receive({ type: 'error', code: 'check_in_not_open', message: 'Not yet.' });
    expect(model.state.waitingRoom?.opensAt).toMatch(/^Check-in opens at /);
    const checkIns = () => connection().sent.filter((m) => m.type === 'check-in');
    expect(checkIns()).toHaveLength(1);
    platform.fakeTimers.advance(CHECK_IN_RETRY_MS - 1);
    expect(checkIns()).toHaveLength(1);
    platform.fakeTimers.advance(1);
    expect(checkIns()).toHaveLength(2);
  });

  it('joins without a click when the doctor starts: cookie, new socket, join', async () => {
    const { model, connection, posts, asked } = callPage(
      [
        contextRoute(),
        { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
      ],
      { now: 200_000 },
    );
    await model.load();
    const waitingRoomSocket = connection();
    waitingRoomSocket.welcome();
    waitingRoomSocket.receive({ type: 'call-status', call: callStatus('waiting') });
    await settle();
    expect(posts().map((r) => r.path)).toEqual(['/api/appointments/a1/call/join']);
    expect(waitingRoomSocket.closedWith).not.toBeNull();
    expect(asked).toHaveLength(1);
    const callSocket = connection();
    callSocket.welcome();
    expect(callSocket.sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
    joined(callSocket, [doctorPeer]);
    expect(model.state.phase).toBe('connecting');
  });

  it('S25 joins with the devices chosen in the waiting room: camera off means the camera is not asked for', async () => {
    const { model, connection, asked } = callPage(
      [
        contextRoute(),
        { method: 'POST', path: '/api/appointments/a1/call/join', status: 200, body: joinInfo() },
      ],
      { now: 200_000 },
    );
    await model.load();
    expect(model.state.joinWith).toEqual({ audio: true, video: true });
    model.setJoinDevice('video', false);
    // Before the call the camera button is the same choice.
    model.toggleAudio();
    model.toggleAudio();
    expect(model.state.joinWith).toEqual({ audio: true, video: false });
    connection().welcome();
    connection().receive({ type: 'call-status', call: callStatus('waiting') });
    await settle();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toHaveProperty('audio');
    expect(asked[0]).not.toHaveProperty('video');
    // Chosen once the call has started, it changes nothing any more.
    model.setJoinDevice('audio', false);
    expect(model.state.joinWith).toEqual({ audio: true, video: false });
  });

  it('stops for good with clear words when the link is revoked (4006)', async () => {
    const { model, connection, platform } = callPage([contextRoute({ via: 'link' })], { now: 200_000 });
    await model.load();
    connection().welcome();
    connection().serverClose(4006, 'revoked');
    expect(model.state).toMatchObject({
      phase: 'failed',
      error: 'The doctor restarted the call, so this link no longer works. Ask the clinic for a new one.',
    });
    const sockets = connection();
    platform.fakeTimers.advance(120_000);
    expect(connection()).toBe(sockets);
    expect(platform.replaced).toEqual([]);
  });
});
