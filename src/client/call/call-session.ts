import type { ErrorCode } from '../../protocol/errors.js';
import type { Peer, ServerMessage } from '../../protocol/messages.js';
import { Emitter } from '../lib/emitter.js';
import type { Timers } from '../lib/timers.js';
import { type SignalingChannel, SocketRequestError } from '../ws/reconnecting-socket.js';
import type { DeviceList, InputKind, MediaDevicesAccess } from './devices.js';
import { type LocalMedia, LocalTracks, type MediaFlags, type TrackKind } from './local-media.js';
import type { PeerConnectionFactory, PeerConnectionLike, RtpSenderLike } from './peer-connection.js';
import { PerfectNegotiation } from './perfect-negotiation.js';
import { QualityMeter, type QualityReport, type StatsEntry } from './quality.js';
import { RoomSequence } from './room-sequence.js';
import { tuneVideoSender, withStartBitrate } from './sender-tuning.js';
import {
  type CallEffect,
  type CallEvent,
  type CallState,
  INITIAL_CALL_STATE,
  isTerminal,
  transition,
} from './transitions.js';

export type { LocalMedia, MediaFlags } from './local-media.js';

/** The other side's media as it signals it (media-state, screen-share): not guessed from the stream. */
export interface RemoteMedia extends MediaFlags {
  screenSharing: boolean;
}

export interface CallSessionEvents {
  state: CallState;
  'local-stream': MediaStream | null;
  'local-media': LocalMedia;
  'remote-stream': MediaStream | null;
  'remote-media': RemoteMedia;
  /** The server will end the call at `endsAt` for its maximum duration (S19). */
  'call-warning': { endsAt: number };
  /** About once a second while a peer connection is connected or being restored; null when it goes. */
  quality: QualityReport | null;
  devices: DeviceList;
}

export interface IceSettings {
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
}

export interface CallSessionOptions {
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
  acquireMedia: () => Promise<MediaStream>;
  describeMediaError: (error: unknown) => string;
  createMediaStream: () => MediaStream;
  /** Device switching, device changes and screen capture; without it only the first media is used. */
  devices?: MediaDevicesAccess;
  timers: Timers;
  /**
   * Gets this browser a call cookie (join or enter) when the server refuses to join without one; the
   * socket is then reconnected so its upgrade carries the cookie. Tried once per session.
   */
  renewGrant?: () => Promise<void>;
  onError?: (error: unknown) => void;
}

/** How often the quality indicator reads getStats(). */
export const QUALITY_INTERVAL_MS = 1_000;
/** The longest an ICE restart waits for fresh ICE servers. */
export const ICE_REFRESH_TIMEOUT_MS = 2_000;

export const NO_REMOTE_MEDIA: RemoteMedia = { audioMuted: false, videoOff: false, screenSharing: false };

function sameState(a: CallState, b: CallState): boolean {
  return (
    a.phase === b.phase &&
    a.peer?.userId === b.peer?.userId &&
    a.error === b.error &&
    a.resuming === b.resuming &&
    a.iceRestarts === b.iceRestarts
  );
}

function errorCode(error: unknown): ErrorCode | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (code as ErrorCode) : null;
}

/**
 * One side of a 1:1 call: local media, the room membership, and a peer connection to the other party,
 * negotiated with perfect negotiation. Connection state follows the table in transitions.ts; this class
 * only carries out its effects and turns signaling and peer-connection callbacks into events.
 */
export class CallSession {
  readonly events = new Emitter<CallSessionEvents>();
  readonly #options: CallSessionOptions;
  #state: CallState = INITIAL_CALL_STATE;
  readonly #queue: CallEvent[] = [];
  #dispatching = false;
  #pc: PeerConnectionLike | null = null;
  #negotiation: PerfectNegotiation | null = null;
  #generation = 0;
  readonly #local: LocalTracks;
  #remoteStream: MediaStream | null = null;
  #iceTimer: unknown = null;
  #qualityTimer: unknown = null;
  readonly #senders = new Map<TrackKind, RtpSenderLike>();
  /** Sender changes (replaceTrack, setParameters) run one at a time, in order. */
  #senderWork: Promise<void> = Promise.resolve();
  #remoteMedia: RemoteMedia = NO_REMOTE_MEDIA;
  #inRoom = false;
  /** The room last joined, to resume after a reconnect (S17); null before the first join and after leaving. */
  #roomId: string | null = null;
  readonly #sequence: RoomSequence;
  #tracksAttached = false;
  #unsubscribe: Array<() => void>;

  constructor(options: CallSessionOptions) {
    this.#options = options;
    this.#local = new LocalTracks({
      access: options.devices ?? null,
      createMediaStream: options.createMediaStream,
      onError: (error) => this.#report(error),
    });
    const local = this.#local.events;
    local.on('preview', (stream) => this.events.emit('local-stream', stream));
    local.on('media', (media) => this.events.emit('local-media', media));
    local.on('devices', (devices) => this.events.emit('devices', devices));
    local.on('outgoing', (kind) => this.#sendTrack(kind));
    local.on('screen-share', () => this.#announceScreenShare(false));
    this.#sequence = new RoomSequence({
      timers: options.timers,
      sendAck: (seq) => options.signaling.send({ type: 'ack', seq }),
    });
    const { events } = options.signaling;
    this.#unsubscribe = [
      events.on('message', (message) => this.#onMessage(message)),
      events.on('ready', () => this.#dispatch({ type: 'signaling-ready' })),
      events.on('down', () => this.#dispatch({ type: 'signaling-lost' })),
      events.on('fatal', (fatal) => this.#dispatch({ type: 'signaling-fatal', message: fatal.message })),
    ];
  }

  get state(): CallState {
    return this.#state;
  }

  /** The camera and microphone stream (what the preview shows unless a screen is shared). */
  get localStream(): MediaStream | null {
    return this.#local.stream;
  }

  get remoteStream(): MediaStream | null {
    return this.#remoteStream;
  }

  get localMedia(): LocalMedia {
    return this.#local.media;
  }

  get devices(): DeviceList {
    return this.#local.devices;
  }

  start(): void {
    this.#dispatch({ type: 'start' });
  }

  /** Acknowledges the room messages received so far at once (the page is going to the background). */
  flushAcks(): void {
    this.#sequence.flush();
  }

  /** Leaves the call and releases the camera. Safe to call more than once. */
  close(): void {
    this.#dispatch({ type: 'hang-up' });
    this.#sequence.close();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  setAudioMuted(muted: boolean): void {
    this.#local.setAudioMuted(muted);
    this.#announceMedia();
  }

  /** Turns the camera off or on; a shared screen goes on being sent. */
  setVideoOff(off: boolean): void {
    this.#local.setVideoOff(off);
    this.#announceMedia();
  }

  /**
   * Shows the screen instead of the camera (doctor only: the page offers it only there). The video
   * sender's track is replaced, so nothing is renegotiated; the other side learns it from screen-share
   * (S10). Rejects with the browser's error when the person cancels the picker (NotAllowedError).
   */
  async startScreenShare(): Promise<void> {
    if (isTerminal(this.#state.phase)) return;
    await this.#local.startScreenShare();
  }

  /** Back to the camera, as it was (on or off). */
  stopScreenShare(): void {
    this.#local.stopScreenShare();
  }

  /** Another camera or microphone for the rest of the call, by replaceTrack (no renegotiation). */
  switchDevice(kind: InputKind, deviceId: string): Promise<void> {
    return this.#local.switchDevice(kind, deviceId);
  }

  #dispatch(event: CallEvent): void {
    this.#queue.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#step(next);
    } finally {
      this.#dispatching = false;
    }
  }

  #step(event: CallEvent): void {
    const previous = this.#state;
    const { next, effects } = transition(previous, event);
    this.#state = next;
    for (const effect of effects) {
      try {
        this.#execute(effect);
      } catch (error) {
        this.#report(error);
      }
    }
    if (!sameState(previous, next)) this.events.emit('state', next);
  }

  #execute(effect: CallEffect): void {
    switch (effect.type) {
      case 'acquire-media':
        this.#acquireMedia();
        return;
      case 'join':
        this.#join();
        return;
      case 'renew-grant':
        this.#renewGrant();
        return;
      case 'create-peer-connection':
        this.#createPeerConnection(effect.peer);
        return;
      case 'close-peer-connection':
        this.#closePeerConnection();
        return;
      case 'restart-ice':
        this.#restartIce();
        return;
      case 'start-ice-timer':
        this.#clearIceTimer();
        this.#iceTimer = this.#options.timers.setTimeout(() => {
          this.#iceTimer = null;
          this.#dispatch({ type: 'ice-timeout' });
        }, effect.ms);
        return;
      case 'clear-ice-timer':
        this.#clearIceTimer();
        return;
      case 'leave':
        if (this.#inRoom) this.#options.signaling.send({ type: 'leave' });
        this.#inRoom = false;
        this.#roomId = null;
        return;
      case 'stop-media':
        this.#stopMedia();
        return;
    }
  }

  #acquireMedia(): void {
    this.#options.acquireMedia().then(
      (stream) => {
        if (isTerminal(this.#state.phase)) {
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        this.#local.use(stream);
        this.#dispatch({ type: 'media-acquired' });
      },
      (error: unknown) => {
        this.#report(error);
        this.#dispatch({ type: 'media-failed', message: this.#options.describeMediaError(error) });
      },
    );
  }

  #join(): void {
    const { signaling, appointmentId } = this.#options;
    this.#inRoom = true;
    if (!signaling.isReady) return;
    const roomId = this.#roomId;
    const message =
      roomId === null
        ? { type: 'join' as const, appointmentId }
        : { type: 'join' as const, appointmentId, resume: { roomId, lastSeq: this.#sequence.lastSeq } };
    signaling.request(message).catch((error: unknown) => {
      if (error instanceof SocketRequestError && !error.isTransient) {
        this.#dispatch({ type: 'join-rejected', code: error.code as ErrorCode, message: error.message });
      }
    });
  }

  #renewGrant(): void {
    const renew = this.#options.renewGrant;
    const refused = (code: ErrorCode, message: string) =>
      this.#dispatch({ type: 'join-rejected', code, message });
    const fallback = 'Open the call from your appointment or from your call link to take part.';
    if (!renew) {
      refused('call_grant_required', fallback);
      return;
    }
    renew().then(
      () => {
        if (!isTerminal(this.#state.phase)) this.#options.signaling.reconnect();
      },
      (error: unknown) => {
        this.#report(error);
        const message = error instanceof Error && error.message ? error.message : fallback;
        refused(errorCode(error) ?? 'call_grant_required', message);
      },
    );
  }

  #createPeerConnection(peer: Peer): void {
    this.#closePeerConnection();
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    const { signaling, polite, iceServers, iceTransportPolicy } = this.#options;
    const configuration: RTCConfiguration = { iceServers };
    if (iceTransportPolicy) configuration.iceTransportPolicy = iceTransportPolicy;
    const pc = this.#options.createPeerConnection(configuration, {
      negotiationNeeded: () => {
        if (current()) void negotiation.onNegotiationNeeded();
      },
      iceCandidate: (candidate) => {
        if (current()) negotiation.onLocalCandidate(candidate);
      },
      track: (track, streams) => {
        if (current()) this.#addRemoteTrack(track, streams);
      },
      connectionStateChange: (state) => {
        if (!current()) return;
        if (state === 'connected') this.#dispatch({ type: 'pc-connected' });
        else if (state === 'disconnected') this.#dispatch({ type: 'pc-disconnected' });
        else if (state === 'failed') this.#dispatch({ type: 'pc-failed' });
      },
    });
    const negotiation = new PerfectNegotiation({
      pc,
      polite,
      send: (message) => {
        if (current()) signaling.send(message);
      },
      onError: (error) => this.#report(error),
      beforeAnswer: () => {
        if (current()) this.#attachLocalTracks();
      },
      transformRemoteSdp: (sdp) => withStartBitrate(sdp),
      onNegotiated: () => {
        if (current()) this.#tuneSenders();
      },
    });
    this.#pc = pc;
    this.#negotiation = negotiation;
    this.#tracksAttached = false;
    this.#senders.clear();
    if (!polite) this.#attachLocalTracks();
    this.#setRemoteMedia(NO_REMOTE_MEDIA);
    this.#announceMedia(peer);
    this.#announceScreenShare(true);
    this.#startQuality(pc, current);
  }

  /**
   * The impolite side attaches its tracks at once and makes the first offer; the polite side attaches
   * them only to answer that offer. Both offering at once is valid perfect negotiation, but Chromium
   * rolling back a first offer while it still gathers can leave the answer without ICE candidates.
   */
  #attachLocalTracks(): void {
    const pc = this.#pc;
    if (this.#tracksAttached || !pc) return;
    this.#tracksAttached = true;
    for (const kind of ['audio', 'video'] as const) this.#addSender(pc, kind);
  }

  /** A new m-line: the peer connection asks for negotiation (negotiationneeded). */
  #addSender(pc: PeerConnectionLike, kind: TrackKind): void {
    const track = this.#local.outgoing(kind);
    if (!track || this.#senders.has(kind)) return;
    this.#senders.set(kind, pc.addTrack(track, this.#local.stream ?? this.#options.createMediaStream()));
  }

  /**
   * The outgoing track of a kind changed (device switch, screen share on or off). An existing sender
   * follows with replaceTrack, which needs no renegotiation; a kind not sent before (no camera at the
   * start, then a screen share) is added, which renegotiates. Before the tracks are attached there is
   * nothing to do: attaching takes the current tracks.
   */
  #sendTrack(kind: TrackKind): void {
    const pc = this.#pc;
    if (!pc || !this.#tracksAttached) return;
    const sender = this.#senders.get(kind);
    if (!sender) {
      this.#addSender(pc, kind);
      return;
    }
    const track = this.#local.outgoing(kind);
    this.#queueSenderWork(async () => {
      if (sender.track !== track) await sender.replaceTrack(track);
      if (kind === 'video') await this.#tuneVideo(sender);
    });
  }

  #tuneSenders(): void {
    const sender = this.#senders.get('video');
    if (sender) this.#queueSenderWork(() => this.#tuneVideo(sender));
  }

  async #tuneVideo(sender: RtpSenderLike): Promise<void> {
    if (!sender.track) return;
    await tuneVideoSender(sender, this.#local.screenSharing ? 'screen' : 'camera');
  }

  #queueSenderWork(work: () => Promise<void>): void {
    const generation = this.#generation;
    this.#senderWork = this.#senderWork
      .then(() => (generation === this.#generation ? work() : undefined))
      .catch((error: unknown) => this.#report(error));
  }

  /** Fresh ICE servers first (new TURN credentials), then the restart; a slow or failed refresh waits no longer. */
  #restartIce(): void {
    this.#attachLocalTracks();
    const pc = this.#pc;
    const negotiation = this.#negotiation;
    const refresh = this.#options.refreshIceConfig;
    if (!pc || !negotiation) return;
    if (!refresh) {
      negotiation.restartIce();
      return;
    }
    const generation = this.#generation;
    const { timers } = this.#options;
    let timer: unknown = null;
    const timeout = new Promise<null>((resolve) => {
      timer = timers.setTimeout(() => resolve(null), ICE_REFRESH_TIMEOUT_MS);
    });
    Promise.race([refresh(), timeout])
      .then((settings) => {
        if (settings && generation === this.#generation) {
          pc.setConfiguration({
            ...pc.getConfiguration(),
            iceServers: settings.iceServers,
            iceTransportPolicy: settings.iceTransportPolicy,
          });
        }
      })
      .catch((error: unknown) => this.#report(error))
      .finally(() => {
        timers.clearTimeout(timer);
        if (generation === this.#generation) negotiation.restartIce();
      });
  }

  /** Samples getStats() once a second while connected or being restored; reports null when it stops. */
  #startQuality(pc: PeerConnectionLike, current: () => boolean): void {
    this.#stopQuality();
    const meter = new QualityMeter();
    let sampling = false;
    const timers = this.#options.timers;
    const handle = timers.setInterval(() => {
      if (!current()) {
        timers.clearInterval(handle);
        return;
      }
      const phase = this.#state.phase;
      if (sampling || (phase !== 'connected' && phase !== 'reconnecting')) return;
      sampling = true;
      pc.getStats()
        .then((report) => {
          if (!current()) return;
          const entries: StatsEntry[] = [];
          report.forEach((entry) => {
            entries.push(entry as unknown as StatsEntry);
          });
          this.events.emit(
            'quality',
            meter.sample(entries, {
              connectionState: pc.connectionState,
              remoteVideoOff: this.#remoteMedia.videoOff,
              remoteScreenSharing: this.#remoteMedia.screenSharing,
            }),
          );
        })
        .catch((error: unknown) => this.#report(error))
        .finally(() => {
          sampling = false;
        });
    }, QUALITY_INTERVAL_MS);
    this.#qualityTimer = handle;
  }

  #stopQuality(): void {
    if (this.#qualityTimer === null) return;
    this.#options.timers.clearInterval(this.#qualityTimer);
    this.#qualityTimer = null;
    this.events.emit('quality', null);
  }

  #addRemoteTrack(track: MediaStreamTrack, streams: readonly MediaStream[]): void {
    let stream = streams[0] ?? this.#remoteStream;
    if (!stream) stream = this.#options.createMediaStream();
    if (!streams[0] && !stream.getTracks().includes(track)) stream.addTrack(track);
    if (stream !== this.#remoteStream) {
      this.#remoteStream = stream;
      this.events.emit('remote-stream', stream);
    }
  }

  #closePeerConnection(): void {
    this.#generation++;
    this.#stopQuality();
    this.#senders.clear();
    this.#negotiation?.close();
    this.#negotiation = null;
    const pc = this.#pc;
    this.#pc = null;
    try {
      pc?.close();
    } catch (error) {
      this.#report(error);
    }
    if (this.#remoteStream) {
      this.#remoteStream = null;
      this.events.emit('remote-stream', null);
    }
  }

  #clearIceTimer(): void {
    if (this.#iceTimer !== null) this.#options.timers.clearTimeout(this.#iceTimer);
    this.#iceTimer = null;
  }

  #stopMedia(): void {
    this.#local.close();
  }

  /**
   * The doctor's screen share (S10): on every change, and again whenever a patient arrives (a new peer
   * connection) or this side joins again, so the server's screen_sharing_active and a rejoined patient
   * know it. Stopping is sent even with nobody else in the room, for the server's flag.
   */
  #announceScreenShare(onlyIfActive: boolean): void {
    const active = this.#local.screenSharing;
    if (!this.#inRoom || (onlyIfActive && !active)) return;
    this.#options.signaling.send({ type: 'screen-share', active });
  }

  #announceMedia(peer: Peer | null = this.#state.peer): void {
    const media = this.localMedia;
    this.events.emit('local-media', media);
    if (peer)
      this.#options.signaling.send({
        type: 'media-state',
        audioMuted: media.audioMuted,
        videoOff: media.videoOff,
      });
  }

  #onMessage(message: ServerMessage): void {
    if ('seq' in message && !this.#sequence.accept(message.seq)) return;
    switch (message.type) {
      case 'joined':
        if (message.appointmentId !== this.#options.appointmentId) return;
        if (message.resumed) this.#sequence.resumed();
        else this.#sequence.reset(message.lastSeq);
        this.#roomId = message.roomId;
        this.#dispatch({
          type: 'joined',
          peers: message.peers.filter((p) => p.userId !== message.self.userId),
          resumed: message.resumed,
        });
        // Sent while the socket was down it was lost; the server and a rejoined patient need it (S10).
        this.#announceScreenShare(true);
        return;
      case 'call-warning':
        if (message.appointmentId === this.#options.appointmentId) {
          this.events.emit('call-warning', { endsAt: message.endsAt });
        }
        return;
      case 'peer-joined':
        this.#dispatch({ type: 'peer-joined', peer: message.peer });
        return;
      case 'peer-left':
        this.#dispatch({ type: 'peer-left', peer: message.peer });
        return;
      case 'offer':
      case 'answer':
        if (this.#fromPeer(message.from)) {
          void this.#negotiation?.onRemoteDescription({ type: message.type, sdp: message.sdp });
        }
        return;
      case 'ice-candidate':
        if (this.#fromPeer(message.from)) void this.#negotiation?.onRemoteCandidate(message.candidate);
        return;
      case 'media-state':
        if (this.#fromPeer(message.from)) {
          this.#setRemoteMedia({
            ...this.#remoteMedia,
            audioMuted: message.audioMuted,
            videoOff: message.videoOff,
          });
        }
        return;
      case 'screen-share':
        if (this.#fromPeer(message.from))
          this.#setRemoteMedia({ ...this.#remoteMedia, screenSharing: message.active });
        return;
      case 'call-status':
        if (message.call.appointmentId === this.#options.appointmentId && message.call.status === 'ended') {
          this.#dispatch({ type: 'call-ended' });
        }
        return;
      default:
        return;
    }
  }

  #setRemoteMedia(media: RemoteMedia): void {
    this.#remoteMedia = media;
    this.events.emit('remote-media', media);
  }

  #fromPeer(from: Peer): boolean {
    return this.#state.peer !== null && this.#state.peer.userId === from.userId;
  }

  #report(error: unknown): void {
    this.#options.onError?.(error);
  }
}
