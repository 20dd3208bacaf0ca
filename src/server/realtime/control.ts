/**
 * What one node tells every node's signaling about connections it may not see itself (S13, S14, S18),
 * on the bus's control channel.
 */
export type ControlMessage =
  /** A sign-in session ended: its connections close (4004). */
  | { type: 'revoke-session'; sessionIdHash: string }
  /** A call cookie was given up: its link-only connections close, signed-in ones lose it. */
  | { type: 'revoke-grant'; grantId: string }
  /** A restart revoked the appointment's call cookies of every call but the current one. */
  | { type: 'revoke-call'; appointmentId: string; currentSessionId: string }
  /** Another connection of the same party took this one's place in its room. */
  | { type: 'replace'; connectionId: string };

/** `<type> <arg> [<arg>]`: ids and digests hold no spaces. */
export function encodeControl(m: ControlMessage): string {
  switch (m.type) {
    case 'revoke-session':
      return `revoke-session ${m.sessionIdHash}`;
    case 'revoke-grant':
      return `revoke-grant ${m.grantId}`;
    case 'revoke-call':
      return `revoke-call ${m.appointmentId} ${m.currentSessionId}`;
    case 'replace':
      return `replace ${m.connectionId}`;
  }
}

export function decodeControl(payload: string): ControlMessage | null {
  const [type, arg, arg2] = payload.split(' ');
  if (!arg) return null;
  switch (type) {
    case 'revoke-session':
      return { type, sessionIdHash: arg };
    case 'revoke-grant':
      return { type, grantId: arg };
    case 'revoke-call':
      // An absent current session revokes the appointment's every call cookie (no session id matches).
      return { type, appointmentId: arg, currentSessionId: arg2 ?? '' };
    case 'replace':
      return { type, connectionId: arg };
    default:
      return null;
  }
}
