/** WebSocket close codes (4000+ are ours; see docs/protocol.md). Values only: the client bundles this file. */
export const CLOSE_CODES = {
  /**
   * Sent by a client that closes its socket to open a new one at once (reconnect): unlike 1000/1001 it
   * has not left, so its place in the room is kept for the grace and a resumed join continues (S17).
   */
  client_reconnecting: 4000,
  unauthenticated: 4001,
  origin_not_allowed: 4003,
  session_expired: 4004,
  /** The call link this connection was opened with expired (VIDEO_CALL_TOKEN_EXPIRY_HOURS). */
  call_link_expired: 4005,
  /** The call was restarted, which revokes the links and call cookies of the previous call. */
  call_link_revoked: 4006,
  abuse: 4008,
  replaced: 4009,
  protocol_version: 4010,
  server_shutdown: 4011,
  /** The user (or call cookie) already holds as many connections as a node allows. */
  too_many_connections: 4012,
} as const;
export type CloseCodeName = keyof typeof CLOSE_CODES;
