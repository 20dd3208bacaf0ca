import type { NotificationAccess, Platform } from '../platform/platform.js';
import { FakeTimers } from './fake-timers.js';

export interface FakePlatform extends Platform {
  readonly navigated: string[];
  readonly replaced: string[];
  /** Addresses set with replaceUrl (history.replaceState). */
  readonly urls: string[];
  readonly storage: Map<string, string>;
  readonly tabStorage: Map<string, string>;
  readonly fakeTimers: FakeTimers;
  readonly copied: string[];
  readonly notifications: string[];
  chimes: number;
  /** What Notification.permission says; requestNotificationPermission answers `grantOnRequest`. */
  notificationAccess: NotificationAccess;
  grantOnRequest: NotificationAccess;
  /** Makes copyText reject. */
  clipboardBroken: boolean;
  /** Plays the tab going to the background. */
  hide(): void;
}

function notInTests(): never {
  throw new Error('not available in this test');
}

export function fakePlatform(overrides: Partial<Platform> = {}): FakePlatform {
  const timers = new FakeTimers();
  const hiddenListeners = new Set<() => void>();
  let id = 0;
  const platform: FakePlatform = {
    pathname: '/',
    search: '',
    hash: '',
    referrerPath: null,
    navigate: (path) => platform.navigated.push(path),
    replace: (path) => platform.replaced.push(path),
    replaceUrl: (path) => platform.urls.push(path),
    readStorage: (key) => platform.storage.get(key) ?? null,
    writeStorage: (key, value) => platform.storage.set(key, value),
    readTabStorage: (key) => platform.tabStorage.get(key) ?? null,
    writeTabStorage: (key, value) => {
      if (value === null) platform.tabStorage.delete(key);
      else platform.tabStorage.set(key, value);
    },
    newId: () => `id-${++id}`,
    now: () => timers.now,
    random: () => 0.5,
    timers,
    fetch: notInTests,
    socketUrl: (path) => `ws://carecall.test${path}`,
    webSocketSupported: true,
    createSocket: notInTests,
    getUserMedia: notInTests,
    enumerateDevices: async () => [],
    createPeerConnection: notInTests,
    createMediaStream: notInTests,
    reload: () => undefined,
    onPageHide: () => () => undefined,
    onRestoredFromCache: () => () => undefined,
    onOnline: () => () => undefined,
    onHidden: (listener) => {
      hiddenListeners.add(listener);
      return () => hiddenListeners.delete(listener);
    },
    copyText: async (text) => {
      if (platform.clipboardBroken) throw new Error('Clipboard blocked.');
      platform.copied.push(text);
    },
    playChime: () => {
      platform.chimes++;
    },
    notificationPermission: () => platform.notificationAccess,
    requestNotificationPermission: async () => {
      platform.notificationAccess = platform.grantOnRequest;
      return platform.notificationAccess;
    },
    showNotification: (title) => {
      if (platform.notificationAccess === 'granted') platform.notifications.push(title);
    },
    ...overrides,
    navigated: [],
    replaced: [],
    urls: [],
    storage: new Map(),
    tabStorage: new Map(),
    fakeTimers: timers,
    copied: [],
    notifications: [],
    chimes: 0,
    notificationAccess: 'default',
    grantOnRequest: 'granted',
    clipboardBroken: false,
    hide: () => {
      for (const listener of [...hiddenListeners]) listener();
    },
  };
  return platform;
}
