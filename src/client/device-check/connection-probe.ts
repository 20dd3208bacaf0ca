import type { Timers } from '../lib/timers.js';

/** Why a path did not connect. `no-candidates`: the relay gave this browser no address (unreachable, or it refused the credentials). */
export type PathFailure = 'no-candidates' | 'failed' | 'timeout';

/** What one in-page connection (two peer connections of this page, joined) achieved. */
export interface PathMeasurement {
  connected: boolean;
  failure: PathFailure | null;
  /** The local candidate type of the selected pair: host, srflx, prflx or relay. */
  candidateType: string | null;
  /** Candidate types gathered: `srflx` means a STUN server told this browser its public address. */
  gathered: string[];
  /** STUN/TURN error codes met while gathering: 401 a refused credential, 701 a server not reached. */
  iceErrors: number[];
  rttMs: number | null;
  /** One way, over an unreliable data channel; null when not measured. */
  lossPercent: number | null;
  bitrateKbps: number | null;
  /** The bitrate reached the test's ceiling: the path carries at least that much. */
  bitrateCapped: boolean;
}

export interface ProbeLimits {
  connectTimeoutMs: number;
  /** Numbered packets sent one way (each echoed back for the round trip) to count losses. */
  lossPackets: number;
  lossIntervalMs: number;
  lossPacketBytes: number;
  /** How long to wait for the last packets after sending. */
  lossGraceMs: number;
  /** The bulk transfer is paced to this rate: enough to prove HD video, little enough to spare the network. */
  bitrateCeilingKbps: number;
  bitrateDurationMs: number;
  /** How long the bytes still queued may take to arrive after the sending stops. */
  drainMs: number;
  chunkBytes: number;
  maxBufferedBytes: number;
}

export const PROBE_LIMITS: ProbeLimits = {
  connectTimeoutMs: 12_000,
  lossPackets: 60,
  lossIntervalMs: 20,
  lossPacketBytes: 1_000,
  lossGraceMs: 600,
  bitrateCeilingKbps: 5_000,
  bitrateDurationMs: 2_500,
  drainMs: 1_500,
  chunkBytes: 16_384,
  maxBufferedBytes: 262_144,
};

/** Without a throughput test only a few echoes are sent, for the round trip. */
const ECHO_PACKETS = 10;
const PACE_MS = 10;

export interface ProbeEnvironment {
  createPeerConnection(configuration: RTCConfiguration): RTCPeerConnection;
  timers: Timers;
  now(): number;
}

export interface ProbeOptions {
  /** Measure loss and bitrate too; a path whose both ends are this device only needs to connect. */
  throughput: boolean;
}

export type PathProbe = (configuration: RTCConfiguration, options: ProbeOptions) => Promise<PathMeasurement>;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}

type Stats = Record<string, unknown>;

/** The selected candidate pair's local candidate type and round trip (Chrome, Firefox and Safari name it differently). */
export function selectedPairSummary(stats: readonly Stats[]): {
  candidateType: string | null;
  rttMs: number | null;
} {
  const byId = new Map(stats.map((entry) => [entry['id'], entry]));
  const transport = stats.find((entry) => entry['type'] === 'transport' && entry['selectedCandidatePairId']);
  const pair =
    (transport ? byId.get(transport['selectedCandidatePairId']) : undefined) ??
    stats.find((entry) => entry['type'] === 'candidate-pair' && entry['selected'] === true) ??
    stats.find(
      (entry) =>
        entry['type'] === 'candidate-pair' && entry['nominated'] === true && entry['state'] === 'succeeded',
    );
  if (!pair) return { candidateType: null, rttMs: null };
  const local = byId.get(pair['localCandidateId']);
  const type = local?.['candidateType'];
  const rtt = pair['currentRoundTripTime'];
  return {
    candidateType: typeof type === 'string' ? type : null,
    rttMs: typeof rtt === 'number' ? Math.round(rtt * 1000) : null,
  };
}

export function candidateType(candidate: RTCIceCandidate): string | null {
  return candidate.type ?? /\btyp (\w+)/.exec(candidate.candidate)?.[1] ?? null;
}

function sleep(env: ProbeEnvironment, ms: number): Promise<void> {
  return new Promise((resolve) => env.timers.setTimeout(resolve, ms));
}

function opened(channel: RTCDataChannel): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve) => channel.addEventListener('open', () => resolve(), { once: true }));
}

function remoteChannels(pc: RTCPeerConnection): Promise<Map<string, RTCDataChannel>> {
  return new Promise((resolve) => {
    const found = new Map<string, RTCDataChannel>();
    pc.addEventListener('datachannel', (event) => {
      const channel = event.channel;
      channel.binaryType = 'arraybuffer';
      void opened(channel).then(() => {
        found.set(channel.label, channel);
        if (found.size === 2) resolve(found);
      });
    });
  });
}

function failedState(a: RTCPeerConnection, b: RTCPeerConnection): Promise<'failed'> {
  return new Promise((resolve) => {
    for (const pc of [a, b]) {
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'failed') resolve('failed');
      });
    }
  });
}

/** Calls `send(i)` `count` times, `intervalMs` apart. */
function paced(
  env: ProbeEnvironment,
  count: number,
  intervalMs: number,
  send: (i: number) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const handle = env.timers.setInterval(() => {
      if (i >= count) {
        env.timers.clearInterval(handle);
        resolve();
        return;
      }
      send(i++);
    }, intervalMs);
  });
}

/**
 * Numbered packets go from one connection to the other over an unreliable, unordered data channel (so a
 * lost packet stays lost, as in a video call); the far side counts them and echoes each one back.
 */
async function measureLossAndRtt(
  env: ProbeEnvironment,
  local: RTCDataChannel,
  remote: RTCDataChannel,
  count: number,
  limits: ProbeLimits,
): Promise<{ lossPercent: number; echoRttMs: number | null }> {
  let received = 0;
  remote.onmessage = (event: MessageEvent<ArrayBuffer>) => {
    received++;
    try {
      remote.send(event.data);
    } catch {
      // the echo is only for the round trip; a full buffer loses it like the network would
    }
  };
  const sentAt: number[] = [];
  const rtts: number[] = [];
  local.onmessage = (event: MessageEvent<ArrayBuffer>) => {
    const at = sentAt[new DataView(event.data).getUint32(0)];
    if (at !== undefined) rtts.push(env.now() - at);
  };
  await paced(env, count, limits.lossIntervalMs, (i) => {
    const packet = new Uint8Array(limits.lossPacketBytes);
    new DataView(packet.buffer).setUint32(0, i);
    sentAt[i] = env.now();
    try {
      local.send(packet);
    } catch {
      // counted as lost
    }
  });
  await sleep(env, limits.lossGraceMs);
  const lost = Math.max(0, count - received);
  return { lossPercent: Math.round((lost / count) * 1000) / 10, echoRttMs: median(rtts) };
}

/**
 * A reliable channel (congestion-controlled like video) is filled as fast as the path takes it, paced to
 * the ceiling; the rate is what arrived over the time it took to arrive.
 */
async function measureBitrate(
  env: ProbeEnvironment,
  local: RTCDataChannel,
  remote: RTCDataChannel,
  limits: ProbeLimits,
): Promise<{ kbps: number; capped: boolean }> {
  let received = 0;
  let lastAt = 0;
  remote.onmessage = (event: MessageEvent<ArrayBuffer>) => {
    received += event.data.byteLength;
    lastAt = env.now();
  };
  const chunk = new Uint8Array(limits.chunkBytes);
  const bytesPerMs = limits.bitrateCeilingKbps / 8;
  const start = env.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const handle = env.timers.setInterval(() => {
      const elapsed = env.now() - start;
      const stop = () => {
        env.timers.clearInterval(handle);
        resolve();
      };
      if (elapsed >= limits.bitrateDurationMs) return stop();
      const allowed = bytesPerMs * (elapsed + PACE_MS);
      try {
        while (sent < allowed && local.bufferedAmount < limits.maxBufferedBytes) {
          local.send(chunk);
          sent += chunk.byteLength;
        }
      } catch {
        stop();
      }
    }, PACE_MS);
  });
  const drainUntil = env.now() + limits.drainMs;
  while (received < sent && env.now() < drainUntil) await sleep(env, 50);
  const elapsed = Math.max(1, (lastAt || env.now()) - start);
  const kbps = (received * 8) / elapsed;
  return { kbps: Math.round(kbps), capped: kbps >= limits.bitrateCeilingKbps * 0.9 };
}

/**
 * Connects two peer connections of this page to each other with one ICE configuration and measures the
 * path between them. With `iceTransportPolicy: 'relay'` on both, every packet goes from this device to
 * the relay server and back, so the figures are this device's network to the relay and back.
 */
export async function measurePath(
  env: ProbeEnvironment,
  configuration: RTCConfiguration,
  options: ProbeOptions,
  limits: ProbeLimits = PROBE_LIMITS,
): Promise<PathMeasurement> {
  const result: PathMeasurement = {
    connected: false,
    failure: null,
    candidateType: null,
    gathered: [],
    iceErrors: [],
    rttMs: null,
    lossPercent: null,
    bitrateKbps: null,
    bitrateCapped: false,
  };
  const gathered = new Set<string>();
  const iceErrors = new Set<number>();
  const finish = () => {
    result.gathered = [...gathered].sort();
    result.iceErrors = [...iceErrors].sort((x, y) => x - y);
    return result;
  };
  let a: RTCPeerConnection | null = null;
  let b: RTCPeerConnection | null = null;
  try {
    a = env.createPeerConnection(configuration);
    b = env.createPeerConnection(configuration);
    const [first, second] = [a, b];
    first.onicecandidate = (event) => {
      if (!event.candidate) return;
      const type = candidateType(event.candidate);
      if (type) gathered.add(type);
      second.addIceCandidate(event.candidate).catch(() => undefined);
    };
    first.addEventListener('icecandidateerror', (event) => {
      iceErrors.add((event as RTCPeerConnectionIceErrorEvent).errorCode);
    });
    second.onicecandidate = (event) => {
      if (event.candidate) first.addIceCandidate(event.candidate).catch(() => undefined);
    };
    const probe = first.createDataChannel('probe', { ordered: false, maxRetransmits: 0 });
    const bulk = first.createDataChannel('bulk');
    probe.binaryType = 'arraybuffer';
    bulk.binaryType = 'arraybuffer';
    const remote = remoteChannels(second);
    const failed = failedState(first, second);
    // A relay that refuses the credentials (or cannot be reached) leaves nothing to wait for.
    const nothingGathered = new Promise<'failed'>((resolve) => {
      first.addEventListener('icegatheringstatechange', () => {
        if (first.iceGatheringState === 'complete' && gathered.size === 0) resolve('failed');
      });
    });
    await first.setLocalDescription();
    await second.setRemoteDescription(first.localDescription as RTCSessionDescription);
    await second.setLocalDescription();
    await first.setRemoteDescription(second.localDescription as RTCSessionDescription);
    const ready = Promise.all([opened(probe), opened(bulk), remote]).then((all) => all[2]);
    let timer: unknown = null;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = env.timers.setTimeout(() => resolve('timeout'), limits.connectTimeoutMs);
    });
    const outcome = await Promise.race([ready, failed, nothingGathered, timeout]);
    env.timers.clearTimeout(timer);
    if (outcome === 'failed' || outcome === 'timeout') {
      result.failure = gathered.size === 0 ? 'no-candidates' : outcome;
      return finish();
    }
    result.connected = true;
    const remoteProbe = outcome.get('probe');
    const remoteBulk = outcome.get('bulk');
    if (!remoteProbe || !remoteBulk) return finish();
    const echo = await measureLossAndRtt(
      env,
      probe,
      remoteProbe,
      options.throughput ? limits.lossPackets : ECHO_PACKETS,
      limits,
    );
    if (options.throughput) {
      result.lossPercent = echo.lossPercent;
      const rate = await measureBitrate(env, bulk, remoteBulk, limits);
      result.bitrateKbps = rate.kbps;
      result.bitrateCapped = rate.capped;
    }
    const stats: Stats[] = [];
    (await first.getStats()).forEach((entry: Stats) => {
      stats.push(entry);
    });
    const pair = selectedPairSummary(stats);
    result.candidateType = pair.candidateType;
    result.rttMs = pair.rttMs ?? (echo.echoRttMs === null ? null : Math.round(echo.echoRttMs));
    return finish();
  } catch {
    if (!result.connected) result.failure ??= 'failed';
    return finish();
  } finally {
    a?.close();
    b?.close();
  }
}
