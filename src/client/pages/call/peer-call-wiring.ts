import type { CallContext, IceServerView } from '../../../protocol/api.js';
import type { RecordingView } from '../../../protocol/recording.js';
import type { ApiClient } from '../../api/http-client.js';
import { type DeviceList, type InputKind, NO_DEVICES } from '../../call/devices.js';
import {
  AUDIO_INPUT_KEY,
  acquireJoinMedia,
  describeScreenShareError,
  describeSwitchError,
  describeTurnOnError,
  type JoinDevices,
  mediaFromPreview,
  VIDEO_INPUT_KEY,
} from '../../call/media.js';
import { type LocalMedia, PeerCall } from '../../call/peer-call.js';
import type { PeerCallPhase, PeerCallState } from '../../call/peer-call-lifecycle.js';
import type { QualityReport } from '../../call/quality.js';
import { NO_REMOTE_MEDIA, type RemoteMedia } from '../../call/remote-media.js';
import type { Platform } from '../../platform/platform.js';
import type { ReconnectingSocket, SignalingChannel } from '../../ws/reconnecting-socket.js';
import { statusText } from './call-words.js';

/** What the page shows of its peer call's media, on both sides. */
export interface PeerCallView {
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  local: LocalMedia;
  /** The other side's microphone, camera and screen share, as they signal it. */
  remote: RemoteMedia;
  /** About once a second while a peer connection exists; null before the first sample. */
  quality: QualityReport | null;
  /** Null when this side may not share: a patient, or a browser without getDisplayMedia. */
  screenShare: { active: boolean } | null;
  devices: DeviceList;
}

export const NO_PEER_CALL_VIEW: PeerCallView = {
  localStream: null,
  remoteStream: null,
  local: {
    audioMuted: false,
    videoOff: false,
    hasAudio: false,
    hasVideo: false,
    microphone: 'starting',
    camera: 'starting',
    screenSharing: false,
  },
  remote: NO_REMOTE_MEDIA,
  quality: null,
  screenShare: null,
  devices: NO_DEVICES,
};

export interface PeerCallSetup {
  appointmentId: string;
  context: Pick<CallContext, 'self' | 'iceTransportPolicy'>;
  iceServers: readonly IceServerView[];
  api: Pick<ApiClient, 'getCall'>;
  platform: Platform;
  socket: SignalingChannel & Pick<ReconnectingSocket, 'connect'>;
  /** Gets this browser a call cookie when the server refuses to join without one (S16). */
  grant: () => Promise<unknown>;
  /** The devices to join with (S25); the others start off. */
  join: JoinDevices;
  /** The pre-join screen's running camera and microphone, handed over for the call's first media. */
  preview?: MediaStream | null;
}

/** The peer call's phase as the page shows it. */
export interface PeerCallStatus {
  phase: PeerCallPhase;
  statusText: string;
  error: string | null;
  /** The other party; after they left, the one who left. */
  peerName: string | null;
}

export interface PeerCallListener {
  /** Its phase or media changed, or a screen share or device switch failed or worked (`error`). */
  update(patch: Partial<PeerCallView & PeerCallStatus>): void;
  /** The server will end the call at `endsAt` for its maximum duration (S19). */
  warning(endsAt: number): void;
  /** The call's recording as the server last told it (S29). */
  recording(view: RecordingView | null): void;
}

export function toRtcIceServers(servers: readonly IceServerView[]): RTCIceServer[] {
  return servers.map((server) => {
    const rtc: RTCIceServer = { urls: server.urls };
    if (server.username !== undefined) rtc.username = server.username;
    if (server.credential !== undefined) rtc.credential = server.credential;
    return rtc;
  });
}

/**
 * The page's peer call: built from the browser (peer connections, the devices remembered on the device
 * test page, screen capture) and the API (fresh ICE servers for a restart), its events turned into what
 * the page shows, and the page's screen-share and device actions with their words.
 */
export class WiredPeerCall {
  readonly call: PeerCall;
  readonly #setup: PeerCallSetup;
  readonly #listener: PeerCallListener;
  readonly #offHidden: () => void;
  #peerName: string | null = null;

  constructor(setup: PeerCallSetup, listener: PeerCallListener) {
    this.#setup = setup;
    this.#listener = listener;
    const { appointmentId, platform, api } = setup;
    let preview = setup.preview ?? null;
    const { role } = setup.context.self;
    const preferred = () => ({
      videoInput: platform.readStorage(VIDEO_INPUT_KEY),
      audioInput: platform.readStorage(AUDIO_INPUT_KEY),
    });
    // Only the doctor shares a screen (S10), and only where the browser can capture one.
    const getDisplayMedia = role === 'doctor' ? platform.getDisplayMedia : null;
    const call = new PeerCall({
      appointmentId,
      polite: role === 'patient',
      iceServers: toRtcIceServers(setup.iceServers),
      iceTransportPolicy: setup.context.iceTransportPolicy,
      refreshIceConfig: async () => {
        const info = await api.getCall(appointmentId);
        return { iceServers: toRtcIceServers(info.iceServers), iceTransportPolicy: info.iceTransportPolicy };
      },
      signaling: setup.socket,
      createPeerConnection: platform.createPeerConnection,
      acquireMedia: (wanted) => {
        // The preview is used once, for the first media; anything later asks the browser.
        const handed = mediaFromPreview(preview, wanted);
        preview = null;
        return handed
          ? Promise.resolve(handed)
          : acquireJoinMedia(platform.getUserMedia, preferred(), wanted);
      },
      join: setup.join,
      createMediaStream: platform.createMediaStream,
      devices: {
        getUserMedia: platform.getUserMedia,
        enumerateDevices: () => platform.enumerateDevices(),
        onDeviceChange: (onChange) => platform.onDeviceChange(onChange),
        getDisplayMedia,
        preferred,
      },
      timers: platform.timers,
      renewGrant: async () => {
        await setup.grant();
      },
      onError: (error) => console.warn('call:', error),
    });
    this.call = call;
    const screenShare = (active: boolean) => (getDisplayMedia ? { active } : null);
    listener.update({ screenShare: screenShare(false) });
    const { events } = call;
    events.on('state', (state) => this.#status(state));
    events.on('call-warning', ({ endsAt }) => listener.warning(endsAt));
    events.on('recording', (view) => listener.recording(view));
    events.on('local-stream', (localStream) => listener.update({ localStream }));
    events.on('local-media', (local) =>
      listener.update({ local, screenShare: screenShare(local.screenSharing) }),
    );
    events.on('quality', (quality) => listener.update({ quality }));
    events.on('devices', (devices) => listener.update({ devices }));
    events.on('remote-stream', (remoteStream) => listener.update({ remoteStream }));
    events.on('remote-media', (remote) => listener.update({ remote }));
    this.#offHidden = platform.onHidden(() => call.flushAcks());
  }

  get phase(): PeerCallPhase {
    return this.call.state.phase;
  }

  /** Opens the signaling socket and starts the camera, the room and the connection. */
  start(): void {
    this.#setup.socket.connect();
    this.call.start();
  }

  /** Starts sharing the screen, or stops the sharing that is `active`. */
  async toggleScreenShare(active: boolean): Promise<void> {
    if (active) {
      this.call.stopScreenShare();
      return;
    }
    try {
      await this.call.startScreenShare();
      this.#listener.update({ error: null });
    } catch (error) {
      // A cancelled picker is the person's choice, not a failure.
      const words = describeScreenShareError(error);
      if (words) this.#listener.update({ error: words });
    }
  }

  /** Uses another camera or microphone for the rest of the call and remembers the choice. */
  async selectDevice(kind: InputKind, deviceId: string): Promise<void> {
    try {
      await this.call.switchDevice(kind, deviceId);
      this.#setup.platform.writeStorage(kind === 'audioinput' ? AUDIO_INPUT_KEY : VIDEO_INPUT_KEY, deviceId);
      this.#listener.update({ error: null });
    } catch (error) {
      this.#listener.update({ error: describeSwitchError(kind, error) });
    }
  }

  /**
   * Starts the microphone or camera the call has none of (joined without it, blocked, missing), without
   * leaving the call (S25). When it fails again the page says what to do.
   */
  async turnOn(kind: 'audio' | 'video'): Promise<void> {
    try {
      await this.call.turnOn(kind);
      this.#listener.update({ error: null });
    } catch (error) {
      this.#listener.update({ error: describeTurnOnError(kind, error) });
    }
  }

  close(): void {
    this.call.close();
    this.#offHidden();
  }

  #status(state: PeerCallState): void {
    const { phase, error } = state;
    this.#peerName = state.peer?.displayName ?? (phase === 'peer-left' ? this.#peerName : null);
    this.#listener.update({ phase, statusText: statusText(phase, error), error, peerName: this.#peerName });
  }
}
