import type { PartyRole } from '../../protocol/call-status.js';
import type { Peer } from '../../protocol/messages.js';

/**
 * Who is in a room or a waiting room, kept in the bus's shared maps (field = role) so every node sees
 * it (docs/protocol.md S21). A value is `<connectionId>|<json>`: the prefix lets a node release or
 * refresh only the entry it still owns.
 */
export interface PresenceEntry {
  connectionId: string;
  nodeId: string;
  peer: Peer;
  /** Last refresh by the owning node; entries not refreshed for PRESENCE_STALE_MS are gone. */
  beat: number;
}

export const PRESENCE_REFRESH_MS = 10_000;
export const PRESENCE_STALE_MS = 30_000;

export const presenceKeys = {
  room: (roomId: string) => `presence:room:${roomId}`,
  // The key keeps its first name: nodes of different versions must agree on it.
  waitingRoom: (appointmentId: string) => `presence:lobby:${appointmentId}`,
} as const;

export function ownerPrefix(connectionId: string): string {
  return `${connectionId}|`;
}

export function encodePresence(e: PresenceEntry): string {
  return `${ownerPrefix(e.connectionId)}${JSON.stringify({ n: e.nodeId, p: e.peer, b: e.beat })}`;
}

export function decodePresence(raw: string | null | undefined): PresenceEntry | null {
  if (!raw) return null;
  const bar = raw.indexOf('|');
  if (bar < 0) return null;
  try {
    const v = JSON.parse(raw.slice(bar + 1)) as { n: string; p: Peer; b: number };
    return { connectionId: raw.slice(0, bar), nodeId: v.n, peer: v.p, beat: v.b };
  } catch {
    return null;
  }
}

export function isFresh(e: PresenceEntry, now: number): boolean {
  return now - e.beat < PRESENCE_STALE_MS;
}

export function otherRole(role: PartyRole): PartyRole {
  return role === 'doctor' ? 'patient' : 'doctor';
}
