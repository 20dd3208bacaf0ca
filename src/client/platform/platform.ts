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
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  readonly createPeerConnection: PeerConnectionFactory;
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

export type NotificationAccess = NotificationPermission | 'unsupported';
