import type { ErrorCode } from '../../../protocol/errors.js';

/** The token of a call link (`#token=…`), or null. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get('token');
  return token ? token : null;
}

/** What a refused link means for the person holding it, and what to do (S18). Never shows the token. */
export const LINK_REFUSALS: Partial<Record<ErrorCode, string>> = {
  link_invalid:
    'This call link is not valid. Check that you opened the whole link, or ask the clinic for a new one.',
  link_expired: 'This call link has expired. Ask the clinic for a new one.',
  link_revoked:
    'This call link no longer works because the doctor restarted the call. Ask the clinic for a new one.',
  link_already_used:
    'This call link has already been opened in another browser. Continue there, or ask the clinic for a new link.',
  link_for_other_user:
    'This call link is for someone else. Sign out first, or open the link in a private window.',
};

export const MAX_NAME_CHARS = 80;

/** The problem with a confirmed name, or null when it will do. */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Enter your name.';
  if (trimmed.length > MAX_NAME_CHARS) return `Your name can be at most ${MAX_NAME_CHARS} characters.`;
  return null;
}
