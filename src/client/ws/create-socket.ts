import type { ApiClient } from '../api/http-client.js';
import type { Platform } from '../platform/platform.js';
import { fallbackSocketFactory, httpSignalingFactory } from './http-signaling.js';
import { ReconnectingSocket } from './reconnecting-socket.js';

/** The page's signaling connection: a WebSocket, or the HTTP fallback where WebSockets cannot get through. */
export function createSignalingSocket(platform: Platform, api: ApiClient): ReconnectingSocket {
  return new ReconnectingSocket({
    url: platform.socketUrl('/ws'),
    createSocket: fallbackSocketFactory({
      webSocket: platform.webSocketSupported ? platform.createSocket : null,
      http: httpSignalingFactory({ api, timers: platform.timers }),
    }),
    timers: platform.timers,
    now: platform.now,
    random: platform.random,
  });
}
