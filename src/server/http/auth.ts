import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionInfo } from '../access/principal.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Store } from '../store.js';

export function sessionCookieName(config: Config): string {
  // The __Host- prefix makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
  return config.secureCookies ? '__Host-carecall_session' : 'carecall_session';
}

export function setSessionCookie(
  reply: FastifyReply,
  config: Config,
  token: string,
  expiresAt: number,
): void {
  reply.setCookie(sessionCookieName(config), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(sessionCookieName(config), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
  });
}

export async function findSession(
  req: FastifyRequest,
  config: Config,
  store: Store,
): Promise<SessionInfo | null> {
  const token = req.cookies[sessionCookieName(config)];
  if (!token || token.length > 128) return null;
  return store.sessions.lookup(token);
}

export function originAllowed(req: FastifyRequest, config: Config): boolean {
  const origin = req.headers.origin;
  return typeof origin === 'string' && config.allowedOrigins.includes(origin);
}

/**
 * Session for an API call. State-changing requests must also carry the session's CSRF token in a
 * header (a page on another site cannot read it) and, when the browser sends one, an allowed Origin.
 */
export async function requireSession(
  req: FastifyRequest,
  config: Config,
  store: Store,
): Promise<SessionInfo> {
  const hadCookie = Boolean(req.cookies[sessionCookieName(config)]);
  const session = await findSession(req, config, store);
  if (!session) throw new AppError(hadCookie ? 'session_expired' : 'unauthenticated');
  checkWriteRequest(req, config, session.csrfToken);
  return session;
}

/** A state-changing request must carry the caller's CSRF token and, when sent, an allowed Origin. */
export function checkWriteRequest(req: FastifyRequest, config: Config, csrfToken: string): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  if (req.headers.origin !== undefined && !originAllowed(req, config))
    throw new AppError('origin_not_allowed');
  const sent = req.headers['x-csrf-token'];
  if (typeof sent !== 'string' || !safeEqual(sent, csrfToken)) throw new AppError('csrf_failed');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
