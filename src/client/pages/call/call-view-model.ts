import type { IceServerView, UserView } from '../../../protocol/api.js';
import { isCallActive } from '../../../protocol/call-status.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { CallSession, type LocalMedia, type MediaFlags } from '../../call/call-session.js';
import { AUDIO_INPUT_KEY, acquireCallMedia, describeMediaError, VIDEO_INPUT_KEY } from '../../call/media.js';
import type { CallPhase } from '../../call/transitions.js';
import { appointmentIdFromPath, appointmentPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { Store } from '../../ui/store.js';
import { needsSignIn } from '../../ws/close-reasons.js';
import type { ReconnectingSocket } from '../../ws/reconnecting-socket.js';
import { redirectIfSignedOut, requireSession } from '../session.js';

export type CallPagePhase = 'loading' | CallPhase;

export interface CallPageState {
  phase: CallPagePhase;
  statusText: string;
  error: string | null;
  user: UserView | null;
  peerName: string | null;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  local: LocalMedia;
  remote: MediaFlags;
  ending: boolean;
  appointmentHref: string;
}

const STATUS_WORDS: Record<CallPagePhase, string> = {
  loading: 'Connecting…',
  idle: 'Connecting…',
  starting: 'Starting your camera and microphone…',
  joining: 'Connecting…',
  waiting: 'Waiting for the other side…',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  'peer-left': 'The other side left',
  ended: 'The call has ended',
  failed: 'The call could not continue',
  closed: 'You left the call',
};

export function statusText(phase: CallPagePhase, error: string | null): string {
  return phase === 'failed' && error ? error : STATUS_WORDS[phase];
}

export function toRtcIceServers(servers: readonly IceServerView[]): RTCIceServer[] {
  return servers.map((server) => {
    const rtc: RTCIceServer = { urls: server.urls };
    if (server.username !== undefined) rtc.username = server.username;
    if (server.credential !== undefined) rtc.credential = server.credential;
    return rtc;
  });
}

/** Codes from ending a call that was already over: the goal (no call) is reached anyway. */
const ALREADY_ENDED = new Set(['call_not_active', 'illegal_transition']);

export class CallViewModel extends Store<CallPageState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #socket: ReconnectingSocket;
  #session: CallSession | null = null;
  #appointmentId: string | null = null;
  #left = false;

  constructor(api: ApiClient, platform: Platform, socket: ReconnectingSocket) {
    super({
      phase: 'loading',
      statusText: statusText('loading', null),
      error: null,
      user: null,
      peerName: null,
      localStream: null,
      remoteStream: null,
      local: { audioMuted: false, videoOff: false, hasAudio: false, hasVideo: false },
      remote: { audioMuted: false, videoOff: false },
      ending: false,
      appointmentHref: '/appointments',
    });
    this.#api = api;
    this.#platform = platform;
    this.#socket = socket;
  }

  async load(): Promise<void> {
    const id = appointmentIdFromPath(this.#platform.pathname);
    if (!id) {
      this.#fail('This call address is not valid.');
      return;
    }
    this.#appointmentId = id;
    this.update({ appointmentHref: appointmentPath(id) });
    try {
      const session = await requireSession(this.#api, this.#platform);
      if (!session) return;
      this.update({ user: session.user });
      if (session.user.role === 'admin') {
        this.#fail('Hospital admins can see appointments but cannot join calls.');
        return;
      }
      const info = await this.#api.getCall(id);
      if (!isCallActive(info.call.status)) {
        this.#backToAppointment();
        return;
      }
      this.#startSession(id, session.user, toRtcIceServers(info.iceServers));
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      if (error instanceof ApiError && error.status === 409) {
        this.#backToAppointment();
        return;
      }
      this.#fail(errorMessage(error));
    }
  }

  toggleAudio(): void {
    this.#session?.setAudioMuted(!this.state.local.audioMuted);
  }

  toggleVideo(): void {
    this.#session?.setVideoOff(!this.state.local.videoOff);
  }

  async endCall(): Promise<void> {
    const id = this.#appointmentId;
    if (!id || this.state.ending) return;
    this.update({ ending: true, error: null });
    try {
      await this.#api.endCall(id);
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      if (!(error instanceof ApiError && ALREADY_ENDED.has(error.code))) {
        this.update({ ending: false, error: errorMessage(error) });
        return;
      }
    }
    this.#backToAppointment();
  }

  /** Leaves the room and releases the camera; the page is going away. */
  leave(): void {
    if (this.#left) return;
    this.#left = true;
    this.#session?.close();
    this.#socket.close();
  }

  #startSession(id: string, user: UserView, iceServers: RTCIceServer[]): void {
    const platform = this.#platform;
    const socket = this.#socket;
    socket.retain(`subscribe:${id}`, { type: 'subscribe', appointmentId: id });
    const session = new CallSession({
      appointmentId: id,
      polite: user.role === 'patient',
      iceServers,
      signaling: socket,
      createPeerConnection: platform.createPeerConnection,
      acquireMedia: () =>
        acquireCallMedia(platform.getUserMedia, {
          videoInput: platform.readStorage(VIDEO_INPUT_KEY),
          audioInput: platform.readStorage(AUDIO_INPUT_KEY),
        }),
      describeMediaError,
      createMediaStream: platform.createMediaStream,
      timers: platform.timers,
      onError: (error) => console.warn('call:', error),
    });
    this.#session = session;
    session.events.on('state', (state) => {
      this.update({
        phase: state.phase,
        statusText: statusText(state.phase, state.error),
        error: state.error,
        peerName: state.peer?.displayName ?? (state.phase === 'peer-left' ? this.state.peerName : null),
      });
      if (state.phase === 'ended') this.#backToAppointment();
    });
    socket.events.on('fatal', (fatal) => {
      if (needsSignIn(fatal.code)) {
        this.leave();
        redirectIfSignedOut(new ApiError(401, 'unauthenticated', fatal.message), platform);
      }
    });
    session.events.on('local-stream', (localStream) => this.update({ localStream }));
    session.events.on('local-media', (local) => this.update({ local }));
    session.events.on('remote-stream', (remoteStream) => this.update({ remoteStream }));
    session.events.on('remote-media', (remote) => this.update({ remote }));
    socket.connect();
    session.start();
  }

  #backToAppointment(): void {
    const id = this.#appointmentId;
    this.leave();
    if (id) this.#platform.replace(appointmentPath(id));
  }

  #fail(message: string): void {
    this.update({ phase: 'failed', error: message, statusText: message });
  }
}
