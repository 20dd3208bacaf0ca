import type { Platform } from '../platform/platform.js';
import { ReconnectingSocket } from '../ws/reconnecting-socket.js';
import { type FakePlatform, fakePlatform } from './fake-platform.js';
import { type FakeConnection, fakeSocketFactory } from './fake-socket.js';

/** A fake platform and a reconnecting socket on fake connections, as a page's view model gets them. */
export function pageHarness(overrides: Partial<Platform>): {
  platform: FakePlatform;
  socket: ReconnectingSocket;
  connection: () => FakeConnection;
  connections: FakeConnection[];
} {
  const { factory, connections } = fakeSocketFactory();
  const platform = fakePlatform({ ...overrides, createSocket: factory });
  const socket = new ReconnectingSocket({
    url: 'ws://carecall.test/ws',
    createSocket: factory,
    timers: platform.fakeTimers,
    now: platform.now,
    random: () => 0,
  });
  const connection = (): FakeConnection => {
    const c = connections.at(-1);
    if (!c) throw new Error('no socket');
    return c;
  };
  return { platform, socket, connection, connections };
}
