import type {
  PeerConnectionHandlers,
  PeerConnectionLike,
  RtpSenderLike,
  StatsReportLike,
} from '../call/peer-connection.js';

function stateError(message: string): Error {
  return Object.assign(new Error(message), { name: 'InvalidStateError' });
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets every pending fake operation and fake delivery run. */
export async function settle(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) await macrotask();
}

interface MediaSection {
  mid: string;
  kind: 'audio' | 'video';
  /** The side that wrote the description sends on this m-line. */
  sending: boolean;
}

interface FakeSdp {
  /** The ICE credentials' generation of the side that wrote it: a new one is an ICE restart. */
  ice: string;
  media: MediaSection[];
}

let sdpSeq = 0;
/**
 * What each fake SDP string describes. The strings stay short (tests match them by prefix); strings made
 * up by a test ("offer:mallory") describe no media and ICE generation "?".
 */
const described = new Map<string, FakeSdp>();

function describe(sdp: string | undefined): FakeSdp {
  return (sdp ? described.get(sdp) : undefined) ?? { ice: '?', media: [] };
}

export class FakeSender implements RtpSenderLike {
  track: MediaStreamTrack | null;
  /** Every track it was given with replaceTrack, in order. */
  readonly replaced: Array<MediaStreamTrack | null> = [];
  /** What setParameters applied, in order. */
  readonly applied: RTCRtpSendParameters[] = [];
  #parameters: RTCRtpSendParameters = {
    transactionId: '0',
    encodings: [{}],
    codecs: [],
    headerExtensions: [],
    rtcp: {},
  };
  #transaction = 0;

  constructor(track: MediaStreamTrack | null) {
    this.track = track;
  }

  async replaceTrack(track: MediaStreamTrack | null): Promise<void> {
    await macrotask();
    if (track && this.track && track.kind !== this.track.kind) throw new TypeError('kind mismatch');
    this.track = track;
    this.replaced.push(track);
  }

  getParameters(): RTCRtpSendParameters {
    this.#parameters = structuredClone({ ...this.#parameters, transactionId: String(++this.#transaction) });
    return structuredClone(this.#parameters);
  }

  /** Like Chromium: only the object from the latest getParameters() may be applied, and only once. */
  async setParameters(parameters: RTCRtpSendParameters): Promise<void> {
    if (parameters.transactionId !== this.#parameters.transactionId) {
      throw Object.assign(new Error('stale transaction'), { name: 'InvalidModificationError' });
    }
    this.#parameters = structuredClone({ ...parameters, transactionId: '' });
    this.applied.push(structuredClone(parameters));
    await macrotask();
  }
}

interface FakeTransceiver {
  mid: string | null;
  kind: 'audio' | 'video';
  sender: FakeSender;
  /** Created by a remote offer: addTrack may take it over. */
  fromRemote: boolean;
  /** Added with addTransceiver to receive only: addTrack may take it over too. */
  receiveOnly: boolean;
  /** Its sending has been agreed by a completed offer/answer. */
  negotiatedSending: boolean;
  /** What the local offer still waiting for its answer did to it: gave it its mid, or started its sending. */
  pendingOffer: 'none' | 'mid' | 'sending';
}

/**
 * A model of RTCPeerConnection's signaling (JSEP) faithful enough for glare: serialised operations that
 * complete asynchronously, argument-free setLocalDescription, implicit rollback of a local offer when a
 * remote offer is applied, transceivers matched to m-lines, ICE restarts as new credentials, and
 * negotiationneeded fired (again) whenever the connection is stable while something is still unnegotiated
 * (a track without an agreed m-line, a pending restartIce()).
 */
export class FakePeerConnection implements PeerConnectionLike {
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  readonly handlers: PeerConnectionHandlers;
  configuration: RTCConfiguration;
  /** Every configuration given with setConfiguration, in order. */
  readonly reconfigured: RTCConfiguration[] = [];
  readonly name: string;
  readonly tracks: MediaStreamTrack[] = [];
  readonly candidates: RTCIceCandidateInit[] = [];
  /** What happened, in order: offers made, rollbacks, remote descriptions applied. */
  readonly history: string[] = [];
  /** What getStats() reports (a test sets it); each call answers a copy. */
  stats: Record<string, unknown>[] = [];
  statsCalls = 0;
  closed = false;
  restarts = 0;
  /** The generation of this side's ICE credentials; it grows with every ICE restart that is applied. */
  iceGeneration = 1;
  readonly #transceivers: FakeTransceiver[] = [];
  #chain: Promise<void> = Promise.resolve();
  #restartPending = false;
  #negotiationScheduled = false;
  #remoteIce = '';
  #nextMid = 0;

  constructor(name: string, configuration: RTCConfiguration, handlers: PeerConnectionHandlers) {
    this.name = name;
    this.configuration = configuration;
    this.handlers = handlers;
  }

  /** Something is not negotiated yet: negotiationneeded fires whenever the connection is stable. */
  get needsNegotiation(): boolean {
    return (
      this.#restartPending ||
      this.#transceivers.some((t) => t.mid === null || (t.sender.track !== null && !t.negotiatedSending))
    );
  }

  get senders(): FakeSender[] {
    return this.#transceivers.map((t) => t.sender);
  }

  /** The ICE generation the other side last used, as this side knows it from its description. */
  get remoteIceGeneration(): string {
    return this.#remoteIce;
  }

  setLocalDescription(): Promise<void> {
    return this.#operation(() => {
      if (this.signalingState === 'have-remote-offer') this.#answer();
      else if (this.signalingState === 'stable' || this.signalingState === 'have-local-offer') this.#offer();
      else throw stateError(`setLocalDescription in ${this.signalingState}`);
    });
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return this.#operation(() => {
      const sdp = describe(description.sdp);
      if (description.type === 'offer') {
        if (this.signalingState === 'have-local-offer') this.#rollback();
        else if (this.signalingState !== 'stable') throw stateError(`offer in ${this.signalingState}`);
        this.#applyRemoteOffer(sdp);
        this.remoteDescription = description;
        this.signalingState = 'have-remote-offer';
        this.history.push(`remote ${description.sdp}`);
      } else if (description.type === 'answer') {
        if (this.signalingState !== 'have-local-offer') throw stateError(`answer in ${this.signalingState}`);
        this.remoteDescription = description;
        this.#remoteIce = sdp.ice;
        for (const t of this.#transceivers) {
          if (t.pendingOffer !== 'none' && t.sender.track) t.negotiatedSending = true;
          t.pendingOffer = 'none';
        }
        this.signalingState = 'stable';
        this.history.push(`remote ${description.sdp}`);
        this.#scheduleNegotiation();
      }
    });
  }

  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    return this.#operation(() => {
      if (!this.remoteDescription) throw stateError('no remote description');
      this.candidates.push(candidate);
    });
  }

  addTrack(track: MediaStreamTrack): FakeSender {
    if (this.closed) throw stateError('closed');
    if (this.#transceivers.some((t) => t.sender.track === track)) throw stateError('track already added');
    this.tracks.push(track);
    const kind = track.kind as 'audio' | 'video';
    // JSEP: a transceiver never used to send (a remote offer's, or one added to receive only) is reused
    // before a new one is made.
    const reusable = this.#transceivers.find(
      (t) =>
        t.kind === kind && (t.fromRemote || t.receiveOnly) && t.sender.track === null && !t.negotiatedSending,
    );
    if (reusable) {
      reusable.sender.track = track;
      reusable.fromRemote = false;
      reusable.receiveOnly = false;
    } else {
      this.#transceivers.push({
        mid: null,
        kind,
        sender: new FakeSender(track),
        fromRemote: false,
        receiveOnly: false,
        negotiatedSending: false,
        pendingOffer: 'none',
      });
    }
    this.#scheduleNegotiation();
    return (reusable?.sender ?? this.#transceivers.at(-1)?.sender) as FakeSender;
  }

  addTransceiver(kind: 'audio' | 'video', init: { direction: 'recvonly' }): void {
    if (this.closed) throw stateError('closed');
    if (init.direction !== 'recvonly') throw new TypeError('only recvonly transceivers are modelled');
    this.#transceivers.push({
      mid: null,
      kind,
      sender: new FakeSender(null),
      fromRemote: false,
      receiveOnly: true,
      negotiatedSending: false,
      pendingOffer: 'none',
    });
    this.#scheduleNegotiation();
  }

  getTransceivers(): Array<{
    kind: 'audio' | 'video';
    mid: string | null;
    sending: boolean;
    receiver: { track: { kind: string } };
  }> {
    return this.#transceivers.map((t) => ({
      kind: t.kind,
      mid: t.mid,
      sending: t.sender.track !== null,
      receiver: { track: { kind: t.kind } },
    }));
  }

  getSenders(): FakeSender[] {
    return this.senders;
  }

  async getStats(): Promise<StatsReportLike> {
    this.statsCalls++;
    await macrotask();
    return new Map(
      this.stats.map((entry, i) => [String(entry['id'] ?? i), structuredClone(entry)]),
    ) as unknown as StatsReportLike;
  }

  getConfiguration(): RTCConfiguration {
    return { ...this.configuration };
  }

  setConfiguration(configuration: RTCConfiguration): void {
    if (this.closed) throw stateError('closed');
    this.configuration = configuration;
    this.reconfigured.push(configuration);
  }

  restartIce(): void {
    if (this.closed) return;
    this.restarts++;
    this.#restartPending = true;
    this.#scheduleNegotiation();
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
    this.connectionState = 'closed';
  }

  /** Plays the browser reporting a connection state. */
  reportConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.handlers.connectionStateChange(state);
  }

  #offer(): void {
    if (this.#restartPending) {
      this.iceGeneration++;
      this.#restartPending = false;
    }
    for (const t of this.#transceivers) {
      if (t.mid === null) {
        t.mid = `${this.name}-${this.#nextMid++}`;
        t.pendingOffer = 'mid';
      } else if (t.sender.track && !t.negotiatedSending) {
        t.pendingOffer = 'sending';
      }
    }
    const sdp = this.#write('offer');
    this.localDescription = { type: 'offer', sdp };
    this.signalingState = 'have-local-offer';
    this.history.push('offered');
  }

  #answer(): void {
    const sdp = this.#write('answer');
    for (const t of this.#transceivers) if (t.mid !== null && t.sender.track) t.negotiatedSending = true;
    this.localDescription = { type: 'answer', sdp };
    this.signalingState = 'stable';
    this.history.push('answered');
    this.#scheduleNegotiation();
  }

  /** Implicit rollback: the local offer is forgotten, with the mids and the ICE credentials it introduced. */
  #rollback(): void {
    for (const t of this.#transceivers) {
      if (t.pendingOffer === 'mid') t.mid = null;
      t.pendingOffer = 'none';
    }
    this.localDescription = null;
    this.signalingState = 'stable';
    this.history.push('rolled back');
  }

  #applyRemoteOffer(sdp: FakeSdp): void {
    if (sdp.ice !== this.#remoteIce && this.#remoteIce !== '') {
      // The other side restarts ICE: the answer carries new credentials of ours too.
      this.iceGeneration++;
      this.#restartPending = false;
    }
    this.#remoteIce = sdp.ice;
    for (const section of sdp.media) {
      if (this.#transceivers.some((t) => t.mid === section.mid)) continue;
      const unassociated = this.#transceivers.find(
        (t) => t.mid === null && t.kind === section.kind && !t.fromRemote,
      );
      if (unassociated) unassociated.mid = section.mid;
      else
        this.#transceivers.push({
          mid: section.mid,
          kind: section.kind,
          sender: new FakeSender(null),
          fromRemote: true,
          receiveOnly: false,
          negotiatedSending: false,
          pendingOffer: 'none',
        });
    }
  }

  #write(type: 'offer' | 'answer'): string {
    const sdp = `${type}:${this.name}:${++sdpSeq}`;
    const media = this.#transceivers
      .filter((t): t is FakeTransceiver & { mid: string } => t.mid !== null)
      .map((t) => ({ mid: t.mid, kind: t.kind, sending: t.sender.track !== null }));
    described.set(sdp, { ice: `${this.name}:${this.iceGeneration}`, media });
    return sdp;
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

  #scheduleNegotiation(): void {
    if (this.#negotiationScheduled) return;
    this.#negotiationScheduled = true;
    void this.#chain.then(async () => {
      await macrotask();
      this.#negotiationScheduled = false;
      if (!this.closed && this.needsNegotiation && this.signalingState === 'stable') {
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
