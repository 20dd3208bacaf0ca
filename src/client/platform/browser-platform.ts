import type {
  AudioLevelMeter,
  FullscreenControl,
  NotificationAccess,
  PermissionAccess,
  Platform,
} from './platform.js';

function randomUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID exists only in secure contexts; a LAN test over plain http still needs ids.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function referrerPath(): string | null {
  if (!document.referrer) return null;
  try {
    const url = new URL(document.referrer);
    return url.origin === location.origin ? `${url.pathname}${url.search}` : null;
  } catch {
    return null;
  }
}

function unsupportedMedia(): Promise<never> {
  const error = new Error('Media devices are not available.');
  error.name = 'NotSupportedError';
  return Promise.reject(error);
}

function tabStorage(): Storage | null {
  try {
    return sessionStorage;
  } catch {
    return null;
  }
}

function notificationAccess(): NotificationAccess {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

function audioContextClass(): typeof AudioContext | null {
  return (
    window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext ?? null
  );
}

let audio: AudioContext | null = null;

/** Two short sine tones, high then low, generated on the spot: no sound file to download. */
function playChime(): void {
  const Context = audioContextClass();
  if (!Context) return;
  try {
    audio ??= new Context();
    // Browsers start audio suspended until the user has interacted with the page; then this is silent.
    void audio.resume().catch(() => undefined);
    const start = audio.currentTime + 0.01;
    [880, 660].forEach((frequency, index) => {
      if (!audio) return;
      const at = start + index * 0.18;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.17);
    });
  } catch {
    // no sound is better than a broken page
  }
}

type PrefixedDocument = Document & {
  webkitFullscreenEnabled?: boolean;
  webkitFullscreenElement?: Element | null;
  webkitExitFullscreen?: () => Promise<void> | undefined;
};
type PrefixedElement = Element & { webkitRequestFullscreen?: () => Promise<void> | undefined };

/** Safari on iPad has only the webkit-prefixed API; Safari on iPhone has none for a page. */
function fullscreenControl(): FullscreenControl | null {
  const doc = document as PrefixedDocument;
  if (!doc.fullscreenEnabled && !doc.webkitFullscreenEnabled) return null;
  return {
    isActive: () => (doc.fullscreenElement ?? doc.webkitFullscreenElement ?? null) !== null,
    enter: async (element) => {
      const target = element as PrefixedElement;
      if (target.requestFullscreen) await target.requestFullscreen();
      else await target.webkitRequestFullscreen?.();
    },
    exit: async () => {
      if (!(doc.fullscreenElement ?? doc.webkitFullscreenElement)) return;
      if (doc.exitFullscreen) await doc.exitFullscreen();
      else await doc.webkitExitFullscreen?.();
    },
    onChange: (listener) => {
      const off = [
        listen(doc, 'fullscreenchange', listener),
        listen(doc, 'webkitfullscreenchange', listener),
      ];
      return () => {
        for (const dispose of off) dispose();
      };
    },
  };
}

/** Quieter than this (decibels below full scale) reads as silence on the level meter. */
const METER_FLOOR_DB = -60;

function createAudioLevelMeter(stream: MediaStream): AudioLevelMeter | null {
  const Context = audioContextClass();
  if (!Context || stream.getAudioTracks().length === 0) return null;
  try {
    const context = new Context();
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const resume = () => void context.resume().catch(() => undefined);
    resume();
    // Chrome keeps a context made before any click or key press suspended: the first one starts it.
    const offGesture = [listen(window, 'pointerdown', resume), listen(window, 'keydown', resume)];
    return {
      level: () => {
        if (context.state !== 'running') return null;
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        const rms = Math.sqrt(sum / samples.length);
        if (rms <= 0) return 0;
        const db = 20 * Math.log10(rms);
        return Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB));
      },
      resume,
      close: () => {
        for (const off of offGesture) off();
        source.disconnect();
        void context.close().catch(() => undefined);
      },
    };
  } catch {
    return null;
  }
}

const TEST_MELODY_HZ = [523.25, 659.25, 783.99];
const TEST_NOTE_SECONDS = 0.32;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

/**
 * Three rising notes. A chosen speaker needs an <audio> element (setSinkId); the default one is
 * played straight from WebAudio, which works in more browsers.
 */
async function playTestSound(sinkId: string | null): Promise<void> {
  const Context = audioContextClass();
  if (!Context) throw new Error('This browser cannot play sound from a page.');
  const context = new Context();
  let element: HTMLAudioElement | null = null;
  try {
    await Promise.race([context.resume(), delay(1000)]);
    if (context.state !== 'running') throw new Error('The browser did not allow this page to play sound.');
    let output: AudioNode = context.destination;
    if (sinkId) {
      const destination = context.createMediaStreamDestination();
      element = new Audio();
      element.srcObject = destination.stream;
      await element.setSinkId(sinkId);
      await element.play();
      output = destination;
    }
    const start = context.currentTime + 0.05;
    TEST_MELODY_HZ.forEach((frequency, index) => {
      const at = start + index * TEST_NOTE_SECONDS;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + TEST_NOTE_SECONDS - 0.02);
      oscillator.connect(gain).connect(output);
      oscillator.start(at);
      oscillator.stop(at + TEST_NOTE_SECONDS);
    });
    await delay((0.05 + TEST_MELODY_HZ.length * TEST_NOTE_SECONDS + 0.1) * 1000);
  } finally {
    if (element) {
      element.pause();
      element.srcObject = null;
    }
    await context.close().catch(() => undefined);
  }
}

async function permissionState(name: 'camera' | 'microphone'): Promise<PermissionAccess> {
  try {
    if (!navigator.permissions?.query) return 'unknown';
    const status = await navigator.permissions.query({ name: name as PermissionName });
    return status.state;
  } catch {
    // Firefox long refused these names; older Safari has no Permissions API at all.
    return 'unknown';
  }
}

function listen(target: EventTarget, type: string, listener: () => void): () => void {
  target.addEventListener(type, listener);
  return () => target.removeEventListener(type, listener);
}

/** The one place that touches window, location, storage and navigator. */
export function browserPlatform(): Platform {
  return {
    pathname: location.pathname,
    search: location.search,
    hash: location.hash,
    referrerPath: referrerPath(),
    navigate: (path) => location.assign(path),
    replace: (path) => location.replace(path),
    replaceUrl: (path) => history.replaceState(history.state, '', path),
    readStorage: (key) => {
      try {
        return localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    writeStorage: (key, value) => {
      try {
        localStorage.setItem(key, value);
      } catch {
        // storage may be disabled (private mode); the choice just is not remembered
      }
    },
    readTabStorage: (key) => {
      try {
        return tabStorage()?.getItem(key) ?? null;
      } catch {
        return null;
      }
    },
    writeTabStorage: (key, value) => {
      try {
        if (value === null) tabStorage()?.removeItem(key);
        else tabStorage()?.setItem(key, value);
      } catch {
        // not remembered; the page asks the server instead
      }
    },
    newId: randomUuid,
    now: () => Date.now(),
    random: () => Math.random(),
    timers: {
      setTimeout: (callback, ms) => window.setTimeout(callback, ms),
      clearTimeout: (handle) => window.clearTimeout(handle as number),
      setInterval: (callback, ms) => window.setInterval(callback, ms),
      clearInterval: (handle) => window.clearInterval(handle as number),
    },
    fetch: (url, init) => window.fetch(url, init),
    socketUrl: (path) => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`,
    webSocketSupported: typeof WebSocket === 'function',
    createSocket: (url, handlers) => {
      const ws = new WebSocket(url);
      ws.onopen = () => handlers.open();
      ws.onmessage = (event) => {
        if (typeof event.data === 'string') handlers.message(event.data);
      };
      ws.onclose = (event) => handlers.close(event.code, event.reason);
      return {
        send: (data) => ws.send(data),
        close: (code, reason) => ws.close(code, reason),
      };
    },
    getUserMedia: (constraints) =>
      navigator.mediaDevices?.getUserMedia
        ? navigator.mediaDevices.getUserMedia(constraints)
        : unsupportedMedia(),
    getDisplayMedia:
      typeof navigator.mediaDevices?.getDisplayMedia === 'function'
        ? (options) => navigator.mediaDevices.getDisplayMedia(options)
        : null,
    onDeviceChange: (listener) => {
      const devices = navigator.mediaDevices;
      if (!devices?.addEventListener) return () => undefined;
      devices.addEventListener('devicechange', listener);
      return () => devices.removeEventListener('devicechange', listener);
    },
    enumerateDevices: () =>
      navigator.mediaDevices?.enumerateDevices
        ? navigator.mediaDevices.enumerateDevices()
        : Promise.resolve([]),
    fullscreen: fullscreenControl(),
    createPeerConnection: (configuration, handlers) => {
      const pc = new RTCPeerConnection(configuration);
      pc.onnegotiationneeded = () => handlers.negotiationNeeded();
      pc.onicecandidate = (event) => handlers.iceCandidate(event.candidate);
      pc.ontrack = (event) => handlers.track(event.track, event.streams);
      pc.onconnectionstatechange = () => handlers.connectionStateChange(pc.connectionState);
      return pc;
    },
    createRtcPeerConnection: (configuration) => new RTCPeerConnection(configuration),
    userAgent: navigator.userAgent,
    secureContext: window.isSecureContext,
    peerConnectionSupported: typeof RTCPeerConnection === 'function',
    getUserMediaSupported: typeof navigator.mediaDevices?.getUserMedia === 'function',
    speakerSelectionSupported:
      typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype,
    permissionState,
    createAudioLevelMeter,
    playTestSound,
    createMediaStream: () => new MediaStream(),
    reload: () => location.reload(),
    onPageHide: (listener) => listen(window, 'pagehide', listener),
    onRestoredFromCache: (listener) => {
      const onShow = (event: PageTransitionEvent) => {
        if (event.persisted) listener();
      };
      window.addEventListener('pageshow', onShow);
      return () => window.removeEventListener('pageshow', onShow);
    },
    onOnline: (listener) => listen(window, 'online', listener),
    onHidden: (listener) => {
      const onChange = () => {
        if (document.visibilityState === 'hidden') listener();
      };
      document.addEventListener('visibilitychange', onChange);
      return () => document.removeEventListener('visibilitychange', onChange);
    },
    copyText: (text) =>
      navigator.clipboard?.writeText
        ? navigator.clipboard.writeText(text)
        : Promise.reject(new Error('The clipboard is not available.')),
    playChime,
    notificationPermission: notificationAccess,
    requestNotificationPermission: async () => {
      if (typeof Notification === 'undefined') return 'unsupported';
      try {
        return await Notification.requestPermission();
      } catch {
        return notificationAccess();
      }
    },
    showNotification: (title) => {
      if (notificationAccess() !== 'granted') return;
      try {
        new Notification(title, { tag: title });
      } catch {
        // Chrome on Android allows notifications only from a service worker; the badge and sound remain
      }
    },
  };
}
