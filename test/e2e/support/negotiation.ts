import type { Page } from '@playwright/test';
import {
  isNavigationRace,
  type NegotiationCounts,
  NO_NEGOTIATION,
  type PeerConnectionSnapshot,
  type ProbeRegistry,
  REGISTRY_KEY,
} from './peer-connection-probe.js';

/** Negotiation as the probe sees it: offers, rollbacks and states, and a simultaneous ICE restart (glare). */

/** Negotiation counts summed over every connection the page created. */
export async function negotiationCounts(page: Page): Promise<NegotiationCounts> {
  return page.evaluate(
    ({ key, zero }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const total: NegotiationCounts = { ...zero };
      for (const counts of registry?.negotiation ?? []) {
        for (const name of Object.keys(total) as Array<keyof NegotiationCounts>) total[name] += counts[name];
      }
      return total;
    },
    { key: REGISTRY_KEY, zero: NO_NEGOTIATION },
  );
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
