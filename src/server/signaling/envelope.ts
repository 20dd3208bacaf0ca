import type { PartyRole } from '../../protocol/call-status.js';

/** Who on a channel receives a message: everyone, only the two parties, or one party role. */
export type Audience = 'all' | 'parties' | PartyRole;

export interface Envelope {
  audience: Audience;
  /** A connection id that must not receive it (the sender's own socket). */
  except: string;
  /** The server message, already serialised: each node parses only this short header. */
  json: string;
}

/** Per-recipient message streams for resume (docs/protocol.md S17). */
export const streams = {
  room: (roomId: string, role: PartyRole) => `room:${roomId}:${role}`,
} as const;

export const channels = {
  appointment: (id: string) => `appt:${id}`,
  room: (roomId: string) => `room:${roomId}`,
  control: 'control',
} as const;

export function encodeEnvelope(e: Envelope): string {
  return `${e.audience}|${e.except}\n${e.json}`;
}

export function decodeEnvelope(payload: string): Envelope | null {
  const nl = payload.indexOf('\n');
  const bar = payload.indexOf('|');
  if (nl < 0 || bar < 0 || bar > nl) return null;
  const audience = payload.slice(0, bar);
  if (audience !== 'all' && audience !== 'parties' && audience !== 'doctor' && audience !== 'patient')
    return null;
  return { audience, except: payload.slice(bar + 1, nl), json: payload.slice(nl + 1) };
}
