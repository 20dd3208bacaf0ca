/** WebSocket close codes (4000+ are ours; see docs/protocol.md). Values only: the client bundles this file. */
export const CLOSE_CODES = {
  unauthenticated: 4001,
  origin_not_allowed: 4003,
  session_expired: 4004,
  abuse: 4008,
  replaced: 4009,
  protocol_version: 4010,
  server_shutdown: 4011,
} as const;
export type CloseCodeName = keyof typeof CLOSE_CODES;
