import type { FetchLike } from '../api/http-client.js';
import type { GetUserMedia } from '../call/media.js';
import type { PeerConnectionFactory } from '../call/peer-connection.js';
import type { Timers } from '../lib/timers.js';
import type { SocketFactory } from '../ws/reconnecting-socket.js';

/** Everything the pages need from the browser. Only browser-platform.ts implements it. */
export interface Platform {
  readonly pathname: string;
  readonly search: string;
  /** The previous page's path when it was on this site. */
  readonly referrerPath: string | null;
  /** Goes to a page, adding a history entry. */
  navigate(path: string): void;
  /** Goes to a page in place of this one (after sign-in, out of a call). */
  replace(path: string): void;
  readStorage(key: string): string | null;
  writeStorage(key: string, value: string): void;
  newId(): string;
  now(): number;
  random(): number;
  readonly timers: Timers;
  readonly fetch: FetchLike;
  /** The same-origin ws:/wss: URL for a path. */
  socketUrl(path: string): string;
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
}
