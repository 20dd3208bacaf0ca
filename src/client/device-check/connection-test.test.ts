import { describe, expect, it } from 'vitest';
import type { IceConfig } from '../../protocol/api.js';
import { ApiClient } from '../api/http-client.js';
import { fakeApi, type Route } from '../testing/fake-api.js';
import { fakePlatform } from '../testing/fake-platform.js';
import type { SocketFactory } from '../ws/reconnecting-socket.js';
import type { PathMeasurement, ProbeOptions } from './connection-probe.js';
import { ConnectionTest, formatBitrate, serversFor } from './connection-test.js';

const TURN_CONFIG: IceConfig = {
  iceServers: [
    { urls: ['stun:stun.clinic.example:3478'] },
    {
      urls: ['turn:turn.clinic.example:3478?transport=udp', 'turns:turn.clinic.example:5349'],
      username: '1700000600:p1',
      credential: 'c2VjcmV0',
    },
  ],
  iceTransportPolicy: 'all',
  expiresAt: 1_700_000_600_000,
};

const NO_TURN: IceConfig = { iceServers: [], iceTransportPolicy: 'all', expiresAt: null };

/** A server that welcomes every socket and answers every ping at once. */
const answeringServer: SocketFactory = (_url, handlers) => {
  queueMicrotask(() => {
    handlers.open();
    handlers.message(
      JSON.stringify({ type: 'welcome', v: 1, user: { id: 'p1', role: 'patient', displayName: 'Pat' } }),
    );
  });
  return {
    send: (data) => {
      const message = JSON.parse(data) as { type: string; id?: string };
      if (message.type === 'ping')
        queueMicrotask(() => handlers.message(JSON.stringify({ type: 'pong', id: message.id })));
    },
    close: () => undefined,
  };
};

/** An upgrade refused or blocked: the browser only sees the socket close. */
const refusingServer: SocketFactory = (_url, handlers) => {
  queueMicrotask(() => handlers.close(1006, ''));
  return { send: () => undefined, close: () => undefined };
};

function measured(overrides: Partial<PathMeasurement> = {}): PathMeasurement {
  return {
    connected: true,
    failure: null,
    candidateType: 'host',
    gathered: ['host'],
    iceErrors: [],
    rttMs: 1,
    lossPercent: null,
    bitrateKbps: null,
    bitrateCapped: false,
    ...overrides,
  };
}

const RELAY_HD = measured({
  candidateType: 'relay',
  gathered: ['relay'],
  rttMs: 24,
  lossPercent: 0,
  bitrateKbps: 5000,
  bitrateCapped: true,
});

function setup(options: {
  routes: Route[];
  socket?: SocketFactory;
  direct?: PathMeasurement;
  relay?: PathMeasurement;
}) {
  const api = fakeApi(options.routes);
  const platform = fakePlatform({ createSocket: options.socket ?? answeringServer });
  const probes: Array<{ configuration: RTCConfiguration; options: ProbeOptions }> = [];
  const test = new ConnectionTest(new ApiClient(api.fetch), platform, async (configuration, probeOptions) => {
    probes.push({ configuration, options: probeOptions });
    return configuration.iceTransportPolicy === 'relay'
      ? (options.relay ?? RELAY_HD)
      : (options.direct ?? measured());
  });
  return { test, probes, api };
}

const iceServers = (body: unknown, status = 200): Route => ({
  method: 'GET',
  path: '/api/ice-servers',
  status,
  body,
});

function outcomes(test: ConnectionTest): Record<string, string> {
  return Object.fromEntries(test.state.steps.map((step) => [step.id, step.outcome]));
}

describe('serversFor and formatBitrate', () => {
  it('splits STUN from TURN URLs, keeping the credentials with TURN', () => {
    expect(serversFor(TURN_CONFIG.iceServers, 'stun')).toEqual([{ urls: ['stun:stun.clinic.example:3478'] }]);
    expect(serversFor(TURN_CONFIG.iceServers, 'turn')).toEqual([
      {
        urls: ['turn:turn.clinic.example:3478?transport=udp', 'turns:turn.clinic.example:5349'],
        username: '1700000600:p1',
        credential: 'c2VjcmV0',
      },
    ]);
    expect(formatBitrate(5000)).toBe('5.0 Mbit/s');
    expect(formatBitrate(640)).toBe('640 kbit/s');
  });
});

describe('ConnectionTest', () => {
  it('tests the server, a direct path and the relay path, and says the connection is good for HD video', async () => {
    const { test, probes } = setup({ routes: [iceServers(TURN_CONFIG)] });
    await test.run();
    expect(outcomes(test)).toEqual({ server: 'pass', direct: 'pass', relay: 'pass' });
    expect(probes).toEqual([
      {
        configuration: {
          iceServers: [{ urls: ['stun:stun.clinic.example:3478'] }],
          iceTransportPolicy: 'all',
        },
        options: { throughput: false },
      },
      {
        configuration: {
          iceServers: serversFor(TURN_CONFIG.iceServers, 'turn'),
          iceTransportPolicy: 'relay',
        },
        options: { throughput: true },
      },
    ]);
    expect(test.state.verdict?.headline).toBe('Your connection is good for HD video.');
    expect(test.state.figures.map((f) => [f.id, f.value])).toEqual([
      ['server-rtt', '0 ms'],
      ['direct', 'works (host candidate)'],
      ['relay', 'works (relay candidate)'],
      ['relay-rtt', '24 ms'],
      ['loss', '0 %'],
      ['bitrate', 'at least 5.0 Mbit/s'],
    ]);
    expect(test.state.steps.find((s) => s.id === 'relay')).toMatchObject({
      label: "Video through the clinic's relay server",
      detail: "Video gets through the clinic's relay server.",
      technical:
        'Data went through the relay (relay candidate): round trip 24 ms, packet loss 0 %, at least 5.0 Mbit/s.',
    });
    for (const step of test.state.steps) {
      expect(`${step.label} ${step.detail}`).not.toMatch(/TURN|STUN|WebSocket|WebRTC|candidate|\bms\b/);
    }
    expect(test.state.running).toBe(false);
  });

  it('words the result from the measured numbers', async () => {
    const poor = setup({
      routes: [iceServers(TURN_CONFIG)],
      relay: { ...RELAY_HD, bitrateKbps: 400, bitrateCapped: false, lossPercent: 9 },
    });
    await poor.test.run();
    expect(poor.test.state.verdict?.headline).toBe('Your connection may only be good enough for sound.');
    expect(poor.test.state.verdict?.problems).toEqual(['poor-quality']);
    expect(poor.test.state.figures.find((f) => f.id === 'bitrate')?.value).toBe('400 kbit/s');
  });

  it('says the relay is not reachable when TURN gave no address, and why', async () => {
    const refused = measured({
      connected: false,
      failure: 'no-candidates',
      candidateType: null,
      gathered: [],
      iceErrors: [401],
      rttMs: null,
    });
    const unreachable = setup({ routes: [iceServers(TURN_CONFIG)], relay: { ...refused, iceErrors: [701] } });
    await unreachable.test.run();
    expect(unreachable.test.state.steps.find((s) => s.id === 'relay')?.technical).toMatch(
      /^The TURN server could not be reached/,
    );
    const { test } = setup({ routes: [iceServers(TURN_CONFIG)], relay: refused });
    await test.run();
    expect(outcomes(test)['relay']).toBe('fail');
    expect(test.state.steps.find((s) => s.id === 'relay')).toMatchObject({
      detail: "Video could not get through the clinic's relay server.",
      technical: expect.stringMatching(/^The TURN server refused the credentials carecall gave/),
    });
    expect(test.state.verdict?.headline).toBe(
      "Video can get through directly, but not through the clinic's relay server.",
    );
    expect(test.state.figures.find((f) => f.id === 'relay')?.value).toBe('failed');
  });

  it('tests direct connections only, and says so, when no relay is configured', async () => {
    const { test, probes } = setup({ routes: [iceServers(NO_TURN)] });
    await test.run();
    expect(outcomes(test)).toEqual({ server: 'pass', direct: 'pass', relay: 'skipped' });
    expect(probes).toHaveLength(1);
    expect(test.state.verdict?.headline).toBe('Video can get through from this device.');
    expect(test.state.verdict?.notes.at(-1)).toMatch(/^Not checked: your internet speed/);
    expect(test.state.steps.find((s) => s.id === 'relay')?.detail).toBe(
      'Not checked: this clinic has no relay server.',
    );
    expect(test.state.figures.find((f) => f.id === 'relay')?.value).toBe('no relay configured');
  });

  it('still tests what it can for someone signed out, and asks them to sign in', async () => {
    const sockets: string[] = [];
    const { test, probes } = setup({
      routes: [iceServers({ error: { code: 'unauthenticated', message: 'Sign in.' } }, 401)],
      socket: (url, handlers) => {
        sockets.push(url);
        return answeringServer(url, handlers);
      },
    });
    await test.run();
    expect(outcomes(test)).toEqual({ server: 'skipped', direct: 'pass', relay: 'skipped' });
    expect(sockets).toEqual([]);
    expect(probes.map((p) => p.configuration)).toEqual([{ iceServers: [], iceTransportPolicy: 'all' }]);
    expect(test.state.verdict?.next).toMatch(/sign in or open your call link/);
    expect(test.state.figures.find((f) => f.id === 'relay')?.value).toBe('not tested');
  });

  it('recognises an expired sign-in or call link', async () => {
    const { test } = setup({
      routes: [iceServers({ error: { code: 'session_expired', message: 'Expired.' } }, 401)],
    });
    await test.run();
    expect(outcomes(test)['server']).toBe('fail');
    expect(test.state.verdict?.problems).toEqual(['expired']);
  });

  it('reports a blocked WebSocket and still measures the relay', async () => {
    const { test } = setup({ routes: [iceServers(TURN_CONFIG)], socket: refusingServer });
    await test.run();
    expect(outcomes(test)).toEqual({ server: 'fail', direct: 'pass', relay: 'pass' });
    expect(test.state.verdict?.problems).toEqual(['websocket-blocked']);
    expect(test.state.figures.some((f) => f.id === 'server-rtt')).toBe(false);
  });

  it('shows the server error and does not run twice at once', async () => {
    const { test, probes } = setup({
      routes: [iceServers({ error: { code: 'internal', message: 'Something went wrong.' } }, 500)],
    });
    const first = test.run();
    const second = test.run();
    await Promise.all([first, second]);
    expect(probes).toHaveLength(1);
    expect(test.state.steps.find((s) => s.id === 'server')).toMatchObject({
      outcome: 'fail',
      detail: 'Something went wrong.',
    });
    expect(test.state.verdict?.headline).toBe('The clinic could not be reached to finish the test.');
    expect(test.state.verdict?.next).toBe('Wait a minute, then test again.');
  });
});
