import type { BrowserContext, Page } from '@playwright/test';

/**
 * The app has no test hooks, so the tests reach its peer connections through an init script that wraps
 * `window.RTCPeerConnection` before any page script runs. Every connection the page creates, and the ICE
 * configuration it was given, lands in a registry kept under a `Symbol.for` key: invisible to the app's
 * own enumeration of `window`, reachable from `page.evaluate`.
 */
export const REGISTRY_KEY = 'carecall.e2e.peerConnections';

export interface ProbeRegistry {
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

/** Every count at zero: a new connection's, and the sum over no connection. */
export const NO_NEGOTIATION: Readonly<NegotiationCounts> = {
  offerAttempts: 0,
  localOffers: 0,
  remoteOffers: 0,
  rollbacks: 0,
  setLocalDescriptions: 0,
  createOffers: 0,
  negotiationNeeded: 0,
};

/**
 * What the readers below need of a page: Playwright's `evaluate` with one argument (a Firefox page driven
 * by puppeteer is adapted to it in firefox-page.ts).
 */
export type ScriptedPage = Pick<Page, 'evaluate'>;

/**
 * Runs inside the page (serialised by Playwright, or by puppeteer for Firefox), so it may use nothing from
 * this module's scope.
 */
export function installPeerConnectionProbe({ key, zero }: { key: string; zero: NegotiationCounts }): void {
  const holder = window as unknown as Record<symbol, ProbeRegistry | undefined>;
  const symbol = Symbol.for(key);
  const Native = window.RTCPeerConnection;
  if (typeof Native !== 'function' || holder[symbol]) return;
  const registry: ProbeRegistry = { connections: [], iceServers: [], negotiation: [] };
  class RTCPeerConnection extends Native {
    readonly #counts: NegotiationCounts = { ...zero };

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
  await context.addInitScript(installPeerConnectionProbe, { key: REGISTRY_KEY, zero: NO_NEGOTIATION });
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
  'codec',
];

/**
 * Every open peer connection of the page with the stats the helpers need. A page that is navigating has
 * no execution context; that reads as "no connections yet" so callers can simply poll.
 */
export async function peerConnectionSnapshots(page: ScriptedPage): Promise<PeerConnectionSnapshot[]> {
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

/** The page navigated while it was read: no connections to read yet. */
export function isNavigationRace(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /Execution context was destroyed|Cannot find context|navigat/i.test(message);
}

/** The ICE server URLs of every peer connection the page created, closed ones included. */
export async function configuredIceServerUrls(page: ScriptedPage): Promise<string[]> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    return (registry?.iceServers ?? []).flat().flatMap((server) => [server.urls].flat());
  }, REGISTRY_KEY);
}

export async function peerConnectionCount(page: ScriptedPage): Promise<number> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    return registry?.connections.length ?? 0;
  }, REGISTRY_KEY);
}
