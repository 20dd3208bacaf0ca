import type { Platform } from '../platform/platform.js';
import { median } from './connection-probe.js';

export type ServerProbeResult =
  | { ok: true; rttMs: number | null }
  | { ok: false; reason: 'unsupported' | 'closed' | 'timeout' };

export const SERVER_PROBE_TIMEOUT_MS = 8_000;
const PINGS = 3;

/**
 * Opens carecall's signaling WebSocket as a call would, waits for its `welcome`, times a few
 * `ping`/`pong` round trips, and closes it as a tab leaving (1000).
 */
export function probeServer(
  platform: Pick<Platform, 'createSocket' | 'socketUrl' | 'webSocketSupported' | 'timers' | 'now'>,
  timeoutMs = SERVER_PROBE_TIMEOUT_MS,
): Promise<ServerProbeResult> {
  if (!platform.webSocketSupported) return Promise.resolve({ ok: false, reason: 'unsupported' });
  return new Promise((resolve) => {
    let settled = false;
    let welcomed = false;
    let sentAt = 0;
    const rtts: number[] = [];
    let timer: unknown = null;
    const finish = (result: ServerProbeResult) => {
      if (settled) return;
      settled = true;
      platform.timers.clearTimeout(timer);
      try {
        connection.close(1000, 'connection test');
      } catch {
        // already closed
      }
      resolve(result);
    };
    const ping = () => {
      sentAt = platform.now();
      connection.send(JSON.stringify({ type: 'ping', id: `connection-test-${rtts.length + 1}` }));
    };
    const connection = platform.createSocket(platform.socketUrl('/ws'), {
      open: () => undefined,
      message: (data) => {
        let type: unknown;
        try {
          type = (JSON.parse(data) as { type?: unknown }).type;
        } catch {
          return;
        }
        if (type === 'welcome' && !welcomed) {
          welcomed = true;
          ping();
        } else if (type === 'pong' && welcomed) {
          rtts.push(platform.now() - sentAt);
          if (rtts.length >= PINGS) finish({ ok: true, rttMs: median(rtts) });
          else ping();
        }
      },
      close: () => finish(welcomed ? { ok: true, rttMs: median(rtts) } : { ok: false, reason: 'closed' }),
    });
    timer = platform.timers.setTimeout(
      () => finish(welcomed ? { ok: true, rttMs: median(rtts) } : { ok: false, reason: 'timeout' }),
      timeoutMs,
    );
  });
}
