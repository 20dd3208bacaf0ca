import type { CandidateType } from '../../protocol/call-quality.js';

export type QualityLevel = 'excellent' | 'good' | 'poor' | 'lost';

/** The connection as the person on this side experiences it: figures are for the remote picture. */
export interface QualityReport {
  level: QualityLevel;
  rttMs: number | null;
  jitterMs: number | null;
  lossPercent: number | null;
  bitrateKbps: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  candidateType: 'direct' | 'relay' | null;
  /** This side's candidate of the selected pair (host, srflx, prflx, relay), for the call's summary. */
  localCandidateType: CandidateType | null;
  /** Sound arrived since the last sample; null on the first. */
  receivingAudio: boolean | null;
  /** New video frames were decoded since the last sample; null on the first. */
  pictureMoving: boolean | null;
  /** What this side sends (audio and video), for the numbers panel. */
  sendBitrateKbps: number | null;
  /** What this side receives (audio and video), for the call's summary. */
  recvBitrateKbps: number | null;
  /** 0–100 after smoothing; the level is read from it (docs/call-quality.md). */
  score: number | null;
}

/** One entry of a getStats() report, as a plain record (what recorded fixtures hold). */
export type StatsEntry = Record<string, unknown>;

/** What the meter needs to know besides the stats, each sample. */
export interface QualityContext {
  connectionState: RTCPeerConnectionState;
  /** The other side says its camera is off: no video is expected, so none is not bad. */
  remoteVideoOff: boolean;
  /** The other side shares a screen: few packets and a still picture are normal. */
  remoteScreenSharing: boolean;
}

// The thresholds and weights are explained in docs/call-quality.md; tests pin the levels they give.
export const EXCELLENT_SCORE = 80;
export const GOOD_SCORE = 55;
/** Packets per second (all inbound streams) from which a loss fraction counts fully. */
export const FULL_WEIGHT_PACKET_RATE = 50;
/** No inbound packet for this long while connected reads as "lost". */
export const LOST_AFTER_MS = 3_000;
/** Weight of a new sample in the smoothed score. */
export const SCORE_SMOOTHING = 0.35;
/** Samples a lower level must hold before it is shown, and a higher one. */
export const DOWNGRADE_HOLD = 2;
export const UPGRADE_HOLD = 3;

/** The height a camera is asked for (media.ts: 1280x720 ideal). */
const EXPECTED_CAMERA_HEIGHT = 720;

interface Counters {
  at: number;
  packetsReceived: number;
  packetsLost: number;
  audioPackets: number;
  receivedBytes: number;
  videoBytes: number;
  videoFrames: number;
  sentBytes: number;
}

export interface SampleFigures {
  rttMs: number | null;
  jitterMs: number | null;
  lossPercent: number | null;
  /** Inbound packets per second over the interval (all streams). */
  packetRate: number | null;
  bitrateKbps: number | null;
  sendBitrateKbps: number | null;
  recvBitrateKbps: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  candidateType: 'direct' | 'relay' | null;
  localCandidateType: CandidateType | null;
  receivingAudio: boolean | null;
  pictureMoving: boolean | null;
}

const LOCAL_CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

function num(entry: StatsEntry | undefined, key: string): number | null {
  const value = entry?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function str(entry: StatsEntry | undefined, key: string): string | null {
  const value = entry?.[key];
  return typeof value === 'string' ? value : null;
}

function sum(entries: readonly StatsEntry[], key: string): number {
  return entries.reduce((total, entry) => total + Math.max(0, num(entry, key) ?? 0), 0);
}

function selectedPair(entries: readonly StatsEntry[], byId: Map<string, StatsEntry>): StatsEntry | undefined {
  const viaTransport = entries
    .filter((e) => e['type'] === 'transport')
    .map((e) => str(e, 'selectedCandidatePairId'))
    .find((id) => id !== null);
  if (viaTransport) {
    const pair = byId.get(viaTransport);
    if (pair) return pair;
  }
  return entries.find(
    (e) => e['type'] === 'candidate-pair' && e['nominated'] === true && e['state'] === 'succeeded',
  );
}

/** Reads one getStats() snapshot; `previous` (the last one's counters) turns totals into rates. */
export function readSample(
  entries: readonly StatsEntry[],
  previous: Counters | null,
): { figures: SampleFigures; counters: Counters } {
  const byId = new Map(entries.map((e) => [str(e, 'id') ?? '', e]));
  const inbound = entries.filter((e) => e['type'] === 'inbound-rtp');
  const video = inbound
    .filter((e) => e['kind'] === 'video')
    .sort((a, b) => (num(b, 'bytesReceived') ?? 0) - (num(a, 'bytesReceived') ?? 0))[0];
  const audio = inbound.find((e) => e['kind'] === 'audio');
  const outbound = entries.filter((e) => e['type'] === 'outbound-rtp');
  const at = Math.max(0, ...entries.map((e) => num(e, 'timestamp') ?? 0));

  const pair = selectedPair(entries, byId);
  let rtt = num(pair, 'currentRoundTripTime');
  if (rtt === null) {
    const remoteInbound = entries
      .filter((e) => e['type'] === 'remote-inbound-rtp')
      .map((e) => num(e, 'roundTripTime'));
    rtt = remoteInbound.find((v) => v !== null) ?? null;
  }
  const localType = str(byId.get(str(pair, 'localCandidateId') ?? ''), 'candidateType');
  const remoteType = str(byId.get(str(pair, 'remoteCandidateId') ?? ''), 'candidateType');
  const candidateType = pair ? (localType === 'relay' || remoteType === 'relay' ? 'relay' : 'direct') : null;
  const localCandidateType =
    pair && localType !== null && LOCAL_CANDIDATE_TYPES.includes(localType)
      ? (localType as CandidateType)
      : null;

  const counters: Counters = {
    at,
    packetsReceived: sum(inbound, 'packetsReceived'),
    packetsLost: sum(inbound, 'packetsLost'),
    audioPackets: sum(
      inbound.filter((e) => e['kind'] === 'audio'),
      'packetsReceived',
    ),
    receivedBytes: sum(inbound, 'bytesReceived'),
    videoBytes: num(video, 'bytesReceived') ?? 0,
    videoFrames: num(video, 'framesDecoded') ?? 0,
    sentBytes: sum(outbound, 'bytesSent'),
  };
  const seconds = previous && at > previous.at ? (at - previous.at) / 1000 : null;
  const delta = (key: keyof Counters) => (previous ? Math.max(0, counters[key] - previous[key]) : 0);
  let lossPercent: number | null = null;
  let packetRate: number | null = null;
  let bitrateKbps: number | null = null;
  let sendBitrateKbps: number | null = null;
  let recvBitrateKbps: number | null = null;
  let fps = num(video, 'framesPerSecond');
  if (seconds !== null) {
    const received = delta('packetsReceived');
    const lost = delta('packetsLost');
    packetRate = (received + lost) / seconds;
    lossPercent = received + lost > 0 ? (100 * lost) / (received + lost) : 0;
    bitrateKbps = (8 * delta('videoBytes')) / seconds / 1000;
    sendBitrateKbps = (8 * delta('sentBytes')) / seconds / 1000;
    recvBitrateKbps = (8 * delta('receivedBytes')) / seconds / 1000;
    fps ??= delta('videoFrames') / seconds;
  }
  const jitter = num(video, 'jitter') ?? num(audio, 'jitter');
  return {
    counters,
    figures: {
      rttMs: rtt === null ? null : rtt * 1000,
      jitterMs: jitter === null ? null : jitter * 1000,
      lossPercent,
      packetRate,
      bitrateKbps,
      sendBitrateKbps,
      recvBitrateKbps,
      width: num(video, 'frameWidth'),
      height: num(video, 'frameHeight'),
      fps,
      candidateType,
      localCandidateType,
      receivingAudio: previous ? counters.audioPackets > previous.audioPackets : null,
      pictureMoving: previous ? counters.videoFrames > previous.videoFrames : null,
    },
  };
}

/**
 * 100 minus penalties (docs/call-quality.md). Loss is weighted by the packet rate, so a silent microphone
 * (Opus sends a few packets a second) or a still screen share does not turn one lost packet into 20 %.
 */
export function scoreSample(
  figures: SampleFigures,
  audioJitterMs: number | null,
  context: QualityContext,
): number {
  let penalty = 0;
  if (figures.rttMs !== null) penalty += clamp((figures.rttMs - 150) / 8, 0, 45);
  const jitter = audioJitterMs ?? figures.jitterMs;
  if (jitter !== null) penalty += clamp((jitter - 30) / 2, 0, 25);
  if (figures.lossPercent !== null && figures.packetRate !== null) {
    const weight = Math.min(1, figures.packetRate / FULL_WEIGHT_PACKET_RATE);
    penalty += clamp(figures.lossPercent * weight * 7, 0, 70);
  }
  if (!context.remoteVideoOff && !context.remoteScreenSharing) penalty += videoPenalty(figures);
  return clamp(100 - penalty, 0, 100);
}

/** Achieved against expected: the camera is asked for 720p; a picture far below it is a degraded link. */
function videoPenalty(figures: SampleFigures): number {
  const { height, fps } = figures;
  if (height === null || height === 0) return 0;
  const ratio = height / EXPECTED_CAMERA_HEIGHT;
  let penalty = ratio >= 0.7 ? 0 : ratio >= 0.45 ? 8 : ratio >= 0.25 ? 20 : 35;
  if (fps !== null && fps < 10) penalty += fps < 5 ? 15 : 8;
  return penalty;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function levelOf(score: number): Exclude<QualityLevel, 'lost'> {
  return score >= EXCELLENT_SCORE ? 'excellent' : score >= GOOD_SCORE ? 'good' : 'poor';
}

const RANK: Record<QualityLevel, number> = { lost: 0, poor: 1, good: 2, excellent: 3 };

/**
 * Turns successive getStats() snapshots of one peer connection into what the indicator shows: an EWMA of
 * the score, and a level that changes only after the new one held for a few samples (faster down than up),
 * so it does not flicker. "Lost" is immediate: nothing arrives, or the connection is disconnected.
 */
export class QualityMeter {
  #previous: Counters | null = null;
  #score: number | null = null;
  #level: QualityLevel | null = null;
  #candidate: QualityLevel | null = null;
  #held = 0;
  #lastPacketAt: number | null = null;

  /** Reads one snapshot taken `at` (ms, any clock) and answers the report to show. */
  sample(entries: readonly StatsEntry[], context: QualityContext): QualityReport {
    const { figures, counters } = readSample(entries, this.#previous);
    const fresh = this.#previous === null;
    const packetsArrived =
      this.#previous === null || counters.packetsReceived > this.#previous.packetsReceived;
    if (packetsArrived || this.#lastPacketAt === null) this.#lastPacketAt = counters.at;
    this.#previous = counters;

    const silentFor = counters.at - this.#lastPacketAt;
    const broken = context.connectionState === 'disconnected' || context.connectionState === 'failed';
    const audio = entries.find((e) => e['type'] === 'inbound-rtp' && e['kind'] === 'audio');
    const audioJitter = num(audio, 'jitter');
    const report = (level: QualityLevel): QualityReport => ({
      level,
      rttMs: round(figures.rttMs),
      jitterMs: round(figures.jitterMs),
      lossPercent: figures.lossPercent === null ? null : Math.round(figures.lossPercent * 10) / 10,
      bitrateKbps: round(figures.bitrateKbps),
      width: figures.width,
      height: figures.height,
      fps: figures.fps === null ? null : Math.round(figures.fps),
      candidateType: figures.candidateType,
      localCandidateType: figures.localCandidateType,
      receivingAudio: figures.receivingAudio,
      pictureMoving: figures.pictureMoving,
      sendBitrateKbps: round(figures.sendBitrateKbps),
      recvBitrateKbps: round(figures.recvBitrateKbps),
      score: this.#score === null ? null : Math.round(this.#score),
    });

    if (broken || silentFor >= LOST_AFTER_MS) {
      this.#level = 'lost';
      this.#candidate = null;
      this.#held = 0;
      return report('lost');
    }
    if (fresh) return report(this.#level ?? 'good');

    const score = scoreSample(figures, audioJitter === null ? null : audioJitter * 1000, context);
    this.#score = this.#score === null ? score : this.#score + SCORE_SMOOTHING * (score - this.#score);
    this.#settle(levelOf(this.#score));
    return report(this.#level ?? 'good');
  }

  #settle(target: QualityLevel): void {
    const current = this.#level;
    // The first judgement, and the way back from "lost", are shown at once.
    if (current === null || current === 'lost' || current === target) {
      this.#level = target;
      this.#candidate = null;
      this.#held = 0;
      return;
    }
    if (this.#candidate === target) this.#held++;
    else {
      this.#candidate = target;
      this.#held = 1;
    }
    const hold = RANK[target] < RANK[current] ? DOWNGRADE_HOLD : UPGRADE_HOLD;
    if (this.#held >= hold) {
      this.#level = target;
      this.#candidate = null;
      this.#held = 0;
    }
  }
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value);
}
