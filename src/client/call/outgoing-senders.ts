import type { LocalTracks, TrackKind } from './local-media.js';
import type { PeerConnectionLike, RtpSenderLike } from './peer-connection.js';
import { tuneVideoSender } from './sender-tuning.js';

export interface OutgoingSendersOptions {
  tracks: Pick<LocalTracks, 'stream' | 'screenSharing' | 'outgoing'>;
  createMediaStream: () => MediaStream;
  onError: (error: unknown) => void;
}

/**
 * This side's audio and video senders on the current peer connection: attached once, then following the
 * outgoing tracks (device switches, screen share) and tuned for what the video carries.
 */
export class OutgoingSenders {
  readonly #options: OutgoingSendersOptions;
  #pc: PeerConnectionLike | null = null;
  readonly #senders = new Map<TrackKind, RtpSenderLike>();
  #attached = false;
  /** Bumped with every peer connection: sender work queued for an earlier one is dropped. */
  #generation = 0;
  /** Sender changes (replaceTrack, setParameters) run one at a time, in order. */
  #work: Promise<void> = Promise.resolve();

  constructor(options: OutgoingSendersOptions) {
    this.#options = options;
  }

  /** A new peer connection (null: none): nothing is attached to it yet. */
  use(pc: PeerConnectionLike | null): void {
    this.#generation++;
    this.#pc = pc;
    this.#attached = false;
    this.#senders.clear();
  }

  /**
   * Adds a sender for each kind there is a track of, once per peer connection, and makes sure there is
   * an audio and a video m-line even without a track (S25): a party without a camera or microphone still
   * receives the other side's, and a device turned on later is a track on an m-line that is already there
   * (addTrack takes over the receive-only transceiver), not a new one.
   */
  attach(): void {
    const pc = this.#pc;
    if (this.#attached || !pc) return;
    this.#attached = true;
    for (const kind of ['audio', 'video'] as const) {
      this.#add(pc, kind);
      if (!this.#senders.has(kind) && !pc.getTransceivers().some((t) => t.receiver.track.kind === kind)) {
        pc.addTransceiver(kind, { direction: 'recvonly' });
      }
    }
  }

  /**
   * The outgoing track of a kind changed (device switch, screen share on or off). An existing sender
   * follows with replaceTrack, which needs no renegotiation; a kind not sent before (no camera at the
   * start, then a screen share or the camera turned on) takes over its receive-only transceiver, which
   * renegotiates. Before the tracks are attached there is
   * nothing to do: attaching takes the current tracks.
   */
  follow(kind: TrackKind): void {
    const pc = this.#pc;
    if (!pc || !this.#attached) return;
    const sender = this.#senders.get(kind);
    if (!sender) {
      this.#add(pc, kind);
      return;
    }
    const track = this.#options.tracks.outgoing(kind);
    this.#queue(async () => {
      if (sender.track !== track) await sender.replaceTrack(track);
      if (kind === 'video') await this.#tuneVideo(sender);
    });
  }

  /** After a negotiation: the video sender has its encodings now. */
  tune(): void {
    const sender = this.#senders.get('video');
    if (sender) this.#queue(() => this.#tuneVideo(sender));
  }

  /** A new m-line: the peer connection asks for negotiation (negotiationneeded). */
  #add(pc: PeerConnectionLike, kind: TrackKind): void {
    const { tracks, createMediaStream } = this.#options;
    const track = tracks.outgoing(kind);
    if (!track || this.#senders.has(kind)) return;
    this.#senders.set(kind, pc.addTrack(track, tracks.stream ?? createMediaStream()));
  }

  async #tuneVideo(sender: RtpSenderLike): Promise<void> {
    if (!sender.track) return;
    await tuneVideoSender(sender, this.#options.tracks.screenSharing ? 'screen' : 'camera');
  }

  #queue(work: () => Promise<void>): void {
    const generation = this.#generation;
    this.#work = this.#work
      .then(() => (generation === this.#generation ? work() : undefined))
      .catch((error: unknown) => this.#options.onError(error));
  }
}
