import type { NotificationAccess, PermissionAccess, Platform } from '../platform/platform.js';
import { FakeTimers } from './fake-timers.js';

export interface FakePlatform extends Platform {
  readonly navigated: string[];
  readonly replaced: string[];
  /** How many times the page asked to be loaded again. */
  reloads: number;
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
  /** What permissionState answers, per device kind. */
  permissions: Record<'camera' | 'microphone', PermissionAccess>;
  /** The level every fake audio level meter reads (null: audio held back until a click). */
  micLevel: number | null;
  readonly levelMeters: FakeLevelMeter[];
  /** The speaker of each playTestSound call (null: the default one). */
  readonly testSounds: Array<string | null>;
}

export interface FakeLevelMeter {
  readonly stream: MediaStream;
  resumed: number;
  closed: boolean;
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
    getDisplayMedia: null,
    enumerateDevices: async () => [],
    onDeviceChange: () => () => undefined,
    fullscreen: null,
    createPeerConnection: notInTests,
    createMediaStream: notInTests,
    createRtcPeerConnection: notInTests,
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
    secureContext: true,
    peerConnectionSupported: true,
    getUserMediaSupported: true,
    speakerSelectionSupported: true,
    permissionState: async (name) => platform.permissions[name],
    createAudioLevelMeter: (stream) => {
      if (stream.getAudioTracks().length === 0) return null;
      const meter: FakeLevelMeter = { stream, resumed: 0, closed: false };
      platform.levelMeters.push(meter);
      return {
        level: () => platform.micLevel,
        resume: () => {
          meter.resumed++;
        },
        close: () => {
          meter.closed = true;
        },
      };
    },
    playTestSound: async (sinkId) => {
      platform.testSounds.push(sinkId);
    },
    reload: () => {
      platform.reloads++;
    },
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
    reloads: 0,
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
    permissions: { camera: 'prompt', microphone: 'prompt' },
    micLevel: 0,
    levelMeters: [],
    testSounds: [],
  };
  return platform;
}
