import { describe, expect, it } from 'vitest';
import type { IceServerView } from '../../../protocol/api.js';
import type { ClientMessage, ServerMessage } from '../../../protocol/messages.js';
import { ApiError } from '../../api/api-error.js';
import { Emitter } from '../../lib/emitter.js';
import { settle } from '../../testing/fake-peer-connection.js';
import { FakeTimers } from '../../testing/fake-timers.js';
import { callStatus, waitingRoom } from '../../testing/fixtures.js';
import type { SocketEvents } from '../../ws/reconnecting-socket.js';
import type { WaitingRoomState } from './call-page-types.js';
import { CHECK_IN_RETRY_MS, WaitingRoomController } from './waiting-room-controller.js';

const ICE: IceServerView[] = [{ urls: ['stun:fresh.example.org'] }];

/** A patient's waiting room for appointment a1, check-in from 100 000, on a socket that records retains. */
function setup(options: { now?: number; grant?: () => Promise<IceServerView[]> } = {}) {
  const timers = new FakeTimers();
  timers.now = options.now ?? 200_000;
  const retained = new Map<string, ClientMessage>();
  const sent: ClientMessage[] = [];
  const shown: WaitingRoomState[] = [];
  const admitted: IceServerView[][] = [];
  const failed: unknown[] = [];
  const events = new Emitter<SocketEvents>();
  let grants = 0;
  const room = new WaitingRoomController({
    appointmentId: 'a1',
    context: { checkInOpensAt: 100_000, lobby: waitingRoom(false) },
    socket: {
      events,
      retain: (key, message) => {
        retained.set(key, message);
        sent.push(message);
        return () => {
          if (retained.get(key) === message) retained.delete(key);
        };
      },
    },
    platform: { now: () => timers.now, timers },
    onChange: (state) => shown.push(state),
    grant: () => {
      grants++;
      return options.grant ? options.grant() : Promise.resolve(ICE);
    },
    onAdmitted: (iceServers) => admitted.push(iceServers),
    onFailed: (error) => failed.push(error),
  });
  const receive = (message: ServerMessage) => events.emit('message', message);
  return { timers, room, receive, retained, sent, shown, admitted, failed, grants: () => grants };
}

describe('WaitingRoomController', () => {
  it('checks in at once when check-in is open, retained until it leaves', () => {
    const { room, retained, shown } = setup();
    room.start();
    expect([...retained.values()]).toEqual([{ type: 'check-in', appointmentId: 'a1' }]);
    expect(shown).toEqual([{ opensAt: null, waited: null }]);
    room.close();
    expect(retained.size).toBe(0);
  });

  it('says when check-in opens and checks in then by itself', () => {
    const { room, timers, sent, shown } = setup({ now: 40_000 });
    room.start();
    expect(sent).toEqual([]);
    expect(shown.at(-1)?.opensAt).toMatch(/^Check-in opens at /);
    timers.advance(59_999);
    expect(sent).toEqual([]);
    timers.advance(1);
    expect(sent).toEqual([{ type: 'check-in', appointmentId: 'a1' }]);
    expect(shown.at(-1)).toEqual({ opensAt: null, waited: null });
  });

  it('counts the time waited from the server’s first check-in, and says only what changed', () => {
    const { room, receive, timers, shown } = setup();
    room.start();
    receive({ type: 'lobby', lobby: waitingRoom(true, 150_000) });
    expect(shown.at(-1)).toEqual({ opensAt: null, waited: '0:50' });
    const count = shown.length;
    room.tick();
    expect(shown).toHaveLength(count);
    timers.advance(2_000);
    room.tick();
    expect(shown.at(-1)?.waited).toBe('0:52');
  });

  it('listens only to its own appointment', async () => {
    const { room, receive, shown, grants } = setup();
    room.start();
    const count = shown.length;
    receive({ type: 'lobby', lobby: waitingRoom(true, 150_000, 'a2') });
    receive({ type: 'call-status', call: { ...callStatus('waiting'), appointmentId: 'a2' } });
    await settle();
    expect(shown).toHaveLength(count);
    expect(grants()).toBe(0);
  });

  it('tries a refused check-in again after a while', () => {
    const { room, receive, timers, sent, shown } = setup();
    room.start();
    receive({ type: 'error', code: 'check_in_not_open', message: 'Not yet.' });
    expect(shown.at(-1)?.opensAt).toMatch(/^Check-in opens at /);
    timers.advance(CHECK_IN_RETRY_MS - 1);
    expect(sent).toHaveLength(1);
    timers.advance(1);
    expect(sent).toHaveLength(2);
  });

  it('gets the call cookie when the doctor starts, once, and hands over to the call', async () => {
    const { room, receive, retained, admitted, grants } = setup();
    room.start();
    receive({ type: 'call-status', call: callStatus('not_started') });
    expect(grants()).toBe(0);
    receive({ type: 'call-status', call: callStatus('waiting') });
    receive({ type: 'call-status', call: callStatus('waiting') });
    expect(retained.size).toBe(0);
    await settle();
    expect(grants()).toBe(1);
    expect(admitted).toEqual([ICE]);
  });

  it('keeps waiting when the call ended again before the cookie came', async () => {
    const { room, receive, sent, admitted, failed } = setup({
      grant: () => Promise.reject(new ApiError(409, 'call_not_active', 'Not active.')),
    });
    room.start();
    receive({ type: 'call-status', call: callStatus('waiting') });
    await settle();
    expect(sent.map((m) => m.type)).toEqual(['check-in', 'check-in']);
    expect(admitted).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('reports any other refusal of the cookie', async () => {
    const refusal = new ApiError(403, 'not_party', 'Not yours.');
    const { room, receive, failed, admitted } = setup({ grant: () => Promise.reject(refusal) });
    room.start();
    receive({ type: 'call-status', call: callStatus('in_progress') });
    await settle();
    expect(failed).toEqual([refusal]);
    expect(admitted).toEqual([]);
  });

  it('does nothing more once closed', async () => {
    const { room, receive, timers, sent, shown, grants } = setup({ now: 40_000 });
    room.start();
    room.close();
    const count = shown.length;
    timers.advance(CHECK_IN_RETRY_MS * 4);
    receive({ type: 'lobby', lobby: waitingRoom(true, 50_000) });
    receive({ type: 'error', code: 'check_in_not_open', message: 'Not yet.' });
    receive({ type: 'call-status', call: callStatus('waiting') });
    room.tick();
    await settle();
    expect(sent).toEqual([]);
    expect(shown).toHaveLength(count);
    expect(grants()).toBe(0);
  });
});
