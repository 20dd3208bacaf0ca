import type { PartyRole } from '../../protocol/call-status.js';

/** Who on a channel receives a message: everyone, only the two parties, or one party role. */
export type Audience = 'all' | 'parties' | PartyRole;

export interface Envelope {
  audience: Audience;
  /** A connection id that must not receive it (the sender's own socket). */
  except: string;
  /** The server message, already serialised: each node parses only this short header. */
  json: string;
  /** Set on the message that ends a call: its recipient leaves the room once it has it (S11, S23). */
  closesRoom?: true;
}

/** Per-recipient message streams for resume (docs/protocol.md S17). */
export const streams = {
  room: (roomId: string, role: PartyRole) => `room:${roomId}:${role}`,
} as const;

export const channels = {
  appointment: (id: string) => `appt:${id}`,
  /** Every appointment's call status and waiting room of one hospital, for its admins (S28). */
  hospital: (id: string) => `hosp:${id}`,
  room: (roomId: string) => `room:${roomId}`,
  control: 'control',
} as const;

const CLOSES_ROOM = 'closes-room';

/**
 * `<audience>|<except>[|closes-room]\n<json>`. The mark is a third header field so that a node that
 * reads only two takes it as part of `except`, which matches no connection.
 */
export function encodeEnvelope(e: Envelope): string {
  return `${e.audience}|${e.except}${e.closesRoom ? `|${CLOSES_ROOM}` : ''}\n${e.json}`;
}

export function decodeEnvelope(payload: string): Envelope | null {
  const nl = payload.indexOf('\n');
  const bar = payload.indexOf('|');
  if (nl < 0 || bar < 0 || bar > nl) return null;
  const audience = payload.slice(0, bar);
  if (audience !== 'all' && audience !== 'parties' && audience !== 'doctor' && audience !== 'patient')
    return null;
  const json = payload.slice(nl + 1);
  // Searched backwards from the end of the header, so a long message is never scanned.
  const mark = payload.lastIndexOf('|', nl);
  if (mark === bar) return { audience, except: payload.slice(bar + 1, nl), json };
  const except = payload.slice(bar + 1, mark);
  return payload.slice(mark + 1, nl) === CLOSES_ROOM ? { audience, except, json, closesRoom: true } : null;
}
