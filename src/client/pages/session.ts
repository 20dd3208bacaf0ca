import type { SessionView, UserView } from '../../protocol/api.js';
import { ApiError, errorMessage } from '../api/api-error.js';
import type { ApiClient } from '../api/http-client.js';
import { loginUrl } from '../lib/next-path.js';
import type { Platform } from '../platform/platform.js';

/** Sends the user to sign in (and back here afterwards) when the error says the session is gone. */
export function redirectIfSignedOut(error: unknown, platform: Platform): boolean {
  if (!(error instanceof ApiError) || error.status !== 401) return false;
  platform.replace(loginUrl(`${platform.pathname}${platform.search}`));
  return true;
}

/** The session, or null after starting the redirect to the login page. */
export async function requireSession(api: ApiClient, platform: Platform): Promise<SessionView | null> {
  try {
    return await api.getSession();
  } catch (error) {
    if (redirectIfSignedOut(error, platform)) return null;
    throw error;
  }
}

/**
 * The signed-in user of a hospital admin's page, with their hospital: null after starting the redirect
 * to sign in; `hospitalId` null when they are not an admin of a hospital (the page says it is not theirs).
 */
export async function requireAdminSession(
  api: ApiClient,
  platform: Platform,
): Promise<{ user: UserView; hospitalId: string | null } | null> {
  const session = await requireSession(api, platform);
  if (!session) return null;
  const { user } = session;
  return { user, hospitalId: user.role === 'admin' ? user.hospitalId : null };
}

/**
 * Signs out and goes to the login page; an already-ended session counts as signed out. The page's socket,
 * if it has one, is closed first: signing out closes this session's sockets (4004), and that close is
 * expected, not news for the user. Returns what went wrong, in words for the page, or null.
 */
export async function signOut(
  api: ApiClient,
  platform: Platform,
  socket?: { close(): void },
): Promise<string | null> {
  socket?.close();
  try {
    await api.signOut();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) return errorMessage(error);
  }
  platform.replace('/login');
  return null;
}
