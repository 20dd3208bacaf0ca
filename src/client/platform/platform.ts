import type { FetchLike } from '../api/http-client.js';
import type { GetUserMedia } from '../call/media.js';
import type { PeerConnectionFactory } from '../call/peer-connection.js';
import type { Timers } from '../lib/timers.js';
import type { SocketFactory } from '../ws/reconnecting-socket.js';

/** Everything the pages need from the browser. Only browser-platform.ts implements it. */
export interface Platform {
  readonly pathname: string;
  readonly search: string;
  /** The address's fragment including `#`, or ''. */
  readonly hash: string;
  /** The previous page's path when it was on this site. */
  readonly referrerPath: string | null;
  /** Goes to a page, adding a history entry. */
  navigate(path: string): void;
  /** Goes to a page in place of this one (after sign-in, out of a call). */
  replace(path: string): void;
  /** Changes the address bar without loading a page or adding a history entry (history.replaceState). */
  replaceUrl(path: string): void;
  readStorage(key: string): string | null;
  writeStorage(key: string, value: string): void;
  /** Per-tab storage (sessionStorage); `null` removes the key. */
  readTabStorage(key: string): string | null;
  writeTabStorage(key: string, value: string | null): void;
  newId(): string;
  now(): number;
  random(): number;
  readonly timers: Timers;
  readonly fetch: FetchLike;
  /** The same-origin ws:/wss: URL for a path. */
  socketUrl(path: string): string;
  /** False when the browser (or a policy) offers no WebSocket; signaling then goes over HTTP. */
  readonly webSocketSupported: boolean;
  readonly createSocket: SocketFactory;
  readonly getUserMedia: GetUserMedia;
  /** Screen capture; null where the browser has none (mobile browsers): the share control is hidden. */
  readonly getDisplayMedia: ((options: DisplayMediaStreamOptions) => Promise<MediaStream>) | null;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  /** A camera, microphone or headset was plugged in or removed (`devicechange`). */
  onDeviceChange(listener: () => void): () => void;
  /** The Fullscreen API (also webkit-prefixed); null where there is none, e.g. Safari on iPhone. */
  readonly fullscreen: FullscreenControl | null;
  readonly createPeerConnection: PeerConnectionFactory;
  /** A bare RTCPeerConnection: the device test page's connection test makes two and connects them. */
  createRtcPeerConnection(configuration: RTCConfiguration): RTCPeerConnection;
  /** The browser's user agent, only to choose which browser's instructions to show. */
  readonly userAgent: string;
  /** https or localhost: browsers give the camera and microphone only to secure pages. */
  readonly secureContext: boolean;
  readonly peerConnectionSupported: boolean;
  /** `navigator.mediaDevices.getUserMedia` exists (it does not on insecure pages or in old browsers). */
  readonly getUserMediaSupported: boolean;
  /** The speaker can be chosen (`HTMLMediaElement.prototype.setSinkId`). */
  readonly speakerSelectionSupported: boolean;
  /** What the Permissions API says about the camera or microphone; 'unknown' where it cannot say. */
  permissionState(name: 'camera' | 'microphone'): Promise<PermissionAccess>;
  /** A live level of a stream's microphone (WebAudio AnalyserNode); null without WebAudio or audio. */
  createAudioLevelMeter(stream: MediaStream): AudioLevelMeter | null;
  /** Plays a short test melody on a speaker (null: the default one); resolves when it has finished. */
  playTestSound(sinkId: string | null): Promise<void>;
  createMediaStream(): MediaStream;
  reload(): void;
  onPageHide(listener: () => void): () => void;
  /** A page restored from the back-forward cache has closed its sockets and camera on the way out. */
  onRestoredFromCache(listener: () => void): () => void;
  onOnline(listener: () => void): () => void;
  /** The tab went to the background (visibilitychange to hidden). */
  onHidden(listener: () => void): () => void;
  /** Copies text with the clipboard API; rejects when the browser refuses. */
  copyText(text: string): Promise<void>;
  /** A short two-tone sound (WebAudio); silent when audio is unavailable or not yet allowed. */
  playChime(): void;
  notificationPermission(): NotificationAccess;
  requestNotificationPermission(): Promise<NotificationAccess>;
  /** Shows a system notification; does nothing without permission. */
  showNotification(title: string): void;
}

export interface FullscreenControl {
  /** Whether an element of this page is shown full screen now. */
  isActive(): boolean;
  /** Shows the element full screen; rejects when the browser refuses (no user gesture, a policy). */
  enter(element: Element): Promise<void>;
  exit(): Promise<void>;
  /** Full screen was entered or left, also with the browser's own controls (Escape). */
  onChange(listener: () => void): () => void;
}

export type NotificationAccess = NotificationPermission | 'unsupported';

export type PermissionAccess = 'granted' | 'denied' | 'prompt' | 'unknown';

export interface AudioLevelMeter {
  /**
   * From 0 (silence) to 1 (loud), on a decibel scale so that speech moves it visibly; null while the
   * browser holds audio back because nobody has clicked or typed on the page yet.
   */
  level(): number | null;
  /** Starts audio held back by the browser; works from a click (the first click or key does it anyway). */
  resume(): void;
  close(): void;
}
