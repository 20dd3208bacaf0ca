import type { PeerConnectionHandlers, PeerConnectionLike } from '../call/peer-connection.js';

function stateError(message: string): Error {
  return Object.assign(new Error(message), { name: 'InvalidStateError' });
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets every pending fake operation and fake delivery run. */
export async function settle(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) await macrotask();
}

let sdpSeq = 0;

/**
 * A model of RTCPeerConnection's signaling state machine (JSEP): serialised operations that complete
 * asynchronously, argument-free setLocalDescription, implicit rollback of a local offer when a remote
 * offer is applied, and negotiationneeded fired when stable.
 */
export class FakePeerConnection implements PeerConnectionLike {
  signalingState: RTCSignalingState = 'stable';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  readonly handlers: PeerConnectionHandlers;
  readonly configuration: RTCConfiguration;
  readonly name: string;
  readonly tracks: MediaStreamTrack[] = [];
  readonly candidates: RTCIceCandidateInit[] = [];
  /** What happened, in order: offers made, rollbacks, remote descriptions applied. */
  readonly history: string[] = [];
  closed = false;
  restarts = 0;
  #chain: Promise<void> = Promise.resolve();
  #needsNegotiation = false;
  #negotiationScheduled = false;

  constructor(name: string, configuration: RTCConfiguration, handlers: PeerConnectionHandlers) {
    this.name = name;
    this.configuration = configuration;
    this.handlers = handlers;
  }

  setLocalDescription(): Promise<void> {
    return this.#operation(() => {
      if (this.signalingState === 'have-remote-offer') {
        this.localDescription = { type: 'answer', sdp: `answer:${this.name}:${++sdpSeq}` };
        this.signalingState = 'stable';
        this.history.push('answered');
        this.#negotiated();
      } else {
        this.localDescription = { type: 'offer', sdp: `offer:${this.name}:${++sdpSeq}` };
        this.signalingState = 'have-local-offer';
        this.history.push('offered');
      }
    });
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return this.#operation(() => {
      if (description.type === 'offer') {
        if (this.signalingState === 'have-local-offer') {
          this.history.push('rolled back');
          this.localDescription = null;
        }
        this.remoteDescription = description;
        this.signalingState = 'have-remote-offer';
        this.history.push(`remote ${description.sdp}`);
      } else if (description.type === 'answer') {
        if (this.signalingState !== 'have-local-offer') throw stateError(`answer in ${this.signalingState}`);
        this.remoteDescription = description;
        this.signalingState = 'stable';
        this.history.push(`remote ${description.sdp}`);
        this.#negotiated();
      }
    });
  }

  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    return this.#operation(() => {
      if (!this.remoteDescription) throw stateError('no remote description');
      this.candidates.push(candidate);
    });
  }

  addTrack(track: MediaStreamTrack): void {
    this.tracks.push(track);
    this.#needsNegotiation = true;
    this.#scheduleNegotiation();
  }

  restartIce(): void {
    this.restarts++;
    this.#needsNegotiation = true;
    this.#scheduleNegotiation();
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
  }

  /** Plays the browser reporting a connection state. */
  reportConnectionState(state: RTCPeerConnectionState): void {
    this.handlers.connectionStateChange(state);
  }

  #operation(step: () => void): Promise<void> {
    const result = this.#chain.then(async () => {
      await macrotask();
      if (this.closed) throw stateError('closed');
      step();
    });
    this.#chain = result.catch(() => undefined);
    return result;
  }

  #negotiated(): void {
    this.#needsNegotiation = false;
  }

  #scheduleNegotiation(): void {
    if (this.#negotiationScheduled) return;
    this.#negotiationScheduled = true;
    void this.#chain.then(async () => {
      await macrotask();
      this.#negotiationScheduled = false;
      if (!this.closed && this.#needsNegotiation && this.signalingState === 'stable') {
        this.handlers.negotiationNeeded();
      }
    });
  }
}

export function fakePeerConnectionFactory(name: string) {
  const created: FakePeerConnection[] = [];
  return {
    created,
    latest(): FakePeerConnection {
      const pc = created.at(-1);
      if (!pc) throw new Error(`${name} has no peer connection`);
      return pc;
    },
    factory: (configuration: RTCConfiguration, handlers: PeerConnectionHandlers): FakePeerConnection => {
      const pc = new FakePeerConnection(`${name}${created.length + 1}`, configuration, handlers);
      created.push(pc);
      return pc;
    },
  };
}
