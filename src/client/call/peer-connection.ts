import type { IceCandidateInit } from '../../protocol/messages.js';

/** Callbacks a peer connection reports to; wired by the factory so the peer call never touches DOM events. */
export interface PeerConnectionHandlers {
  negotiationNeeded(): void;
  iceCandidate(candidate: RTCIceCandidate | null): void;
  track(track: MediaStreamTrack, streams: readonly MediaStream[]): void;
  connectionStateChange(state: RTCPeerConnectionState): void;
}

/** The part of RTCRtpSender the peer call uses. */
export interface RtpSenderLike {
  readonly track: MediaStreamTrack | null;
  /** Swaps what is sent without renegotiation (same kind). */
  replaceTrack(track: MediaStreamTrack | null): Promise<void>;
  getParameters(): RTCRtpSendParameters;
  /** Takes the object the last getParameters() returned, changed (its transactionId must match). */
  setParameters(parameters: RTCRtpSendParameters): Promise<void>;
}

/**
 * A stats report as RTCPeerConnection.getStats() resolves it; only iteration is used, so a Map of plain
 * records (recorded fixtures) serves as well.
 */
export interface StatsReportLike {
  forEach(callback: (entry: RTCStats) => void): void;
}

/** The part of RTCPeerConnection the peer call uses; a real one satisfies it as is. */
export interface PeerConnectionLike {
  readonly signalingState: RTCSignalingState;
  readonly connectionState: RTCPeerConnectionState;
  readonly localDescription: RTCSessionDescriptionInit | null;
  setLocalDescription(): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  /** Reuses a transceiver of the kind that never sent (one added to receive only), else adds one. */
  addTrack(track: MediaStreamTrack, stream: MediaStream): RtpSenderLike;
  /** An m-line of a kind this side has nothing to send of yet: it receives, and a track may come later. */
  addTransceiver(kind: 'audio' | 'video', init: { direction: 'recvonly' }): unknown;
  getTransceivers(): ReadonlyArray<{ readonly receiver: { readonly track: { readonly kind: string } } }>;
  getSenders(): RtpSenderLike[];
  getStats(): Promise<StatsReportLike>;
  getConfiguration(): RTCConfiguration;
  /** New ICE servers (fresh TURN credentials) apply to the candidates gathered from then on. */
  setConfiguration(configuration: RTCConfiguration): void;
  restartIce(): void;
  close(): void;
}

export type PeerConnectionFactory = (
  configuration: RTCConfiguration,
  handlers: PeerConnectionHandlers,
) => PeerConnectionLike;

/** The protocol's candidate shape (strict: exactly these keys) from a browser candidate. */
export function candidateToWire(candidate: RTCIceCandidateInit): IceCandidateInit {
  return {
    candidate: candidate.candidate ?? '',
    sdpMid: candidate.sdpMid ?? null,
    sdpMLineIndex: candidate.sdpMLineIndex ?? null,
    usernameFragment: candidate.usernameFragment ?? null,
  };
}

export function candidateFromWire(candidate: IceCandidateInit): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: candidate.candidate };
  if (candidate.sdpMid !== undefined) init.sdpMid = candidate.sdpMid;
  if (candidate.sdpMLineIndex !== undefined) init.sdpMLineIndex = candidate.sdpMLineIndex;
  if (candidate.usernameFragment !== undefined) init.usernameFragment = candidate.usernameFragment;
  return init;
}
