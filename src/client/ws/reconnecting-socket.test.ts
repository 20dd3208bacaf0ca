import { describe, expect, it } from 'vitest';
import { type FakeConnection, fakeSocketFactory } from '../testing/fake-socket.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { CLOSE } from './close-reasons.js';
import { type FatalClose, ReconnectingSocket, SocketRequestError } from './reconnecting-socket.js';

function setup(random = () => 0) {
  const timers = new FakeTimers();
  const { factory, connections } = fakeSocketFactory();
  const socket = new ReconnectingSocket({
    url: 'wss://carecall.test/ws',
    createSocket: factory,
    timers,
    now: () => timers.now,
    random,
    backoff: { initialMs: 500, maxMs: 8000 },
    heartbeatMs: 25_000,
    staleAfterMs: 60_000,
    readyTimeoutMs: 10_000,
  });
  const states: string[] = [];
  socket.events.on('state', (s) => states.push(s));
  const last = (): FakeConnection => {
    const c = connections.at(-1);
    if (!c) throw new Error('no connection');
    return c;
  };
  return { socket, timers, connections, states, last };
}

describe('ReconnectingSocket', () => {
  it('is ready only after welcome and then sends retained messages', () => {
    const { socket, last } = setup();
    socket.retain('subscribe', { type: 'subscribe', appointmentId: 'a1' });
    socket.connect();
    expect(socket.isReady).toBe(false);
    expect(socket.send({ type: 'ping' })).toBe(false);
    last().welcome();
    expect(socket.isReady).toBe(true);
    expect(last().sent).toEqual([{ type: 'subscribe', appointmentId: 'a1' }]);
  });

  it('reconnects with growing backoff and re-sends retained messages after each welcome', () => {
    const { socket, timers, connections, last, states } = setup();
    const ready: boolean[] = [];
    socket.events.on('ready', (r) => ready.push(r.reconnected));
    let downs = 0;
    socket.events.on('down', () => downs++);
    socket.connect();
    last().welcome();
    socket.retain('join', { type: 'join', appointmentId: 'a1' });
    expect(last().sent).toEqual([{ type: 'join', appointmentId: 'a1' }]);

    last().serverClose(1006);
    expect(downs).toBe(1);
    expect(states.at(-1)).toBe('reconnecting');
    expect(timers.pendingTimeouts()).toEqual([250]);
    timers.advance(250);
    expect(connections).toHaveLength(2);

    last().serverClose(1006);
    expect(timers.pendingTimeouts()).toEqual([500]);
    timers.advance(500);
    last().serverClose(1011);
    expect(timers.pendingTimeouts()).toEqual([1000]);
    timers.advance(1000);
    expect(connections).toHaveLength(4);

    last().welcome();
    expect(last().sent).toEqual([{ type: 'join', appointmentId: 'a1' }]);
    expect(ready).toEqual([false, true]);
    expect(downs).toBe(1);

    last().serverClose(1006);
    expect(timers.pendingTimeouts()).toEqual([250]);
  });

  it('caps the backoff and applies jitter from the random source', () => {
    const { socket, timers, last } = setup(() => 0.5);
    socket.connect();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      last().serverClose(1006);
      const [delay] = timers.pendingTimeouts();
      delays.push(delay ?? -1);
      timers.advance(delay ?? 0);
    }
    expect(delays).toEqual([375, 750, 1500, 3000, 6000, 6000, 6000]);
  });

  it('stops on a fatal close code and reports why', () => {
    const { socket, timers, connections, last, states } = setup();
    const fatal: FatalClose[] = [];
    socket.events.on('fatal', (f) => fatal.push(f));
    socket.connect();
    last().welcome();
    last().serverClose(4009, 'replaced');
    expect(states.at(-1)).toBe('failed');
    expect(fatal).toEqual([
      expect.objectContaining({ code: 4009, message: expect.stringMatching(/another tab/) }),
    ]);
    timers.advance(60_000);
    expect(connections).toHaveLength(1);
  });

  it('reconnects after a server shutdown, which a sibling node can take over', () => {
    const { socket, timers, connections, last } = setup();
    socket.connect();
    last().welcome();
    last().serverClose(4011, 'shutdown');
    timers.advance(250);
    expect(connections).toHaveLength(2);
  });

  it('treats a protocol version mismatch as fatal', () => {
    const { socket, last } = setup();
    const fatal: FatalClose[] = [];
    socket.events.on('fatal', (f) => fatal.push(f));
    socket.connect();
    last().welcome(2);
    expect(socket.state).toBe('failed');
    expect(fatal[0]?.message).toMatch(/Reload/);
  });

  it('matches acks and errors to requests and rejects open requests when the connection drops', async () => {
    const { socket, last } = setup();
    socket.connect();
    last().welcome();
    const chat = socket.request({ type: 'chat', appointmentId: 'a1', clientId: 'k1', body: 'hi' });
    const bad = socket.request({ type: 'join', appointmentId: 'a1' });
    const lost = socket.request({ type: 'ping' });
    const [first, second] = last().sent;
    expect(first).toMatchObject({ type: 'chat', id: 'c1' });
    expect(second).toMatchObject({ type: 'join', id: 'c2' });
    const stored = {
      id: 'm1',
      appointmentId: 'a1',
      senderId: 'u1',
      senderRole: 'doctor' as const,
      senderName: 'Dr. A',
      body: 'hi',
      clientId: 'k1',
      createdAt: 1,
    };
    last().receive({ type: 'ack', id: 'c1', message: stored });
    last().receive({ type: 'error', id: 'c2', code: 'call_not_active', message: 'Not active.' });
    last().serverClose(1006);
    await expect(chat).resolves.toEqual({ message: stored });
    await expect(bad).rejects.toMatchObject({ code: 'call_not_active', isTransient: false });
    const error = await lost.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketRequestError);
    expect(error).toMatchObject({ code: 'disconnected', isTransient: true });
  });

  it('rejects a request that gets no answer in time', async () => {
    const { socket, timers, last } = setup();
    socket.connect();
    last().welcome();
    const pending = socket.request({ type: 'ping' }, 5000);
    timers.advance(5000);
    await expect(pending).rejects.toMatchObject({ code: 'timeout' });
  });

  it('pings a quiet connection and drops one that stays silent', () => {
    const { socket, timers, connections, last } = setup();
    socket.connect();
    last().welcome();
    timers.advance(25_000);
    expect(last().sent).toEqual([{ type: 'ping' }]);
    last().receive({ type: 'pong' });
    timers.advance(50_000);
    expect(connections).toHaveLength(1);
    timers.advance(25_000);
    expect(connections[0]?.closedWith).not.toBeNull();
    expect(socket.state).toBe('reconnecting');
  });

  it('gives up on a connection that never says welcome', () => {
    const { socket, timers, connections } = setup();
    socket.connect();
    timers.advance(10_000);
    expect(socket.state).toBe('connecting');
    timers.advance(250);
    expect(connections).toHaveLength(2);
  });

  it('ignores events from a replaced connection and closes idempotently', () => {
    const { socket, timers, connections, last } = setup();
    socket.connect();
    const first = last();
    first.welcome();
    first.serverClose(1006);
    timers.advance(250);
    first.serverClose(4009);
    expect(socket.state).toBe('reconnecting');
    socket.close();
    socket.close();
    expect(socket.state).toBe('closed');
    expect(connections[1]?.closedWith?.code).toBe(1000);
    timers.advance(60_000);
    expect(connections).toHaveLength(2);
  });

  it('reconnects at once when asked during a backoff wait', () => {
    const { socket, timers, connections, last } = setup();
    socket.connect();
    last().welcome();
    last().serverClose(1006);
    socket.reconnectNow();
    expect(connections).toHaveLength(2);
    expect(timers.pendingTimeouts()).toEqual([10_000]);
  });

  it('replaces a live connection at once on reconnect(), so a cookie set since reaches the server', () => {
    const { socket, timers, connections, last } = setup();
    const events: string[] = [];
    socket.events.on('down', () => events.push('down'));
    socket.events.on('ready', (r) => events.push(`ready:${r.reconnected}`));
    socket.retain('subscribe', { type: 'subscribe', appointmentId: 'a1' });
    socket.connect();
    last().welcome();
    socket.reconnect();
    expect(connections).toHaveLength(2);
    expect(connections[0]?.closedWith?.code).toBe(CLOSE.client_reconnecting);
    expect(timers.pendingTimeouts()).toEqual([10_000]);
    last().welcome();
    expect(last().sent).toEqual([{ type: 'subscribe', appointmentId: 'a1' }]);
    expect(events).toEqual(['ready:false', 'down', 'ready:true']);
  });

  it('treats the call-link closes 4005 and 4006 as final, with words for each', () => {
    for (const [code, words] of [
      [4005, 'Your call link has expired. Ask the clinic for a new one.'],
      [4006, 'The doctor restarted the call, so this link no longer works. Ask the clinic for a new one.'],
    ] as const) {
      const { socket, timers, connections, last } = setup();
      const fatal: FatalClose[] = [];
      socket.events.on('fatal', (f) => fatal.push(f));
      socket.connect();
      last().welcome();
      last().serverClose(code);
      timers.advance(60_000);
      expect(connections).toHaveLength(1);
      expect(fatal).toEqual([{ code, reason: '', message: words }]);
      socket.reconnect();
      expect(connections).toHaveLength(1);
    }
  });
});
