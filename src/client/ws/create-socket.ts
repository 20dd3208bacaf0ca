import type { Platform } from '../platform/platform.js';
import { ReconnectingSocket } from './reconnecting-socket.js';

export function createSignalingSocket(platform: Platform): ReconnectingSocket {
  return new ReconnectingSocket({
    url: platform.socketUrl('/ws'),
    createSocket: platform.createSocket,
    timers: platform.timers,
    now: platform.now,
    random: platform.random,
  });
}
