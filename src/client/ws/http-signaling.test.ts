import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/http-client.js';
import { fakeSocketFactory } from '../testing/fake-socket.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { scriptedFetch } from '../testing/scripted-fetch.js';
import { fallbackSocketFactory, HTTP_SIGNAL_LOST, httpSignalingFactory } from './http-signaling.js';
import { type FatalClose, ReconnectingSocket, type SocketHandlers } from './reconnecting-socket.js';

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

const welcome = { type: 'welcome', v: 1, user: { id: 'p1', role: 'patient', displayName: 'Pat' } };

function recorder() {
  const events: Array<string | { message: unknown } | { close: [number, string] }> = [];
  const handlers: SocketHandlers = {
    open: () => events.push('open'),
    message: (data) => events.push({ message: JSON.parse(data) }),
    close: (code, reason) => events.push({ close: [code, reason] }),
  };
  return { events, handlers };
}

function setup() {
  const net = scriptedFetch();
  const api = new ApiClient(net.fetch);
  api.csrfToken = 'tok';
  const timers = new FakeTimers();
  const factory = httpSignalingFactory({ api, timers, pollGraceMs: 5000 });
  return { net, api, timers, factory };
}

async function opened(setupResult = setup()) {
  const { net, factory } = setupResult;
  const { events, handlers } = recorder();
  const connection = factory('ws://ignored/ws', handlers);
  net.only('/api/signal').respond(200, { connectionId: 's1', welcome, pollTimeoutMs: 25_000 });
  await flush();
  return { ...setupResult, connection, events };
}

describe('HTTP signaling fallback (S22)', () => {
  it('opens with POST /api/signal, reports open and the welcome, then long-polls from cursor 0', async () => {
    const { net, events } = await opened();
    expect(net.requests[0]).toMatchObject({ method: 'POST', path: '/api/signal' });
    expect(net.requests[0]?.headers['x-csrf-token']).toBe('tok');
    expect(events).toEqual(['open', { message: welcome }]);
    expect(net.only('/api/signal/s1/poll')).toMatchObject({
      method: 'GET',
      path: '/api/signal/s1/poll?cursor=0',
    });
  });

  it('delivers polled messages in order and keeps exactly one poll out, acknowledging by cursor', async () => {
    const { net, events } = await opened();
    const pong = { type: 'pong' };
    const lobby = { type: 'lobby', lobby: { appointmentId: 'a1', patientWaiting: true, checkedInAt: 5 } };
    net.only('/api/signal/s1/poll').respond(200, { messages: [pong, lobby], cursor: 2 });
    await flush();
    expect(events.slice(2)).toEqual([{ message: pong }, { message: lobby }]);
    expect(net.open('/api/signal/s1/poll')).toHaveLength(1);
    expect(net.only('/api/signal/s1/poll').path).toBe('/api/signal/s1/poll?cursor=2');
    net.only('/api/signal/s1/poll').respond(200, { messages: [], cursor: 2 });
    await flush();
    expect(net.only('/api/signal/s1/poll').path).toBe('/api/signal/s1/poll?cursor=2');
  });

  it('posts sends in order, each only after the previous one was answered', async () => {
    const { net, connection } = await opened();
    connection.send(JSON.stringify({ type: 'subscribe', appointmentId: 'a1' }));
    connection.send(JSON.stringify({ type: 'check-in', appointmentId: 'a1' }));
    await flush();
    const first = net.only('/api/signal/s1/send');
    expect(first.body).toEqual({ message: { type: 'subscribe', appointmentId: 'a1' } });
    expect(first.headers['x-csrf-token']).toBe('tok');
    first.respond(204);
    await flush();
    expect(net.only('/api/signal/s1/send').body).toEqual({
      message: { type: 'check-in', appointmentId: 'a1' },
    });
  });

  it('answers a refused message with an error carrying its id, as a WebSocket would', async () => {
    const { net, connection, events } = await opened();
    connection.send(
      JSON.stringify({ type: 'chat', id: 'c1', appointmentId: 'a1', clientId: 'k', body: 'x' }),
    );
    await flush();
    net
      .only('/api/signal/s1/send')
      .respond(429, { error: { code: 'rate_limited', message: 'Too many requests. Slow down.' } });
    await flush();
    expect(events.at(-1)).toEqual({
      message: { type: 'error', code: 'rate_limited', message: 'Too many requests. Slow down.', id: 'c1' },
    });
  });

  it('reports a connection the server no longer knows as a loss, not as fatal', async () => {
    const { net, events } = await opened();
    net.only('/api/signal/s1/poll').respond(404, {
      error: { code: 'signal_connection_unknown', message: 'Open a new one.' },
    });
    await flush();
    expect(events.at(-1)).toEqual({ close: [HTTP_SIGNAL_LOST, 'signal_connection_unknown'] });
    expect(net.open()).toEqual([]);
  });

  it('passes the server’s close code on', async () => {
    const { net, events } = await opened();
    net.only('/api/signal/s1/poll').respond(200, {
      messages: [{ type: 'pong' }],
      cursor: 1,
      closed: { code: 4006, reason: 'call restarted' },
    });
    await flush();
    expect(events.slice(2)).toEqual([{ message: { type: 'pong' } }, { close: [4006, 'call restarted'] }]);
    expect(net.open()).toEqual([]);
  });

  it('gives up on a poll that outlives the server’s long-poll time', async () => {
    const { net, timers, events } = await opened();
    timers.advance(29_999);
    expect(net.open('/api/signal/s1/poll')).toHaveLength(1);
    timers.advance(1);
    await flush();
    expect(net.requests.find((r) => r.path.includes('/poll'))?.aborted).toBe(true);
    expect(events.at(-1)).toEqual({ close: [HTTP_SIGNAL_LOST, 'network_error'] });
  });

  it('stops polling and deletes the connection when closed, and tells nobody', async () => {
    const { net, connection, events } = await opened();
    connection.close();
    connection.close();
    await flush();
    expect(net.requests.find((r) => r.path.includes('/poll'))?.aborted).toBe(true);
    expect(net.only('/api/signal/s1')).toMatchObject({ method: 'DELETE' });
    expect(events).toEqual(['open', { message: welcome }]);
    expect(() => connection.send('{"type":"ping"}')).toThrow();
  });

  it('maps a signed-out answer to the sign-in close code', async () => {
    const s = setup();
    const { events, handlers } = recorder();
    s.factory('ws://ignored/ws', handlers);
    s.net.only('/api/signal').respond(401, { error: { code: 'session_expired', message: 'Ended.' } });
    await flush();
    expect(events).toEqual([{ close: [4004, 'Ended.'] }]);
  });

  it('behind a reconnecting socket: resumes on a new connection after signal_connection_unknown', async () => {
    const { net, api, timers } = setup();
    const socket = new ReconnectingSocket({
      url: 'ws://carecall.test/ws',
      createSocket: httpSignalingFactory({ api, timers }),
      timers,
      now: () => timers.now,
      random: () => 0,
    });
    const ready: boolean[] = [];
    socket.events.on('ready', (r) => ready.push(r.reconnected));
    socket.retain('subscribe', { type: 'subscribe', appointmentId: 'a1' });
    socket.connect();
    net.only('/api/signal').respond(200, { connectionId: 's1', welcome, pollTimeoutMs: 25_000 });
    await flush();
    expect(net.only('/api/signal/s1/send').body).toEqual({
      message: { type: 'subscribe', appointmentId: 'a1' },
    });
    net.only('/api/signal/s1/send').respond(204);
    net.only('/api/signal/s1/poll').respond(404, {
      error: { code: 'signal_connection_unknown', message: 'Open a new one.' },
    });
    await flush();
    expect(socket.state).toBe('reconnecting');
    timers.advance(250);
    net.only('/api/signal').respond(200, { connectionId: 's2', welcome, pollTimeoutMs: 25_000 });
    await flush();
    expect(ready).toEqual([false, true]);
    expect(net.only('/api/signal/s2/send').body).toEqual({
      message: { type: 'subscribe', appointmentId: 'a1' },
    });
  });

  it('behind a reconnecting socket: a 4005 close from the server is fatal, with the words for it', async () => {
    const { net, api, timers } = setup();
    const socket = new ReconnectingSocket({
      url: 'ws://carecall.test/ws',
      createSocket: httpSignalingFactory({ api, timers }),
      timers,
      now: () => timers.now,
      random: () => 0,
    });
    const fatal: FatalClose[] = [];
    socket.events.on('fatal', (f) => fatal.push(f));
    socket.connect();
    net.only('/api/signal').respond(200, { connectionId: 's1', welcome, pollTimeoutMs: 25_000 });
    await flush();
    net
      .only('/api/signal/s1/poll')
      .respond(200, { messages: [], cursor: 0, closed: { code: 4005, reason: 'link expired' } });
    await flush();
    expect(socket.state).toBe('failed');
    expect(fatal[0]?.message).toBe('Your call link has expired. Ask the clinic for a new one.');
    timers.advance(60_000);
    expect(net.open('/api/signal')).toEqual([]);
  });
});

describe('fallbackSocketFactory', () => {
  function fallbackSetup(webSocket = true) {
    const ws = fakeSocketFactory();
    const http = fakeSocketFactory();
    const factory = fallbackSocketFactory({ webSocket: webSocket ? ws.factory : null, http: http.factory });
    return { ws, http, factory };
  }
  const { handlers } = recorder();

  it('uses HTTP at once when there is no WebSocket', () => {
    const { http, factory } = fallbackSetup(false);
    factory('ws://x/ws', handlers);
    expect(http.connections).toHaveLength(1);
  });

  it('moves to HTTP after three WebSockets in a row that never opened', () => {
    const { ws, http, factory } = fallbackSetup();
    factory('ws://x/ws', handlers);
    ws.connections[0]?.serverClose(1006);
    factory('ws://x/ws', handlers).close(1000, 'ready timeout');
    factory('ws://x/ws', handlers);
    expect(http.connections).toHaveLength(0);
    ws.connections[2]?.serverClose(1006);
    factory('ws://x/ws', handlers);
    expect(ws.connections).toHaveLength(3);
    expect(http.connections).toHaveLength(1);
  });

  it('keeps WebSockets once one has opened: later losses are network trouble', () => {
    const { ws, http, factory } = fallbackSetup();
    factory('ws://x/ws', handlers);
    ws.connections[0]?.open();
    ws.connections[0]?.serverClose(1006);
    for (let i = 1; i <= 4; i++) {
      factory('ws://x/ws', handlers);
      ws.connections[i]?.serverClose(1006);
    }
    expect(ws.connections).toHaveLength(5);
    expect(http.connections).toHaveLength(0);
  });

  it('counts a WebSocket constructor that throws as a failure', () => {
    const http = fakeSocketFactory();
    const factory = fallbackSocketFactory({
      webSocket: () => {
        throw new Error('blocked');
      },
      http: http.factory,
    });
    for (let i = 0; i < 3; i++) expect(() => factory('ws://x/ws', handlers)).toThrow('blocked');
    factory('ws://x/ws', handlers);
    expect(http.connections).toHaveLength(1);
  });
});
