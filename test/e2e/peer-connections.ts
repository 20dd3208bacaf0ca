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
  /** Per connection (same index): offers it applied as local, and offers it rolled back for a remote one (glare). */
  negotiation: NegotiationCounts[];
}

export interface NegotiationCounts {
  /** setLocalDescription() called in the stable state: this side set out to make an offer. */
  offerAttempts: number;
  /** Offers that became the local description (an attempt overtaken by a remote offer may not). */
  localOffers: number;
  remoteOffers: number;
  /** A remote offer applied while this side had its own offer out: the polite side's (implicit) rollback. */
  rollbacks: number;
  /** Every setLocalDescription() call (offers, answers, rollbacks): any negotiation at all shows here. */
  setLocalDescriptions: number;
  /** Explicit createOffer() calls (perfect negotiation's implicit setLocalDescription() makes none). */
  createOffers: number;
  /** `negotiationneeded` events the connection fired (addTrack does, replaceTrack must not). */
  negotiationNeeded: number;
}

/** Runs inside the page (serialised by Playwright), so it may use nothing from this module's scope. */
function installPeerConnectionProbe(key: string): void {
  const holder = window as unknown as Record<symbol, ProbeRegistry | undefined>;
  const symbol = Symbol.for(key);
  const Native = window.RTCPeerConnection;
  if (typeof Native !== 'function' || holder[symbol]) return;
  const registry: ProbeRegistry = { connections: [], iceServers: [], negotiation: [] };
  class RTCPeerConnection extends Native {
    readonly #counts: NegotiationCounts = {
      offerAttempts: 0,
      localOffers: 0,
      remoteOffers: 0,
      rollbacks: 0,
      setLocalDescriptions: 0,
      createOffers: 0,
      negotiationNeeded: 0,
    };

    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      this.addEventListener('negotiationneeded', () => {
        this.#counts.negotiationNeeded += 1;
      });
      // An own property (not an override): createOffer's overloads (legacy callbacks) defeat a typed override.
      const counts = this.#counts;
      const createOffer = Native.prototype.createOffer as (...args: unknown[]) => unknown;
      Object.defineProperty(this, 'createOffer', {
        value: (...args: unknown[]) => {
          counts.createOffers += 1;
          return createOffer.apply(this, args);
        },
      });
      registry.connections.push(this);
      registry.iceServers.push((configuration?.iceServers ?? []).map((server) => ({ urls: server.urls })));
      registry.negotiation.push(this.#counts);
    }

    override async setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
      this.#counts.setLocalDescriptions += 1;
      if (description?.type === 'rollback') this.#counts.rollbacks += 1;
      else if (this.signalingState === 'stable') this.#counts.offerAttempts += 1;
      await super.setLocalDescription(description);
      if (description?.type !== 'rollback' && this.localDescription?.type === 'offer')
        this.#counts.localOffers += 1;
    }

    override async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
      if (description.type === 'offer') {
        this.#counts.remoteOffers += 1;
        if (this.signalingState === 'have-local-offer') this.#counts.rollbacks += 1;
      }
      await super.setRemoteDescription(description);
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
  'media-source',
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
export async function mediaSnapshot(page: Page): Promise<MediaSnapshot> {
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
export async function mediaRates(page: Page, windowMs = 2_000): Promise<MediaRates> {
  const a = await mediaSnapshot(page);
  await page.waitForTimeout(windowMs);
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

export interface SenderTrack {
  /** The track's id: a device switch (replaceTrack) puts a new one on the same sender. */
  id: string;
  kind: string;
  label: string;
  enabled: boolean;
  readyState: MediaStreamTrackState;
  width: number | null;
  height: number | null;
  frameRate: number | null;
  deviceId: string | null;
  /** Set for a screen-capture track ('monitor', 'window', 'browser'). */
  displaySurface: string | null;
}

/** The tracks the page's open connections send (what `replaceTrack` put there), with their settings. */
export async function senderTracks(page: Page): Promise<SenderTrack[]> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
    return open.flatMap((pc) =>
      pc.getSenders().flatMap((sender) => {
        const track = sender.track;
        if (!track) return [];
        const settings = track.getSettings() as MediaTrackSettings & { displaySurface?: string };
        return [
          {
            id: track.id,
            kind: track.kind,
            label: track.label,
            enabled: track.enabled,
            readyState: track.readyState,
            width: settings.width ?? null,
            height: settings.height ?? null,
            frameRate: settings.frameRate ?? null,
            deviceId: settings.deviceId ?? null,
            displaySurface: settings.displaySurface ?? null,
          },
        ];
      }),
    );
  }, REGISTRY_KEY);
}

export interface VideoElementInfo {
  videoWidth: number;
  videoHeight: number;
  currentTime: number;
  paused: boolean;
  objectFit: string;
  /** The computed `transform` (a `matrix(a, b, c, d, e, f)` or "none") of the element and its ancestors' product's x scale. */
  transform: string;
  /** Horizontal scale of the element as drawn (negative: mirrored), from the composed transforms up to <body>. */
  scaleX: number;
  box: { x: number; y: number; width: number; height: number };
  visible: boolean;
}

/**
 * The <video> showing the remote party (its stream holds a track a receiver delivers) or the local one
 * (its stream holds a track a sender sends, or the camera). Found by what the element plays, not by
 * markup, so the specs do not depend on class names.
 */
export async function videoElementInfo(
  page: Page,
  which: 'remote' | 'local',
): Promise<VideoElementInfo | null> {
  return page.evaluate(
    ({ key, which }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
      const received = new Set(open.flatMap((pc) => pc.getReceivers().map((r) => r.track)));
      const videos = [...document.querySelectorAll('video')];
      const plays = (video: HTMLVideoElement) => {
        const stream = video.srcObject;
        return stream instanceof MediaStream ? stream.getTracks() : [];
      };
      const video = videos.find((v) => {
        const tracks = plays(v);
        if (tracks.length === 0) return false;
        const remote = tracks.some((t) => received.has(t));
        return which === 'remote' ? remote : !remote;
      });
      if (!video) return null;
      let scaleX = 1;
      for (let el: Element | null = video; el && el !== document.body; el = el.parentElement) {
        const t = getComputedStyle(el).transform;
        if (t && t !== 'none') scaleX *= new DOMMatrixReadOnly(t).a;
      }
      const style = getComputedStyle(video);
      const rect = video.getBoundingClientRect();
      return {
        videoWidth: video.videoWidth,
        videoHeight: video.videoHeight,
        currentTime: video.currentTime,
        paused: video.paused,
        objectFit: style.objectFit,
        transform: style.transform,
        scaleX,
        box: { x: rect.x, y: rect.y, width: rect.width, height: rect.height },
        visible:
          rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
      };
    },
    { key: REGISTRY_KEY, which },
  );
}

/**
 * Mean luma (0–255) and colour of the remote picture as it arrives: a fresh <video> plays the receiver's
 * own track (not the page's element, which may be hidden while the camera is off), one frame is drawn on a
 * small canvas. A disabled camera track arrives as black frames (luma ~0); Chromium's fake camera and
 * fake screen are a bright green picture, a camera played from a file is whatever the file shows.
 */
export async function remotePicture(
  page: Page,
): Promise<{ luma: number; r: number; g: number; b: number } | null> {
  return page.evaluate(async (key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
    const track = open
      .flatMap((pc) => pc.getReceivers().map((r) => r.track))
      .find((t) => t.kind === 'video' && t.readyState === 'live');
    if (!track) return null;
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([track]);
    try {
      await video.play();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        video.requestVideoFrameCallback(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (video.videoWidth === 0) return null;
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 36;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) return null;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let i = 0; i < data.length; i += 4) {
        r += data[i] ?? 0;
        g += data[i + 1] ?? 0;
        b += data[i + 2] ?? 0;
      }
      const n = data.length / 4;
      return { luma: (0.299 * r + 0.587 * g + 0.114 * b) / n, r: r / n, g: g / n, b: b / n };
    } finally {
      video.pause();
      video.srcObject = null;
    }
  }, REGISTRY_KEY);
}

/**
 * Polls the inbound video closely until its decoded frames are at least `width`x`height`, and returns the
 * wall-clock time it first saw them (for printing, never for asserting).
 */
export async function waitForInboundResolution(
  page: Page,
  width: number,
  height: number,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: InboundVideoStats | null = null;
  while (Date.now() < deadline) {
    last = await inboundVideoStats(page);
    if (last && last.frameWidth >= width && last.frameHeight >= height) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `the inbound video did not reach ${width}x${height} within ${timeoutMs} ms; last inbound-rtp video: ${JSON.stringify(last)}`,
  );
}

/**
 * Calls `restartIce()` on the page's open connections at the wall-clock time `at` (ms since the epoch).
 * Two pages given the same `at` renegotiate in the same millisecond, give or take timer jitter: both make
 * an offer at once (glare), which perfect negotiation must resolve. Returns how many ms were left before
 * `at` when the timer was set (negative: the page was armed too late to be simultaneous).
 */
export async function restartIceAt(page: Page, at: number): Promise<number> {
  return page.evaluate(
    ({ key, at }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
      const wait = at - Date.now();
      setTimeout(
        () => {
          for (const pc of open) pc.restartIce();
        },
        Math.max(0, wait),
      );
      return wait;
    },
    { key: REGISTRY_KEY, at },
  );
}

/**
 * Does what the browser's own "Stop sharing" bar does to a screen capture the page sends: the track stops
 * and fires `ended` (a script's `stop()` alone fires nothing). Returns how many tracks it ended.
 */
export async function endScreenCapture(page: Page): Promise<number> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    let ended = 0;
    for (const pc of registry?.connections ?? []) {
      for (const sender of pc.getSenders()) {
        const track = sender.track;
        const settings = track?.getSettings() as
          | (MediaTrackSettings & { displaySurface?: string })
          | undefined;
        if (track && track.readyState === 'live' && settings?.displaySurface) {
          track.stop();
          track.dispatchEvent(new Event('ended'));
          ended += 1;
        }
      }
    }
    return ended;
  }, REGISTRY_KEY);
}

/** Negotiation counts summed over every connection the page created. */
export async function negotiationCounts(page: Page): Promise<NegotiationCounts> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    const total: NegotiationCounts = {
      offerAttempts: 0,
      localOffers: 0,
      remoteOffers: 0,
      rollbacks: 0,
      setLocalDescriptions: 0,
      createOffers: 0,
      negotiationNeeded: 0,
    };
    for (const counts of registry?.negotiation ?? []) {
      for (const name of Object.keys(total) as Array<keyof NegotiationCounts>) total[name] += counts[name];
    }
    return total;
  }, REGISTRY_KEY);
}

/**
 * Signaling and connection states of the page's open connections, for waiting on a settled negotiation.
 * Reads the states only (no getStats): on a loaded machine every getStats round trip costs seconds.
 */
export async function connectionStates(
  page: Page,
): Promise<Array<Pick<PeerConnectionSnapshot, 'connectionState' | 'iceConnectionState' | 'signalingState'>>> {
  try {
    return await page.evaluate((key) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      return (registry?.connections ?? [])
        .filter((pc) => pc.connectionState !== 'closed')
        .map(({ connectionState, iceConnectionState, signalingState }) => ({
          connectionState,
          iceConnectionState,
          signalingState,
        }));
    }, REGISTRY_KEY);
  } catch (error) {
    if (isNavigationRace(error)) return [];
    throw error;
  }
}

/** Why the page's video sender sends what it sends: for printing next to timing figures. */
export async function outboundVideoDiagnostics(page: Page): Promise<string> {
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

export interface TransceiverIdentity {
  /** Per open connection: how many senders and receivers, and the ids of the tracks receivers deliver. */
  senders: number;
  receivers: number;
  receiverTrackIds: string[];
  transceivers: number;
}

/**
 * What a renegotiation would change: the number of senders and transceivers (addTrack makes new ones)
 * and the received tracks (a new m-line delivers a new track through `track`). A replaceTrack changes none.
 */
export async function transceiverIdentity(page: Page): Promise<TransceiverIdentity[]> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
    return open.map((pc) => ({
      senders: pc.getSenders().length,
      receivers: pc.getReceivers().length,
      receiverTrackIds: pc.getReceivers().map((r) => r.track.id),
      transceivers: pc.getTransceivers().length,
    }));
  }, REGISTRY_KEY);
}

const HELD_TRACKS_KEY = 'carecall.e2e.heldTracks';

/** Keeps a reference to the tracks the senders carry now, so their state can be read after a switch. */
export async function holdSenderTracks(page: Page): Promise<void> {
  await page.evaluate(
    ({ key, held }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
      const tracks = open.flatMap((pc) => pc.getSenders().flatMap((s) => (s.track ? [s.track] : [])));
      (window as unknown as Record<symbol, MediaStreamTrack[]>)[Symbol.for(held)] = tracks;
    },
    { key: REGISTRY_KEY, held: HELD_TRACKS_KEY },
  );
}

/** The tracks `holdSenderTracks` kept: `ended` once the app stopped the device it switched away from. */
export async function heldTrackStates(
  page: Page,
): Promise<Array<{ id: string; kind: string; readyState: MediaStreamTrackState }>> {
  return page.evaluate((held) => {
    const tracks = (window as unknown as Record<symbol, MediaStreamTrack[] | undefined>)[Symbol.for(held)];
    return (tracks ?? []).map((t) => ({ id: t.id, kind: t.kind, readyState: t.readyState }));
  }, HELD_TRACKS_KEY);
}

const HIDDEN_DEVICES_KEY = 'carecall.e2e.hiddenDevices';

/**
 * The nearest thing to unplugging a device that headless Chromium allows (it cannot plug hardware):
 * `enumerateDevices()` stops listing the device, a track the page sends from it stops and fires `ended`
 * (as a real unplug does), and `navigator.mediaDevices` fires `devicechange`. Differences from a real
 * unplug: the browser's capture layer still has the device (getUserMedia for that deviceId would still
 * succeed), only the page's view of the list changes (the instance's enumerateDevices is replaced), and
 * both events are dispatched by script rather than by the browser.
 * `device`: a deviceId, or the kind whose sent track's device is to go. Returns the deviceId unplugged.
 */
export async function unplugDevice(
  page: Page,
  device: 'audio' | 'video' | { deviceId: string },
): Promise<string> {
  return page.evaluate(
    ({ key, hiddenKey, device }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
      const sent = open
        .flatMap((pc) => pc.getSenders().flatMap((s) => (s.track ? [s.track] : [])))
        .filter((t) => t.readyState === 'live');
      const deviceId =
        typeof device === 'string'
          ? sent.find((t) => t.kind === device)?.getSettings().deviceId
          : device.deviceId;
      if (!deviceId) throw new Error(`no live ${String(device)} track with a deviceId is being sent`);
      const holder = window as unknown as Record<symbol, Set<string> | undefined>;
      let hidden = holder[Symbol.for(hiddenKey)];
      if (!hidden) {
        const set = new Set<string>();
        hidden = set;
        holder[Symbol.for(hiddenKey)] = set;
        const devices = navigator.mediaDevices;
        const native = devices.enumerateDevices.bind(devices);
        devices.enumerateDevices = async () => (await native()).filter((d) => !set.has(d.deviceId));
      }
      hidden.add(deviceId);
      for (const track of sent.filter((t) => t.getSettings().deviceId === deviceId)) {
        track.stop();
        track.dispatchEvent(new Event('ended'));
      }
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
      return deviceId;
    },
    { key: REGISTRY_KEY, hiddenKey: HIDDEN_DEVICES_KEY, device },
  );
}

/** A device `unplugDevice` hid is listed again, and `devicechange` fires (a headset plugged back in). */
export async function plugInDevice(page: Page, deviceId: string): Promise<void> {
  await page.evaluate(
    ({ hiddenKey, deviceId }) => {
      const hidden = (window as unknown as Record<symbol, Set<string> | undefined>)[Symbol.for(hiddenKey)];
      hidden?.delete(deviceId);
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
    },
    { hiddenKey: HIDDEN_DEVICES_KEY, deviceId },
  );
}
