import type { IceCandidateInit } from '../../protocol/messages.js';
import { candidateFromWire, candidateToWire, type PeerConnectionLike } from './peer-connection.js';

export type NegotiationMessage =
  | { type: 'offer'; sdp: string }
  | { type: 'answer'; sdp: string }
  | { type: 'ice-candidate'; candidate: IceCandidateInit | null };

export interface PerfectNegotiationOptions {
  pc: PeerConnectionLike;
  /** The polite side yields when both offer at once; the impolite side ignores the other's offer. */
  polite: boolean;
  send: (message: NegotiationMessage) => void;
  onError: (error: unknown) => void;
  /** Runs after a remote offer is applied and before the answer is made, e.g. to attach local tracks. */
  beforeAnswer?: () => void;
  /** Rewrites a remote description's SDP before it is applied (e.g. the video start bitrate). */
  transformRemoteSdp?: (sdp: string) => string;
  /** Runs when an offer/answer exchange completed (signaling back to stable), e.g. to tune the senders. */
  onNegotiated?: () => void;
}

/**
 * The "perfect negotiation" pattern (W3C WebRTC 1.0 §10.7): either side may offer at any time;
 * glare is resolved by politeness, with the polite side's implicit rollback in setRemoteDescription.
 */
export class PerfectNegotiation {
  readonly #pc: PeerConnectionLike;
  readonly #polite: boolean;
  readonly #send: (message: NegotiationMessage) => void;
  readonly #onError: (error: unknown) => void;
  readonly #beforeAnswer: () => void;
  readonly #transformRemoteSdp: (sdp: string) => string;
  readonly #onNegotiated: () => void;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #closed = false;

  constructor(options: PerfectNegotiationOptions) {
    this.#pc = options.pc;
    this.#polite = options.polite;
    this.#send = options.send;
    this.#onError = options.onError;
    this.#beforeAnswer = options.beforeAnswer ?? (() => undefined);
    this.#transformRemoteSdp = options.transformRemoteSdp ?? ((sdp) => sdp);
    this.#onNegotiated = options.onNegotiated ?? (() => undefined);
  }

  get isIgnoringOffer(): boolean {
    return this.#ignoreOffer;
  }

  close(): void {
    this.#closed = true;
  }

  async onNegotiationNeeded(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      const description = this.#pc.localDescription;
      if (!this.#closed && description?.type === 'offer' && description.sdp) {
        this.#send({ type: 'offer', sdp: description.sdp });
      }
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#makingOffer = false;
    }
  }

  /**
   * Restarts ICE. An offer still waiting for its answer is sent again instead: it may have been lost with
   * a dropped socket, and a new offer cannot be made until that one is answered.
   */
  restartIce(): void {
    if (this.#closed) return;
    const pending = this.#pc.localDescription;
    if (this.#pc.signalingState === 'have-local-offer' && pending?.type === 'offer' && pending.sdp) {
      this.#send({ type: 'offer', sdp: pending.sdp });
      return;
    }
    this.#pc.restartIce();
  }

  onLocalCandidate(candidate: RTCIceCandidate | null): void {
    if (this.#closed) return;
    this.#send({ type: 'ice-candidate', candidate: candidate ? candidateToWire(candidate.toJSON()) : null });
  }

  async onRemoteDescription(description: { type: 'offer' | 'answer'; sdp: string }): Promise<void> {
    if (this.#closed) return;
    try {
      const readyForOffer =
        !this.#makingOffer && (this.#pc.signalingState === 'stable' || this.#settingRemoteAnswer);
      const offerCollision = description.type === 'offer' && !readyForOffer;
      this.#ignoreOffer = !this.#polite && offerCollision;
      if (this.#ignoreOffer) return;
      this.#settingRemoteAnswer = description.type === 'answer';
      try {
        await this.#pc.setRemoteDescription({
          type: description.type,
          sdp: this.#transformRemoteSdp(description.sdp),
        });
      } finally {
        this.#settingRemoteAnswer = false;
      }
      if (description.type === 'offer') {
        this.#beforeAnswer();
        await this.#pc.setLocalDescription();
        const answer = this.#pc.localDescription;
        if (!this.#closed && answer?.type === 'answer' && answer.sdp)
          this.#send({ type: 'answer', sdp: answer.sdp });
      }
      if (!this.#closed && this.#pc.signalingState === 'stable') this.#onNegotiated();
    } catch (error) {
      this.#onError(error);
    }
  }

  async onRemoteCandidate(candidate: IceCandidateInit | null): Promise<void> {
    if (this.#closed || candidate === null) return;
    // Judged on arrival: the channel is ordered, so a candidate that arrives while an offer is being
    // ignored belongs to that offer, even if it fails only after the next description has come in.
    const forIgnoredOffer = this.#ignoreOffer;
    try {
      await this.#pc.addIceCandidate(candidateFromWire(candidate));
    } catch (error) {
      if (!forIgnoredOffer) this.#onError(error);
    }
  }
}
