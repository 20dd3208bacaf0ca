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
  | { type: 'replace'; connectionId: string }
  /**
   * An appointment was given to another doctor: its parties are now these two, and a connection of anyone
   * else that was subscribed to it as a party stops hearing it at once (S28).
   */
  | { type: 'appointment-parties'; appointmentId: string; doctorId: string; patientId: string };

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
    case 'appointment-parties':
      return `appointment-parties ${m.appointmentId} ${m.doctorId} ${m.patientId}`;
  }
}

export function decodeControl(payload: string): ControlMessage | null {
  const [type, arg, arg2, arg3] = payload.split(' ');
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
    case 'appointment-parties':
      return arg2 && arg3 ? { type, appointmentId: arg, doctorId: arg2, patientId: arg3 } : null;
    default:
      return null;
  }
}
