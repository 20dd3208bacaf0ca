import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../protocol/errors.js';
import { patientPeer } from '../testing/call-side.js';
import { settle } from '../testing/fake-peer-connection.js';
import { FakeRoomServer } from '../testing/fake-signaling.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { RoomMembership } from './room-membership.js';
import { ACK_INTERVAL_MS } from './room-sequence.js';

function setup(options: { renewGrant?: () => Promise<void>; over?: boolean } = {}) {
  const server = new FakeRoomServer();
  const signaling = server.connect(patientPeer);
  const timers = new FakeTimers();
  const refusals: Array<{ code: ErrorCode; message: string }> = [];
  const errors: unknown[] = [];
  const room = new RoomMembership({
    appointmentId: server.appointmentId,
    signaling,
    timers,
    renewGrant: options.renewGrant,
    over: () => options.over ?? false,
    refused: (code, message) => refusals.push({ code, message }),
    onError: (error) => errors.push(error),
  });
  return { server, signaling, timers, room, refusals, errors };
}

describe('RoomMembership', () => {
  it('joins, then resumes the room it was in from the last message it got (S17)', () => {
    const { signaling, room } = setup();
    room.join();
    expect(signaling.sentOfType('join').at(-1)).toMatchObject({ appointmentId: 'a1' });
    expect(signaling.sentOfType('join').at(-1)?.resume).toBeUndefined();
    room.joined({ roomId: 'r1', resumed: false, lastSeq: 4 });
    expect(room.accept(4)).toBe(false);
    expect(room.accept(5)).toBe(true);
    room.join();
    expect(signaling.sentOfType('join').at(-1)).toMatchObject({ resume: { roomId: 'r1', lastSeq: 5 } });
  });

  it('counts as in the room while the socket is down, and sends the join only once it is up', () => {
    const { signaling, room } = setup();
    signaling.isReady = false;
    room.join();
    expect(room.inRoom).toBe(true);
    expect(signaling.sent).toEqual([]);
  });

  it('leaves only a room it is in, and joins afresh afterwards', () => {
    const { signaling, room } = setup();
    room.leave();
    expect(signaling.sentOfType('leave')).toEqual([]);
    room.join();
    room.joined({ roomId: 'r1', resumed: false, lastSeq: 0 });
    room.leave();
    expect(signaling.sentOfType('leave')).toHaveLength(1);
    expect(room.inRoom).toBe(false);
    room.join();
    expect(signaling.sentOfType('join').at(-1)?.resume).toBeUndefined();
  });

  it('acknowledges what it accepted, at most once an interval or when flushed', () => {
    const { signaling, timers, room } = setup();
    room.joined({ roomId: 'r1', resumed: false, lastSeq: 0 });
    room.accept(1);
    room.accept(2);
    timers.advance(ACK_INTERVAL_MS);
    room.accept(3);
    room.flushAcks();
    expect(signaling.sentOfType('ack').map((ack) => ack.seq)).toEqual([2, 3]);
  });

  it('is refused in the server’s words when the join is', async () => {
    const { server, room, refusals } = setup();
    server.active = false;
    room.join();
    await settle();
    expect(refusals).toEqual([{ code: 'call_not_active', message: 'The call is not active.' }]);
  });

  it('gets a call cookie and reconnects, unless the call is over by then', async () => {
    let renewed = 0;
    const renewGrant = async () => {
      renewed++;
    };
    const live = setup({ renewGrant });
    live.room.renewGrant();
    await settle();
    expect(live.signaling.reconnects).toBe(1);
    const over = setup({ renewGrant, over: true });
    over.room.renewGrant();
    await settle();
    expect(renewed).toBe(2);
    expect(over.signaling.reconnects).toBe(0);
  });

  it('is refused when no cookie can be had, with the reason when there is one', async () => {
    const without = setup();
    without.room.renewGrant();
    expect(without.refusals).toEqual([
      {
        code: 'call_grant_required',
        message: 'Open the call from your appointment or from your call link to take part.',
      },
    ]);
    const failure = Object.assign(new Error('The call has ended.'), { code: 'call_not_active' });
    const failing = setup({ renewGrant: () => Promise.reject(failure) });
    failing.room.renewGrant();
    await settle();
    expect(failing.refusals).toEqual([{ code: 'call_not_active', message: 'The call has ended.' }]);
    expect(failing.errors).toEqual([failure]);
  });
});
