import type { BrowserContext, Page } from '@playwright/test';

/**
 * The app has no test hooks, so the tests reach its peer connections through an init script that wraps
 * `window.RTCPeerConnection` before any page script runs. Every connection the page creates, and the ICE
 * configuration it was given, lands in a registry kept under a `Symbol.for` key: invisible to the app's
 * own enumeration of `window`, reachable from `page.evaluate`.
 */
const REGISTRY_KEY = 'carecall.e2e.peerConnections';

interface ProbeRegistry {
  connections: RTCPeerConnection[];
  iceServers: RTCIceServer[][];
}

/** Runs inside the page (serialised by Playwright), so it may use nothing from this module's scope. */
function installPeerConnectionProbe(key: string): void {
  const holder = window as unknown as Record<symbol, ProbeRegistry | undefined>;
  const symbol = Symbol.for(key);
  const Native = window.RTCPeerConnection;
  if (typeof Native !== 'function' || holder[symbol]) return;
  const registry: ProbeRegistry = { connections: [], iceServers: [] };
  class RTCPeerConnection extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      registry.connections.push(this);
      registry.iceServers.push((configuration?.iceServers ?? []).map((server) => ({ urls: server.urls })));
    }
  }
  Object.defineProperty(window, symbol, { value: registry, enumerable: false });
  window.RTCPeerConnection = RTCPeerConnection;
}

export async function addPeerConnectionProbe(context: BrowserContext): Promise<void> {
  await context.addInitScript(installPeerConnectionProbe, REGISTRY_KEY);
}

export interface PeerConnectionSnapshot {
  connectionState: RTCPeerConnectionState;
  iceConnectionState: RTCIceConnectionState;
  iceGatheringState: RTCIceGatheringState;
  signalingState: RTCSignalingState;
  localDescription: RTCSdpType | null;
  remoteDescription: RTCSdpType | null;
  stats: Record<string, unknown>[];
}

const WANTED_STATS = [
  'inbound-rtp',
  'outbound-rtp',
  'candidate-pair',
  'local-candidate',
  'remote-candidate',
  'transport',
];

/**
 * Every open peer connection of the page with the stats the helpers need. A page that is navigating has
 * no execution context; that reads as "no connections yet" so callers can simply poll.
 */
export async function peerConnectionSnapshots(page: Page): Promise<PeerConnectionSnapshot[]> {
  try {
    return await page.evaluate(
      async ({ key, wanted }) => {
        const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
        const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
        return Promise.all(
          open.map(async (pc) => {
            const report = await pc.getStats();
            const stats: Record<string, unknown>[] = [];
            report.forEach((entry: RTCStats) => {
              if (wanted.includes(String(entry.type))) stats.push({ ...entry });
            });
            return {
              connectionState: pc.connectionState,
              iceConnectionState: pc.iceConnectionState,
              iceGatheringState: pc.iceGatheringState,
              signalingState: pc.signalingState,
              localDescription: pc.localDescription?.type ?? null,
              remoteDescription: pc.remoteDescription?.type ?? null,
              stats,
            };
          }),
        );
      },
      { key: REGISTRY_KEY, wanted: WANTED_STATS },
    );
  } catch (error) {
    if (isNavigationRace(error)) return [];
    throw error;
  }
}

function isNavigationRace(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Execution context was destroyed|Cannot find context|navigat/i.test(message);
}

/** The ICE server URLs of every peer connection the page created, closed ones included. */
export async function configuredIceServerUrls(page: Page): Promise<string[]> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    return (registry?.iceServers ?? []).flat().flatMap((server) => [server.urls].flat());
  }, REGISTRY_KEY);
}

export async function peerConnectionCount(page: Page): Promise<number> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    return registry?.connections.length ?? 0;
  }, REGISTRY_KEY);
}

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

function inbound(snapshots: PeerConnectionSnapshot[], kind: 'audio' | 'video'): Record<string, unknown>[] {
  return snapshots.flatMap((s) =>
    s.stats.filter((e) => str(e, 'type') === 'inbound-rtp' && str(e, 'kind') === kind),
  );
}

export interface InboundVideoStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  packetsReceived: number;
}

/** The page's busiest inbound video stream (most frames decoded), or null when it receives none. */
export async function inboundVideoStats(page: Page): Promise<InboundVideoStats | null> {
  const streams = inbound(await peerConnectionSnapshots(page), 'video');
  const busiest = streams.sort((a, b) => num(b, 'framesDecoded') - num(a, 'framesDecoded'))[0];
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

export async function inboundAudioStats(page: Page): Promise<InboundAudioStats | null> {
  const streams = inbound(await peerConnectionSnapshots(page), 'audio');
  const busiest = streams.sort((a, b) => num(b, 'packetsReceived') - num(a, 'packetsReceived'))[0];
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
export async function selectedCandidatePair(page: Page): Promise<SelectedCandidatePair | null> {
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

export interface FramesGrowth {
  before: InboundVideoStats;
  after: InboundVideoStats;
}

/**
 * Proves media, not DOM: waits until the page decodes remote video, then checks that `framesDecoded`
 * is still rising `sampleMs` later (a frozen stream or a single keyframe does not pass).
 */
export async function waitForFramesGrowing(
  page: Page,
  { timeoutMs = 20_000, sampleMs = 1_000 }: { timeoutMs?: number; sampleMs?: number } = {},
): Promise<FramesGrowth> {
  const deadline = Date.now() + timeoutMs;
  let last: InboundVideoStats | null = null;
  while (Date.now() < deadline) {
    const before = await inboundVideoStats(page);
    if (before && before.framesDecoded > 0) {
      await page.waitForTimeout(sampleMs);
      const after = await inboundVideoStats(page);
      if (after && after.framesDecoded > before.framesDecoded) return { before, after };
      last = after;
    } else {
      last = before;
      await page.waitForTimeout(100);
    }
  }
  throw new Error(
    `inbound video frames did not keep growing within ${timeoutMs} ms; last inbound-rtp video: ${JSON.stringify(last)}; ` +
      (await describePeerConnections(page)),
  );
}

/** Polls closely (every `intervalMs`) and returns the wall-clock time at which the page first decoded a remote frame. */
export async function waitForFirstDecodedFrame(
  page: Page,
  { timeoutMs = 20_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const video = await inboundVideoStats(page);
    if (video && video.framesDecoded > 0) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `no remote video frame was decoded within ${timeoutMs} ms; ${await describePeerConnections(page)}`,
  );
}

/** A one-line account of the page's peer connections, for failure messages. */
export async function describePeerConnections(page: Page): Promise<string> {
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

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

export function isLoopbackAddress(address: string): boolean {
  return LOOPBACK_HOST.test(address);
}

/** True when a STUN/TURN URL (`stun:host:port`, `turn:host?transport=udp`) names a loopback host. */
export function isLoopbackIceUrl(url: string): boolean {
  const rest = url.replace(/^(stuns?|turns?):/i, '').split('?')[0] ?? '';
  const host = rest.startsWith('[') ? rest.slice(0, rest.indexOf(']') + 1) : (rest.split(':')[0] ?? '');
  return isLoopbackAddress(host);
}
