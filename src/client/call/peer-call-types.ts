import type { RecordingView } from '../../protocol/recording.js';
import type { Timers } from '../lib/timers.js';
import type { SignalingChannel } from '../ws/reconnecting-socket.js';
import type { DeviceList, MediaDevicesAccess } from './devices.js';
import type { IceSettings } from './ice-restart.js';
import type { LocalMedia } from './local-media.js';
import type { CallMedia, JoinDevices } from './media.js';
import type { PeerCallState } from './peer-call-lifecycle.js';
import type { PeerConnectionFactory } from './peer-connection.js';
import type { QualityReport } from './quality.js';
import type { QualityWindow } from './quality-window.js';
import type { RemoteFeedEvents } from './remote-media.js';

// What a PeerCall is given (every browser part injected) and what it tells its page.

export interface PeerCallEvents extends RemoteFeedEvents {
  state: PeerCallState;
  'local-stream': MediaStream | null;
  'local-media': LocalMedia;
  /** The server will end the call at `endsAt` for its maximum duration (S19). */
  'call-warning': { endsAt: number };
  /** The call's recording as the server last told it (S29): in `joined` (null: none) and on each change. */
  recording: RecordingView | null;
  /** About once a second while a peer connection is connected or being restored; null when it goes. */
  quality: QualityReport | null;
  devices: DeviceList;
}

export interface PeerCallOptions {
  appointmentId: string;
  /** The patient is polite, the doctor impolite: when both offer at once, the doctor's offer wins. */
  polite: boolean;
  iceServers: RTCIceServer[];
  /** `relay` sends everything through TURN (WEBRTC_ICE_TRANSPORT_POLICY). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * Fresh ICE servers (new TURN credentials) for an ICE restart. A failure or a slow answer does not hold
   * the restart back: it goes ahead with the servers it has.
   */
  refreshIceConfig?: () => Promise<IceSettings>;
  signaling: SignalingChannel;
  createPeerConnection: PeerConnectionFactory;
  /** The devices to join with (S25): each that fails is reported in `problems`, and the call goes on. */
  acquireMedia: (wanted: JoinDevices) => Promise<CallMedia>;
  /** Which devices to start at the join; the others start off until turned on. Both when absent. */
  join?: JoinDevices;
  createMediaStream: () => MediaStream;
  /** Device switching, device changes and screen capture; without it only the first media is used. */
  devices?: MediaDevicesAccess;
  timers: Timers;
  /** The clock of the quality windows (ms); Date.now when absent. */
  now?: () => number;
  /** The quality window's module (S30); loaded on demand when absent, to keep it off the page's first load. */
  loadQualityWindow?: () => Promise<{ QualityWindow: typeof QualityWindow }>;
  /**
   * Gets this browser a call cookie (join or enter) when the server refuses to join without one; the
   * socket is then reconnected so its upgrade carries the cookie. Tried once per peer call.
   */
  renewGrant?: () => Promise<void>;
  onError?: (error: unknown) => void;
}
