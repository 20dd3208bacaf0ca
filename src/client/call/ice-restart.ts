import type { Timers } from '../lib/timers.js';
import type { PeerConnectionLike } from './peer-connection.js';
import type { PerfectNegotiation } from './perfect-negotiation.js';

export interface IceSettings {
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
}

/** The longest an ICE restart waits for fresh ICE servers. */
export const ICE_REFRESH_TIMEOUT_MS = 2_000;

export interface IceRestartOptions {
  pc: PeerConnectionLike;
  negotiation: Pick<PerfectNegotiation, 'restartIce'>;
  /** Fresh ICE servers (new TURN credentials); without it the restart goes ahead at once. */
  refreshIceConfig?: (() => Promise<IceSettings>) | undefined;
  timers: Timers;
  /** False once the peer connection has been replaced or closed: nothing more is done to it. */
  current: () => boolean;
  onError: (error: unknown) => void;
}

/** Fresh ICE servers first (new TURN credentials), then the restart; a slow or failed refresh waits no longer. */
export function restartIce(options: IceRestartOptions): void {
  const { pc, negotiation, refreshIceConfig: refresh, timers, current } = options;
  if (!refresh) {
    negotiation.restartIce();
    return;
  }
  let timer: unknown = null;
  const timeout = new Promise<null>((resolve) => {
    timer = timers.setTimeout(() => resolve(null), ICE_REFRESH_TIMEOUT_MS);
  });
  Promise.race([refresh(), timeout])
    .then((settings) => {
      if (settings && current()) {
        pc.setConfiguration({
          ...pc.getConfiguration(),
          iceServers: settings.iceServers,
          iceTransportPolicy: settings.iceTransportPolicy,
        });
      }
    })
    .catch(options.onError)
    .finally(() => {
      timers.clearTimeout(timer);
      if (current()) negotiation.restartIce();
    });
}
