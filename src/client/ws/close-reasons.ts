import { CLOSE_CODES } from '../../protocol/close-codes.js';

export const CLOSE = CLOSE_CODES;

const WORDS: Record<number, string> = {
  [CLOSE.unauthenticated]: 'You are signed out. Sign in again to continue.',
  [CLOSE.origin_not_allowed]: 'This address may not connect to carecall.',
  [CLOSE.session_expired]: 'Your session has ended. Sign in again to continue.',
  [CLOSE.call_link_expired]: 'Your call link has expired. Ask the clinic for a new one.',
  [CLOSE.call_link_revoked]:
    'The doctor restarted the call, so this link no longer works. Ask the clinic for a new one.',
  [CLOSE.abuse]: 'The connection was closed because too many messages were sent.',
  [CLOSE.replaced]: 'carecall was opened in another tab or window. Continue there, or reload this page.',
  [CLOSE.protocol_version]: 'carecall was updated. Reload the page.',
  [CLOSE.too_many_connections]:
    'carecall is open in too many tabs or windows. Close some of them, then reload this page.',
};

/**
 * Codes 4000 and above end the connection for good, except a server shutdown: in a group of nodes the
 * next connection reaches a live one.
 */
export function isFatalClose(code: number): boolean {
  return code >= 4000 && code !== CLOSE.server_shutdown;
}

export function closeReasonWords(code: number, reason: string): string {
  return WORDS[code] ?? (reason || 'The server closed the connection.');
}

export function needsSignIn(code: number): boolean {
  return code === CLOSE.unauthenticated || code === CLOSE.session_expired;
}
