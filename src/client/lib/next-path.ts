export const DEFAULT_AFTER_LOGIN = '/appointments';

const PROBE_ORIGIN = 'https://carecall.invalid';

/**
 * The place to go after signing in: a path on this site, never another origin.
 * Parsing with URL catches what a prefix check misses (`/\evil`, tabs and newlines that browsers strip).
 */
export function safeNextPath(raw: string | null | undefined): string {
  if (!raw?.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return DEFAULT_AFTER_LOGIN;
  let url: URL;
  try {
    url = new URL(raw, PROBE_ORIGIN);
  } catch {
    return DEFAULT_AFTER_LOGIN;
  }
  if (url.origin !== PROBE_ORIGIN) return DEFAULT_AFTER_LOGIN;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (path === '/login' || path.startsWith('/login?') || path.startsWith('/login#'))
    return DEFAULT_AFTER_LOGIN;
  return path;
}

/** The login page address that brings the user back to `currentPath` afterwards. */
export function loginUrl(currentPath: string): string {
  return `/login?next=${encodeURIComponent(currentPath)}`;
}

/** The `next` parameter of a query string, sanitised. */
export function nextFromSearch(search: string): string {
  return safeNextPath(new URLSearchParams(search).get('next'));
}
