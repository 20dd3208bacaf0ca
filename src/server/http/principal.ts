import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, type PartyAccess } from '../access/appointment-access.js';
import { type Grant, type Principal, type SessionInfo, sessionPrincipal } from '../access/principal.js';
import type { AppointmentWithNames } from '../appointments/appointments-repo.js';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { checkWriteRequest, findSession, sessionCookieName } from './auth.js';

export function callCookieName(config: Config): string {
  return config.secureCookies ? '__Host-carecall_call' : 'carecall_call';
}

/** The call cookie: bound to one call, sent only to this site (Strict), never readable by scripts. */
export function setCallCookie(reply: FastifyReply, config: Config, secret: string, expiresAt: number): void {
  reply.setCookie(callCookieName(config), secret, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: config.secureCookies,
    expires: new Date(expiresAt),
  });
}

export function clearCallCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(callCookieName(config), {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: config.secureCookies,
  });
}

/** The call cookie a request presents, whoever it was issued to, if it is live. */
export function presentedGrant(req: FastifyRequest, ctx: AppContext): Promise<Grant | null> {
  return ctx.callGrants.lookup(req.cookies[callCookieName(ctx.config)]);
}

/** Looked up once per request: the rate limiter keys on it before the handler needs it too. */
const principals = new WeakMap<FastifyRequest, Promise<Principal | null>>();

/**
 * The session and call cookie of a request. A call cookie for someone other than the signed-in user is
 * ignored, so one browser never acts as two people.
 */
export function findPrincipal(req: FastifyRequest, ctx: AppContext): Promise<Principal | null> {
  let found = principals.get(req);
  if (!found) {
    found = lookupPrincipal(req, ctx);
    principals.set(req, found);
  }
  return found;
}

async function lookupPrincipal(req: FastifyRequest, ctx: AppContext): Promise<Principal | null> {
  const session = await findSession(req, ctx.config, ctx.store);
  let grant = await presentedGrant(req, ctx);
  if (session && grant && grant.userId !== session.user.id) grant = null;
  if (session) return { session, grant, user: session.user };
  if (!grant) return null;
  const party = await ctx.store.users.findById(grant.userId);
  if (!party || party.disabled_at !== null) return null;
  return { session: null, grant, user: { ...party, display_name: grant.displayName } };
}

/** A rate-limit key for the caller: its user where it has one (across browsers and nodes), else its address. */
export function byUser(ctx: AppContext): (req: FastifyRequest) => Promise<string> {
  return async (req) => {
    const principal = await findPrincipal(req, ctx).catch(() => null);
    return principal ? `user:${principal.user.id}` : `ip:${req.ip}`;
  };
}

/** Like requireSession, for the routes a call cookie also opens (the call page's). */
export async function requirePrincipal(req: FastifyRequest, ctx: AppContext): Promise<Principal> {
  const principal = await findPrincipal(req, ctx);
  if (!principal) {
    const hadCookie =
      Boolean(req.cookies[sessionCookieName(ctx.config)]) || Boolean(req.cookies[callCookieName(ctx.config)]);
    throw new AppError(hadCookie ? 'session_expired' : 'unauthenticated');
  }
  const csrf = principal.session?.csrfToken ?? principal.grant?.csrfToken ?? '';
  checkWriteRequest(req, ctx.config, csrf);
  return principal;
}

/**
 * A party of the appointment, signed in or holding its call cookie (authorize). Admins of its hospital
 * get `wrong_role` (they may look, not take part), anyone else `not_party`.
 */
export async function requireParty(
  req: FastifyRequest,
  ctx: AppContext,
  appointmentId: string,
): Promise<PartyAccess<AppointmentWithNames> & { principal: Principal; user: Principal['user'] }> {
  const principal = await requirePrincipal(req, ctx);
  const party = authorize(principal, await ctx.store.appointments.get(appointmentId), 'take-part');
  return { ...party, principal, user: principal.user };
}

/** The signed-in user as a party of the appointment (authorize), on the routes only a session opens. */
export async function sessionParty(
  ctx: AppContext,
  session: SessionInfo,
  appointmentId: string,
): Promise<PartyAccess<AppointmentWithNames>> {
  return authorize(sessionPrincipal(session), await ctx.store.appointments.get(appointmentId), 'take-part');
}
