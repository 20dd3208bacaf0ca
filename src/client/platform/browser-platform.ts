import type { NotificationAccess, Platform } from './platform.js';

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

let audio: AudioContext | null = null;

/** Two short sine tones, high then low, generated on the spot: no sound file to download. */
function playChime(): void {
  const Context =
    window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
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
    enumerateDevices: () =>
      navigator.mediaDevices?.enumerateDevices
        ? navigator.mediaDevices.enumerateDevices()
        : Promise.resolve([]),
    createPeerConnection: (configuration, handlers) => {
      const pc = new RTCPeerConnection(configuration);
      pc.onnegotiationneeded = () => handlers.negotiationNeeded();
      pc.onicecandidate = (event) => handlers.iceCandidate(event.candidate);
      pc.ontrack = (event) => handlers.track(event.track, event.streams);
      pc.onconnectionstatechange = () => handlers.connectionStateChange(pc.connectionState);
      return pc;
    },
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
