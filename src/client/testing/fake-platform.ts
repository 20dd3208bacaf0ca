import type { Platform } from '../platform/platform.js';
import { FakeTimers } from './fake-timers.js';

export interface FakePlatform extends Platform {
  readonly navigated: string[];
  readonly replaced: string[];
  readonly storage: Map<string, string>;
  readonly fakeTimers: FakeTimers;
}

function notInTests(): never {
  throw new Error('not available in this test');
}

export function fakePlatform(overrides: Partial<Platform> = {}): FakePlatform {
  const navigated: string[] = [];
  const replaced: string[] = [];
  const storage = new Map<string, string>();
  const timers = new FakeTimers();
  let id = 0;
  return {
    pathname: '/',
    search: '',
    referrerPath: null,
    navigate: (path) => navigated.push(path),
    replace: (path) => replaced.push(path),
    readStorage: (key) => storage.get(key) ?? null,
    writeStorage: (key, value) => storage.set(key, value),
    newId: () => `id-${++id}`,
    now: () => timers.now,
    random: () => 0.5,
    timers,
    fetch: notInTests,
    socketUrl: (path) => `ws://carecall.test${path}`,
    createSocket: notInTests,
    getUserMedia: notInTests,
    enumerateDevices: async () => [],
    createPeerConnection: notInTests,
    createMediaStream: notInTests,
    reload: () => undefined,
    onPageHide: () => () => undefined,
    onRestoredFromCache: () => () => undefined,
    onOnline: () => () => undefined,
    ...overrides,
    navigated,
    replaced,
    storage,
    fakeTimers: timers,
  };
}
