import { peerConnectionCount, peerConnectionSnapshots, type ScriptedPage } from './peer-connection-probe.js';

/** What the page's `getStats()` says: received streams, the selected candidate pair, media counters and rates. */

function field(entry: Record<string, unknown>, name: string): unknown {
  return entry[name];
}

function num(entry: Record<string, unknown>, name: string): number {
  const value = field(entry, name);
  return typeof value === 'number' ? value : 0;
}

function str(entry: Record<string, unknown>, name: string): string | null {
  const value = field(entry, name);
  return typeof value === 'string' ? value : null;
}

/** The page's inbound-rtp entry of `kind` with the highest `by` (the stream that carries the call). */
async function busiestInbound(
  page: ScriptedPage,
  kind: 'audio' | 'video',
  by: string,
): Promise<Record<string, unknown> | undefined> {
  const streams = (await peerConnectionSnapshots(page)).flatMap((s) =>
    s.stats.filter((e) => str(e, 'type') === 'inbound-rtp' && str(e, 'kind') === kind),
  );
  return streams.sort((a, b) => num(b, by) - num(a, by))[0];
}

export interface InboundVideoStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  packetsReceived: number;
}

/** The page's busiest inbound video stream (most frames decoded), or null when it receives none. */
export async function inboundVideoStats(page: ScriptedPage): Promise<InboundVideoStats | null> {
  const busiest = await busiestInbound(page, 'video', 'framesDecoded');
  if (!busiest) return null;
  return {
    framesDecoded: num(busiest, 'framesDecoded'),
    frameWidth: num(busiest, 'frameWidth'),
    frameHeight: num(busiest, 'frameHeight'),
    packetsReceived: num(busiest, 'packetsReceived'),
  };
}

export interface InboundAudioStats {
  packetsReceived: number;
  bytesReceived: number;
  totalSamplesReceived: number;
}

export async function inboundAudioStats(page: ScriptedPage): Promise<InboundAudioStats | null> {
  const busiest = await busiestInbound(page, 'audio', 'packetsReceived');
  if (!busiest) return null;
  return {
    packetsReceived: num(busiest, 'packetsReceived'),
    bytesReceived: num(busiest, 'bytesReceived'),
    totalSamplesReceived: num(busiest, 'totalSamplesReceived'),
  };
}

export interface SelectedCandidatePair {
  state: string | null;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  localAddress: string | null;
  remoteAddress: string | null;
  protocol: string | null;
  currentRoundTripTime: number | null;
}

/** The candidate pair the transport actually uses (first open connection that has one). */
export async function selectedCandidatePair(page: ScriptedPage): Promise<SelectedCandidatePair | null> {
  for (const { stats } of await peerConnectionSnapshots(page)) {
    const byId = new Map(stats.map((e) => [str(e, 'id'), e]));
    const transportPairId = stats
      .filter((e) => str(e, 'type') === 'transport')
      .map((e) => str(e, 'selectedCandidatePairId'))
      .find((id) => id !== null);
    const pair =
      (transportPairId ? byId.get(transportPairId) : undefined) ??
      stats.find(
        (e) =>
          str(e, 'type') === 'candidate-pair' &&
          field(e, 'nominated') === true &&
          str(e, 'state') === 'succeeded',
      );
    if (!pair) continue;
    const local = byId.get(str(pair, 'localCandidateId')) ?? {};
    const remote = byId.get(str(pair, 'remoteCandidateId')) ?? {};
    const rtt = field(pair, 'currentRoundTripTime');
    return {
      state: str(pair, 'state'),
      localCandidateType: str(local, 'candidateType'),
      remoteCandidateType: str(remote, 'candidateType'),
      localAddress: str(local, 'address'),
      remoteAddress: str(remote, 'address'),
      protocol: str(local, 'protocol'),
      currentRoundTripTime: typeof rtt === 'number' ? rtt : null,
    };
  }
  return null;
}

/** A one-line account of the page's peer connections, for failure messages. */
export async function describePeerConnections(page: ScriptedPage): Promise<string> {
  const snapshots = await peerConnectionSnapshots(page);
  const created = await peerConnectionCount(page).catch(() => -1);
  const open = snapshots.map((s) => {
    const count = (type: string) => s.stats.filter((e) => str(e, 'type') === type).length;
    const rtp = s.stats
      .filter((e) => ['inbound-rtp', 'outbound-rtp'].includes(str(e, 'type') ?? ''))
      .map(
        (e) =>
          `${str(e, 'type')} ${str(e, 'kind')} packets=${num(e, 'packetsReceived') || num(e, 'packetsSent')}`,
      );
    return (
      `{connection ${s.connectionState}, ice ${s.iceConnectionState}, gathering ${s.iceGatheringState}, ` +
      `signaling ${s.signalingState}, local ${s.localDescription}, remote ${s.remoteDescription}, ` +
      `candidates local=${count('local-candidate')} remote=${count('remote-candidate')}` +
      `${rtp.length > 0 ? `, ${rtp.join(', ')}` : ''}}`
    );
  });
  return `peer connections created: ${created}, open: ${open.length > 0 ? open.join(' ') : 'none'}`;
}

/** Cumulative counters of one direction of one kind of media, summed over the page's open connections. */
export interface MediaCounters {
  /** inbound-rtp: decoded; outbound-rtp: sent (0 for audio). */
  frames: number;
  packets: number;
  bytes: number;
  /** inbound-rtp audio: samples played out; media-source audio for outbound: 0. */
  samples: number;
  /** Audio energy (inbound-rtp for received audio, media-source for sent audio): grows only with sound. */
  audioEnergy: number;
  audioLevel: number;
  frameWidth: number;
  frameHeight: number;
  framesPerSecond: number;
}

export interface MediaSnapshot {
  at: number;
  inboundVideo: MediaCounters;
  inboundAudio: MediaCounters;
  outboundVideo: MediaCounters;
  outboundAudio: MediaCounters;
}

const ZERO_COUNTERS: MediaCounters = {
  frames: 0,
  packets: 0,
  bytes: 0,
  samples: 0,
  audioEnergy: 0,
  audioLevel: 0,
  frameWidth: 0,
  frameHeight: 0,
  framesPerSecond: 0,
};

function counters(entries: Record<string, unknown>[], direction: 'inbound' | 'outbound'): MediaCounters {
  const total = { ...ZERO_COUNTERS };
  for (const e of entries) {
    total.frames += num(e, direction === 'inbound' ? 'framesDecoded' : 'framesSent');
    total.packets += num(e, direction === 'inbound' ? 'packetsReceived' : 'packetsSent');
    total.bytes += num(e, direction === 'inbound' ? 'bytesReceived' : 'bytesSent');
    total.samples += num(e, 'totalSamplesReceived');
    total.audioEnergy += num(e, 'totalAudioEnergy');
    total.audioLevel = Math.max(total.audioLevel, num(e, 'audioLevel'));
    // The stream that carries the most pixels describes the picture (simulcast layers, a stopped transceiver).
    if (num(e, 'frameWidth') * num(e, 'frameHeight') > total.frameWidth * total.frameHeight) {
      total.frameWidth = num(e, 'frameWidth');
      total.frameHeight = num(e, 'frameHeight');
      total.framesPerSecond = num(e, 'framesPerSecond');
    }
  }
  return total;
}

/**
 * Every direction of every kind at once (one getStats per connection), so two snapshots taken a few
 * seconds apart tell what is flowing. Sent audio energy comes from the `media-source` entry (what the
 * microphone track gives the sender: zero while the track is disabled).
 */
export async function mediaSnapshot(page: ScriptedPage): Promise<MediaSnapshot> {
  const stats = (await peerConnectionSnapshots(page)).flatMap((s) => s.stats);
  const of = (type: string, kind: string) =>
    stats.filter((e) => str(e, 'type') === type && str(e, 'kind') === kind);
  const outboundAudio = counters(of('outbound-rtp', 'audio'), 'outbound');
  const source = counters(of('media-source', 'audio'), 'outbound');
  return {
    at: Date.now(),
    inboundVideo: counters(of('inbound-rtp', 'video'), 'inbound'),
    inboundAudio: counters(of('inbound-rtp', 'audio'), 'inbound'),
    outboundVideo: counters(of('outbound-rtp', 'video'), 'outbound'),
    outboundAudio: { ...outboundAudio, audioEnergy: source.audioEnergy, audioLevel: source.audioLevel },
  };
}

export interface MediaRates {
  seconds: number;
  inboundFps: number;
  inboundAudioEnergyPerSecond: number;
  inboundAudioPacketsPerSecond: number;
  inboundSamplesPerSecond: number;
  outboundFps: number;
  outboundAudioEnergyPerSecond: number;
  inboundVideo: MediaCounters;
  outboundVideo: MediaCounters;
}

/** What flows over `windowMs`: rates from two snapshots, and the latest picture sizes. */
export async function mediaRates(page: ScriptedPage, windowMs = 2_000): Promise<MediaRates> {
  const a = await mediaSnapshot(page);
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const b = await mediaSnapshot(page);
  const seconds = Math.max(0.001, (b.at - a.at) / 1000);
  const rate = (x: number, y: number) => Math.max(0, y - x) / seconds;
  return {
    seconds,
    inboundFps: rate(a.inboundVideo.frames, b.inboundVideo.frames),
    inboundAudioEnergyPerSecond: rate(a.inboundAudio.audioEnergy, b.inboundAudio.audioEnergy),
    inboundAudioPacketsPerSecond: rate(a.inboundAudio.packets, b.inboundAudio.packets),
    inboundSamplesPerSecond: rate(a.inboundAudio.samples, b.inboundAudio.samples),
    outboundFps: rate(a.outboundVideo.frames, b.outboundVideo.frames),
    outboundAudioEnergyPerSecond: rate(a.outboundAudio.audioEnergy, b.outboundAudio.audioEnergy),
    inboundVideo: b.inboundVideo,
    outboundVideo: b.outboundVideo,
  };
}

/** Why the page's video sender sends what it sends: for printing next to timing figures. */
export async function outboundVideoDiagnostics(page: ScriptedPage): Promise<string> {
  const stats = (await peerConnectionSnapshots(page)).flatMap((s) => s.stats);
  const video = stats.filter((e) => str(e, 'type') === 'outbound-rtp' && str(e, 'kind') === 'video');
  const pair = stats.find((e) => str(e, 'type') === 'candidate-pair' && field(e, 'nominated') === true);
  const parts = video.map((e) => {
    const durations = field(e, 'qualityLimitationDurations');
    const limited =
      durations && typeof durations === 'object'
        ? Object.entries(durations as Record<string, number>)
            .filter(([, seconds]) => seconds > 0)
            .map(([reason, seconds]) => `${reason} ${seconds.toFixed(1)} s`)
            .join(', ')
        : '';
    return (
      `sending ${num(e, 'frameWidth')}x${num(e, 'frameHeight')} at ${num(e, 'framesPerSecond')} fps, ` +
      `target ${Math.round(num(e, 'targetBitrate') / 1000)} kbit/s, limited by ${str(e, 'qualityLimitationReason')} ` +
      `(so far: ${limited || 'none'})`
    );
  });
  const estimate = pair ? Math.round(num(pair, 'availableOutgoingBitrate') / 1000) : 0;
  return `${parts.join('; ') || 'no outbound video'}; bandwidth estimate ${estimate} kbit/s`;
}
