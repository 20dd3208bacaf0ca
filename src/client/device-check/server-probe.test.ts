import { describe, expect, it } from 'vitest';
import { fakePlatform } from '../testing/fake-platform.js';
import { fakeSocketFactory } from '../testing/fake-socket.js';
import { probeServer, SERVER_PROBE_TIMEOUT_MS } from './server-probe.js';

function setup(overrides: { webSocketSupported?: boolean } = {}) {
  const { factory, connections } = fakeSocketFactory();
  const platform = fakePlatform({ createSocket: factory, ...overrides });
  return { platform, connections };
}

async function flush(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('probeServer', () => {
  it('opens /ws, waits for welcome, times three pings and closes as a leaving tab', async () => {
    const { platform, connections } = setup();
    const result = probeServer(platform);
    const connection = connections[0];
    expect(connection?.url).toBe('ws://carecall.test/ws');
    connection?.welcome();
    for (const rtt of [30, 10, 20]) {
      const ping = connection?.sent.at(-1) as { type: string; id?: string } | undefined;
      expect(ping?.type).toBe('ping');
      platform.fakeTimers.advance(rtt);
      connection?.receive({ type: 'pong', id: ping?.id });
    }
    expect(await result).toEqual({ ok: true, rttMs: 20 });
    expect(connection?.sent).toHaveLength(3);
    expect(connection?.closedWith?.code).toBe(1000);
  });

  it('fails when the socket closes before welcome (an upgrade refused or blocked)', async () => {
    const { platform, connections } = setup();
    const result = probeServer(platform);
    connections[0]?.serverClose(1006);
    expect(await result).toEqual({ ok: false, reason: 'closed' });
  });

  it('gives up after the timeout, and reports a missing WebSocket without trying', async () => {
    const { platform, connections } = setup();
    const result = probeServer(platform);
    platform.fakeTimers.advance(SERVER_PROBE_TIMEOUT_MS);
    await flush();
    expect(await result).toEqual({ ok: false, reason: 'timeout' });
    expect(connections[0]?.closedWith?.code).toBe(1000);
    const unsupported = setup({ webSocketSupported: false });
    expect(await probeServer(unsupported.platform)).toEqual({ ok: false, reason: 'unsupported' });
    expect(unsupported.connections).toHaveLength(0);
  });
});
