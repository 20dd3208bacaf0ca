import {
  QUALITY_SUMMARY_INTERVAL_MS,
  QUALITY_SUMMARY_MIN_FINAL_MS,
} from '../../protocol/call-quality-limits.js';
import type { Peer, ServerMessage } from '../../protocol/messages.js';
import { Emitter } from '../lib/emitter.js';
import type { DeviceList, InputKind } from './devices.js';
import { type LocalMedia, LocalTracks, type TrackKind } from './local-media.js';
import { deviceProblem } from './media.js';
import { OutgoingSenders } from './outgoing-senders.js';
import {
  INITIAL_PEER_CALL_STATE,
  isTerminal,
  type PeerCallEffect,
  type PeerCallEvent,
  type PeerCallState,
  transition,
} from './peer-call-lifecycle.js';
import type { PeerCallEvents, PeerCallOptions } from './peer-call-types.js';
import { PeerLink } from './peer-link.js';
import type { QualityReport } from './quality.js';
import type { QualityWindow } from './quality-window.js';
import { RemoteFeed } from './remote-media.js';
import { RoomMembership } from './room-membership.js';

export type { LocalMedia, MediaFlags } from './local-media.js';

function sameState(a: PeerCallState, b: PeerCallState): boolean {
  return (
    a.phase === b.phase &&
    a.peer?.userId === b.peer?.userId &&
    a.error === b.error &&
    a.resuming === b.resuming &&
    a.iceRestarts === b.iceRestarts
  );
}

/**
 * One side of a 1:1 call: local media, the room membership, and a peer connection to the other party,
 * negotiated with perfect negotiation. Connection state follows the table in peer-call-lifecycle.ts;
 * this class only carries out its effects (with LocalTracks, RoomMembership, PeerLink, OutgoingSenders
 * and RemoteFeed) and turns signaling and peer-connection callbacks into events.
 */
export class PeerCall {
  readonly events = new Emitter<PeerCallEvents>();
  readonly #options: PeerCallOptions;
  #state: PeerCallState = INITIAL_PEER_CALL_STATE;
  readonly #queue: PeerCallEvent[] = [];
  #dispatching = false;
  #link: PeerLink | null = null;
  readonly #local: LocalTracks;
  readonly #senders: OutgoingSenders;
  readonly #remote: RemoteFeed;
  readonly #room: RoomMembership;
  #iceTimer: unknown = null;
  /** The media-state last sent on this peer connection, so a change is sent once. */
  #sentMedia: string | null = null;
  /** The current window of quality samples sent to the server every QUALITY_SUMMARY_INTERVAL_MS. */
  #qualityWindow: QualityWindow | null = null;
  #qualityTimer: unknown = null;
  /** The window's code, loaded at the first sample (it is not needed before a connection works). */
  #qualityClass: typeof QualityWindow | null = null;
  #qualityLoading = false;
  #unsubscribe: Array<() => void>;

  constructor(options: PeerCallOptions) {
    this.#options = options;
    const { signaling, createMediaStream } = options;
    const onError = (error: unknown) => this.#report(error);
    this.#local = new LocalTracks({ access: options.devices ?? null, createMediaStream, onError });
    this.#local.joinWith(options.join ?? { audio: true, video: true });
    this.#senders = new OutgoingSenders({ tracks: this.#local, createMediaStream, onError });
    this.#remote = new RemoteFeed({ events: this.events, createMediaStream });
    this.#room = new RoomMembership({
      ...options,
      over: () => isTerminal(this.#state.phase),
      refused: (code, message) => this.#dispatch({ type: 'join-rejected', code, message }),
      onError,
    });
    const local = this.#local.events;
    local.on('preview', (stream) => this.events.emit('local-stream', stream));
    local.on('media', () => this.#announceMedia());
    local.on('devices', (devices) => this.events.emit('devices', devices));
    local.on('outgoing', (kind) => this.#senders.follow(kind));
    local.on('screen-share', () => this.#announceScreenShare(false));
    const { events } = signaling;
    this.#unsubscribe = [
      events.on('message', (message) => this.#onMessage(message)),
      events.on('ready', () => this.#dispatch({ type: 'signaling-ready' })),
      events.on('down', () => this.#dispatch({ type: 'signaling-lost' })),
      events.on('fatal', (fatal) => this.#dispatch({ type: 'signaling-fatal', message: fatal.message })),
    ];
  }

  get state(): PeerCallState {
    return this.#state;
  }

  /** The camera and microphone stream (what the preview shows unless a screen is shared). */
  get localStream(): MediaStream | null {
    return this.#local.stream;
  }

  get remoteStream(): MediaStream | null {
    return this.#remote.stream;
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
    this.#room.flushAcks();
  }

  /**
   * Sends the quality window so far (if it is at least a second long) and starts the next: the doctor's
   * last seconds before ending the call for everyone, which takes the room away.
   */
  flushQuality(): void {
    this.#sendQuality(QUALITY_SUMMARY_MIN_FINAL_MS);
  }

  /** Leaves the call and releases the camera. Safe to call more than once. */
  close(): void {
    this.#dispatch({ type: 'hang-up' });
    this.#stopQuality(false);
    this.#room.close();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  setAudioMuted(muted: boolean): void {
    this.#local.setAudioMuted(muted);
  }

  /** Turns the camera off or on; a shared screen goes on being sent. */
  setVideoOff(off: boolean): void {
    this.#local.setVideoOff(off);
  }

  /**
   * Starts a microphone or camera this side has no track of (it joined without it, or it was blocked or
   * missing) without leaving the call: the track is added to its transceiver, which renegotiates (S25).
   * Rejects with the browser's error when it fails again.
   */
  async turnOn(kind: TrackKind): Promise<void> {
    if (isTerminal(this.#state.phase)) return;
    await this.#local.turnOn(kind);
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

  #dispatch(event: PeerCallEvent): void {
    this.#queue.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) this.#step(next);
    } finally {
      this.#dispatching = false;
    }
  }

  #step(event: PeerCallEvent): void {
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

  #execute(effect: PeerCallEffect): void {
    switch (effect.type) {
      case 'acquire-media':
        this.#acquireMedia();
        return;
      case 'join':
        this.#room.join();
        return;
      case 'renew-grant':
        this.#room.renewGrant();
        return;
      case 'create-peer-connection':
        this.#createPeerConnection(effect.peer);
        return;
      case 'close-peer-connection':
        this.#closePeerConnection();
        return;
      case 'restart-ice':
        // A polite side that no offer reached attaches its tracks now, to offer them itself.
        this.#senders.attach();
        this.#qualityWindow?.reconnect();
        this.#link?.restartIce();
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
        this.#room.leave();
        return;
      case 'stop-media':
        this.#local.close();
        return;
    }
  }

  /** Joins with whatever starts (S25): a device that fails is reported, and the call goes on without it. */
  #acquireMedia(): void {
    const wanted = this.#options.join ?? { audio: true, video: true };
    this.#options.acquireMedia(wanted).then(
      ({ stream, problems }) => {
        if (isTerminal(this.#state.phase)) {
          for (const track of stream?.getTracks() ?? []) track.stop();
          return;
        }
        this.#local.use(stream, problems);
        this.#dispatch({ type: 'media-acquired' });
      },
      (error: unknown) => {
        this.#report(error);
        if (isTerminal(this.#state.phase)) return;
        const problem = deviceProblem(error);
        this.#local.use(null, {
          ...(wanted.audio ? { audio: problem } : {}),
          ...(wanted.video ? { video: problem } : {}),
        });
        this.#dispatch({ type: 'media-acquired' });
      },
    );
  }

  #createPeerConnection(peer: Peer): void {
    this.#closePeerConnection();
    const options = this.#options;
    this.#link = new PeerLink({
      ...options,
      send: (message) => options.signaling.send(message),
      senders: this.#senders,
      remote: this.#remote,
      onState: (state) => this.#dispatch({ type: `pc-${state}` }),
      active: () => this.#state.phase === 'connected' || this.#state.phase === 'reconnecting',
      onQuality: (report) => {
        this.#collectQuality(report);
        this.events.emit('quality', report);
      },
      onError: (error) => this.#report(error),
    });
    this.#remote.reset();
    this.#sentMedia = null;
    this.#announceMedia(peer);
    this.#announceScreenShare(true);
  }

  #closePeerConnection(): void {
    // The last part of the window goes before the room is left; once the call ended the room is gone.
    this.#stopQuality(this.#state.phase !== 'ended');
    const link = this.#link;
    this.#link = null;
    if (link) {
      link.close();
      this.events.emit('quality', null);
    }
    this.#remote.dropStream();
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  /**
   * One 1 s sample into the window; the first one starts the window and its timer. The window's code is
   * loaded at the first sample of the call: the samples until it is there are not summarised.
   */
  #collectQuality(report: QualityReport): void {
    const now = this.#now();
    const Window = this.#qualityClass;
    if (!Window) {
      if (this.#qualityLoading) return;
      this.#qualityLoading = true;
      const load = this.#options.loadQualityWindow ?? (() => import('./quality-window.js'));
      load().then(
        (module) => {
          this.#qualityClass = module.QualityWindow;
        },
        (error: unknown) => this.#report(error),
      );
      return;
    }
    if (!this.#qualityWindow) {
      this.#qualityWindow = new Window(now);
      this.#qualityTimer = this.#options.timers.setInterval(
        () => this.#sendQuality(1),
        QUALITY_SUMMARY_INTERVAL_MS,
      );
    }
    this.#qualityWindow.add(report, now);
  }

  /** The window so far to the server (docs/protocol.md S30), while in the room. */
  #sendQuality(minMs: number): void {
    const summary = this.#qualityWindow?.take(this.#now(), minMs);
    if (summary && this.#room.inRoom) this.#options.signaling.send({ type: 'quality-summary', summary });
  }

  #stopQuality(sendLast: boolean): void {
    if (sendLast) this.#sendQuality(QUALITY_SUMMARY_MIN_FINAL_MS);
    if (this.#qualityTimer !== null) this.#options.timers.clearInterval(this.#qualityTimer);
    this.#qualityTimer = null;
    this.#qualityWindow = null;
  }

  #clearIceTimer(): void {
    if (this.#iceTimer !== null) this.#options.timers.clearTimeout(this.#iceTimer);
    this.#iceTimer = null;
  }

  /**
   * The doctor's screen share (S10): on every change, and again whenever a patient arrives (a new peer
   * connection) or this side joins again, so the server's screen_sharing_active and a rejoined patient
   * know it. Stopping is sent even with nobody else in the room, for the server's flag.
   */
  #announceScreenShare(onlyIfActive: boolean): void {
    const active = this.#local.screenSharing;
    if (!this.#room.inRoom || (onlyIfActive && !active)) return;
    this.#options.signaling.send({ type: 'screen-share', active });
  }

  /**
   * Shows this side's media, and tells the other party when what it would see changed (S25): on every
   * change, and once for each new peer connection. A device still starting is told as `off`.
   */
  #announceMedia(peer: Peer | null = this.#state.peer): void {
    const media = this.localMedia;
    this.events.emit('local-media', media);
    if (!peer) return;
    const message = {
      type: 'media-state',
      audioMuted: media.audioMuted,
      videoOff: media.videoOff,
      microphone: media.microphone === 'starting' ? 'off' : media.microphone,
      camera: media.camera === 'starting' ? 'off' : media.camera,
    } as const;
    const key = JSON.stringify(message);
    if (key === this.#sentMedia) return;
    this.#sentMedia = key;
    this.#options.signaling.send(message);
  }

  #onMessage(message: ServerMessage): void {
    if ('seq' in message && !this.#room.accept(message.seq)) return;
    switch (message.type) {
      case 'joined':
        if (message.appointmentId !== this.#options.appointmentId) return;
        this.#room.joined(message);
        this.#dispatch({
          type: 'joined',
          peers: message.peers.filter((p) => p.userId !== message.self.userId),
          resumed: message.resumed,
        });
        // Sent while the socket was down it was lost; the server and a rejoined patient need it (S10).
        this.#announceScreenShare(true);
        if (message.recording !== undefined) this.events.emit('recording', message.recording);
        return;
      case 'recording':
        if (message.recording.appointmentId === this.#options.appointmentId) {
          this.events.emit('recording', message.recording);
        }
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
      case 'ice-candidate':
        if (this.#fromPeer(message.from)) this.#link?.signalled(message);
        return;
      case 'media-state':
      case 'screen-share':
        if (this.#fromPeer(message.from)) this.#remote.signalled(message);
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
