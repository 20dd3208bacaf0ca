import type { ErrorCode } from '../../protocol/errors.js';
import type { Peer, ServerMessage } from '../../protocol/messages.js';
import { Emitter } from '../lib/emitter.js';
import type { Timers } from '../lib/timers.js';
import { type SignalingChannel, SocketRequestError } from '../ws/reconnecting-socket.js';
import type { PeerConnectionFactory, PeerConnectionLike } from './peer-connection.js';
import { PerfectNegotiation } from './perfect-negotiation.js';
import { RoomSequence } from './room-sequence.js';
import {
  type CallEffect,
  type CallEvent,
  type CallState,
  INITIAL_CALL_STATE,
  isTerminal,
  transition,
} from './transitions.js';

export interface MediaFlags {
  audioMuted: boolean;
  videoOff: boolean;
}

export interface LocalMedia extends MediaFlags {
  hasAudio: boolean;
  hasVideo: boolean;
}

export interface CallSessionEvents {
  state: CallState;
  'local-stream': MediaStream | null;
  'local-media': LocalMedia;
  'remote-stream': MediaStream | null;
  'remote-media': MediaFlags;
  /** The server will end the call at `endsAt` for its maximum duration (S19). */
  'call-warning': { endsAt: number };
}

export interface CallSessionOptions {
  appointmentId: string;
  /** The patient is polite, the doctor impolite: when both offer at once, the doctor's offer wins. */
  polite: boolean;
  iceServers: RTCIceServer[];
  signaling: SignalingChannel;
  createPeerConnection: PeerConnectionFactory;
  acquireMedia: () => Promise<MediaStream>;
  describeMediaError: (error: unknown) => string;
  createMediaStream: () => MediaStream;
  timers: Timers;
  /**
   * Gets this browser a call cookie (join or enter) when the server refuses to join without one; the
   * socket is then reconnected so its upgrade carries the cookie. Tried once per session.
   */
  renewGrant?: () => Promise<void>;
  onError?: (error: unknown) => void;
}

const NO_REMOTE_MEDIA: MediaFlags = { audioMuted: false, videoOff: false };

function sameState(a: CallState, b: CallState): boolean {
  return (
    a.phase === b.phase &&
    a.peer?.userId === b.peer?.userId &&
    a.error === b.error &&
    a.resuming === b.resuming
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
  #localStream: MediaStream | null = null;
  #remoteStream: MediaStream | null = null;
  #iceTimer: unknown = null;
  #audioMuted = false;
  #videoOff = false;
  #inRoom = false;
  /** The room last joined, to resume after a reconnect (S17); null before the first join and after leaving. */
  #roomId: string | null = null;
  readonly #sequence: RoomSequence;
  #tracksAttached = false;
  #unsubscribe: Array<() => void>;

  constructor(options: CallSessionOptions) {
    this.#options = options;
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

  get localStream(): MediaStream | null {
    return this.#localStream;
  }

  get remoteStream(): MediaStream | null {
    return this.#remoteStream;
  }

  get localMedia(): LocalMedia {
    const stream = this.#localStream;
    const hasAudio = (stream?.getAudioTracks().length ?? 0) > 0;
    const hasVideo = (stream?.getVideoTracks().length ?? 0) > 0;
    return {
      audioMuted: this.#audioMuted || !hasAudio,
      videoOff: this.#videoOff || !hasVideo,
      hasAudio,
      hasVideo,
    };
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
    this.#audioMuted = muted;
    for (const track of this.#localStream?.getAudioTracks() ?? []) track.enabled = !muted;
    this.#announceMedia();
  }

  setVideoOff(off: boolean): void {
    this.#videoOff = off;
    for (const track of this.#localStream?.getVideoTracks() ?? []) track.enabled = !off;
    this.#announceMedia();
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
        this.#attachLocalTracks();
        this.#negotiation?.restartIce();
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
        this.#localStream = stream;
        for (const track of stream.getAudioTracks()) track.enabled = !this.#audioMuted;
        for (const track of stream.getVideoTracks()) track.enabled = !this.#videoOff;
        this.events.emit('local-stream', stream);
        this.events.emit('local-media', this.localMedia);
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
    const { signaling, polite, iceServers } = this.#options;
    const pc = this.#options.createPeerConnection(
      { iceServers },
      {
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
      },
    );
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
    });
    this.#pc = pc;
    this.#negotiation = negotiation;
    this.#tracksAttached = false;
    if (!polite) this.#attachLocalTracks();
    this.events.emit('remote-media', NO_REMOTE_MEDIA);
    this.#announceMedia(peer);
  }

  /**
   * The impolite side attaches its tracks at once and makes the first offer; the polite side attaches
   * them only to answer that offer. Both offering at once is valid perfect negotiation, but Chromium
   * rolling back a first offer while it still gathers can leave the answer without ICE candidates.
   */
  #attachLocalTracks(): void {
    const pc = this.#pc;
    const stream = this.#localStream;
    if (this.#tracksAttached || !pc) return;
    this.#tracksAttached = true;
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream);
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
    const stream = this.#localStream;
    if (!stream) return;
    for (const track of stream.getTracks()) track.stop();
    this.#localStream = null;
    this.events.emit('local-stream', null);
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
          this.events.emit('remote-media', { audioMuted: message.audioMuted, videoOff: message.videoOff });
        }
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

  #fromPeer(from: Peer): boolean {
    return this.#state.peer !== null && this.#state.peer.userId === from.userId;
  }

  #report(error: unknown): void {
    this.#options.onError?.(error);
  }
}
