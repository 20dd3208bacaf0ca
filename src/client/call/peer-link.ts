import type { ServerMessage } from '../../protocol/messages.js';
import { type IceRestartOptions, restartIce } from './ice-restart.js';
import type { OutgoingSenders } from './outgoing-senders.js';
import type { PeerConnectionFactory, PeerConnectionLike } from './peer-connection.js';
import { type NegotiationMessage, PerfectNegotiation } from './perfect-negotiation.js';
import { type QualitySamplingOptions, sampleQuality } from './quality-sampling.js';
import type { RemoteFeed } from './remote-media.js';
import { withStartBitrate } from './sender-tuning.js';

export type NegotiationSignal = Extract<ServerMessage, { type: 'offer' | 'answer' | 'ice-candidate' }>;

export interface PeerLinkOptions
  extends Omit<QualitySamplingOptions, 'pc'>,
    Pick<IceRestartOptions, 'refreshIceConfig'> {
  createPeerConnection: PeerConnectionFactory;
  iceServers: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  polite: boolean;
  send: (message: NegotiationMessage) => void;
  senders: Pick<OutgoingSenders, 'use' | 'attach' | 'tune'>;
  remote: Pick<RemoteFeed, 'addTrack' | 'media'>;
  /** The connection states the peer call's table takes (pc-connected, pc-disconnected, pc-failed). */
  onState: (state: 'connected' | 'disconnected' | 'failed') => void;
}

/**
 * One peer connection to the other party: this side's senders on it, its perfect negotiation, its ICE
 * restarts and its quality sampling. Once closed, nothing it still hears (callbacks, late answers) reaches
 * the peer call.
 */
export class PeerLink {
  readonly #options: PeerLinkOptions;
  readonly #pc: PeerConnectionLike;
  readonly #negotiation: PerfectNegotiation;
  readonly #stopSampling: () => void;
  #closed = false;

  constructor(options: PeerLinkOptions) {
    this.#options = options;
    const { senders, onError } = options;
    const open = () => !this.#closed;
    const configuration: RTCConfiguration = { iceServers: options.iceServers };
    if (options.iceTransportPolicy) configuration.iceTransportPolicy = options.iceTransportPolicy;
    const pc = options.createPeerConnection(configuration, {
      negotiationNeeded: () => {
        if (open()) void negotiation.onNegotiationNeeded();
      },
      iceCandidate: (candidate) => {
        if (open()) negotiation.onLocalCandidate(candidate);
      },
      track: (track, streams) => {
        if (open()) options.remote.addTrack(track, streams);
      },
      connectionStateChange: (state) => {
        if (open() && (state === 'connected' || state === 'disconnected' || state === 'failed')) {
          options.onState(state);
        }
      },
    });
    const negotiation = new PerfectNegotiation({
      pc,
      polite: options.polite,
      send: (message) => {
        if (open()) options.send(message);
      },
      onError,
      beforeAnswer: () => {
        if (open()) senders.attach();
      },
      transformRemoteSdp: (sdp) => withStartBitrate(sdp),
      onNegotiated: () => {
        if (open()) senders.tune();
      },
    });
    this.#pc = pc;
    this.#negotiation = negotiation;
    senders.use(pc);
    // The impolite side attaches its tracks at once and makes the first offer; the polite side attaches
    // them only to answer that offer. Both offering at once is valid perfect negotiation, but Chromium
    // rolling back a first offer while it still gathers can leave the answer without ICE candidates.
    if (!options.polite) senders.attach();
    this.#stopSampling = sampleQuality({ ...options, pc });
  }

  /** An offer, answer or candidate from the other party. */
  signalled(message: NegotiationSignal): void {
    if (message.type === 'ice-candidate') void this.#negotiation.onRemoteCandidate(message.candidate);
    else void this.#negotiation.onRemoteDescription({ type: message.type, sdp: message.sdp });
  }

  /** With fresh ICE servers where they come in time (see ice-restart.ts). */
  restartIce(): void {
    restartIce({
      ...this.#options,
      pc: this.#pc,
      negotiation: this.#negotiation,
      current: () => !this.#closed,
    });
  }

  /** Stops sampling and negotiating, and closes the peer connection. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopSampling();
    this.#options.senders.use(null);
    this.#negotiation.close();
    try {
      this.#pc.close();
    } catch (error) {
      this.#options.onError(error);
    }
  }
}
