import { NAME_PROBLEMS } from './call-words.js';

/** The token of a call link (`#token=…`), or null. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get('token');
  return token ? token : null;
}

export const MAX_NAME_CHARS = 80;

/** The problem with a confirmed name, or null when it will do. */
export function nameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return NAME_PROBLEMS.missing;
  if (trimmed.length > MAX_NAME_CHARS) return NAME_PROBLEMS.tooLong(MAX_NAME_CHARS);
  return null;
}
