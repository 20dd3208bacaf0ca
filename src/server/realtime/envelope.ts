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
  /** When it was published (wallClockMs, whole ms), for the bus latency; absent in what older nodes sent. */
  publishedAt?: number;
  /** A relayed client message: when its frame was received (whole ms, not after publishedAt). */
  receivedAt?: number;
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
 * `<audience>|<except>[@<publishedAt>[/<waited>]][|closes-room]\n<json>`, `waited` being publishedAt -
 * receivedAt (a small number, cheap to write). The mark is a third header
 * field so that a node that reads only two takes it as part of `except`, which matches no connection. The
 * times (for the metrics) ride at the end of `except` for the same reason: a node that does not know them
 * reads an `except` that matches no connection, and delivers the message as before.
 */
export function encodeEnvelope(e: Envelope): string {
  const times =
    e.publishedAt === undefined
      ? ''
      : e.receivedAt === undefined
        ? `@${e.publishedAt}`
        : `@${e.publishedAt}/${e.publishedAt - e.receivedAt}`;
  return `${e.audience}|${e.except}${times}${e.closesRoom ? `|${CLOSES_ROOM}` : ''}\n${e.json}`;
}

/** Splits the times off `except` (connection ids never hold an `@`). */
function withTimes(e: Envelope): Envelope {
  const except = e.except;
  const at = except.lastIndexOf('@');
  if (at < 0) return e;
  e.except = except.slice(0, at);
  const slash = except.indexOf('/', at);
  const publishedAt = Number(except.slice(at + 1, slash < 0 ? undefined : slash));
  if (Number.isFinite(publishedAt)) e.publishedAt = publishedAt;
  if (slash >= 0 && e.publishedAt !== undefined) {
    const waited = Number(except.slice(slash + 1));
    if (Number.isFinite(waited)) e.receivedAt = e.publishedAt - waited;
  }
  return e;
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
  if (mark === bar) return withTimes({ audience, except: payload.slice(bar + 1, nl), json });
  const except = payload.slice(bar + 1, mark);
  return payload.slice(mark + 1, nl) === CLOSES_ROOM
    ? withTimes({ audience, except, json, closesRoom: true })
    : null;
}
