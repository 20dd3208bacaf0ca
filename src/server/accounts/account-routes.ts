import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SessionView } from '../../protocol/api.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import {
  clearSessionCookie,
  findSession,
  originAllowed,
  requireSession,
  setSessionCookie,
} from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { clearCallCookie, presentedGrant } from '../http/principal.js';
import { parseWith } from '../http/validation.js';
import { burnPasswordCheck, verifyPassword } from './passwords.js';
import { toUserView } from './users-repo.js';

const loginBody = z.object({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1024),
});

const doc = routeDocs('session');

export async function accountRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store } = ctx;

  app.get(
    '/api/session',
    documented(doc('Who is signed in', {}, 'SessionView')),
    async (req): Promise<SessionView> => {
      const session = await requireSession(req, config, store);
      return { user: toUserView(session.user), csrfToken: session.csrfToken };
    },
  );

  // Two limits: all attempts from one address (generous: a clinic's staff may share one NAT address and
  // sign in at the same hour), and attempts at one account from one address (guessing a password). The
  // plugin runs one limiter per request, so the second is checked by hand once the body is parsed.
  const accountLimit = app.createRateLimit({
    max: config.rateLimits.signInPerMinute,
    timeWindow: '1 minute',
    keyGenerator: signInKey,
  });
  app.post(
    '/api/session',
    {
      config: { rateLimit: { max: config.rateLimits.signInPerAddressPerMinute, timeWindow: '1 minute' } },
      ...documented(doc('Sign in (sets the session cookie)', { body: loginBody }, 'SessionView')),
    },
    async (req, reply): Promise<SessionView> => {
      // Login CSRF: a foreign page must not sign a victim into an attacker's account.
      if (!originAllowed(req, config)) throw new AppError('origin_not_allowed');
      const body = parseWith(loginBody, req.body);
      const limit = await accountLimit(req);
      if (!limit.isAllowed && limit.isExceeded) {
        void reply.header('retry-after', limit.ttlInSeconds);
        throw new AppError('rate_limited');
      }
      const user = await store.users.findByEmail(body.email);
      const valid = user ? await verifyPassword(body.password, user.password_hash) : false;
      if (!user || !valid) {
        if (!user) await burnPasswordCheck(body.password);
        await store.audit.record({ actorId: user?.id ?? null, action: 'auth.login', outcome: 'denied' });
        throw new AppError('invalid_credentials');
      }
      // Said only to someone who knows the password: the person, not a prober of emails.
      if (user.disabled_at !== null) {
        await store.audit.record({
          actorId: user.id,
          action: 'auth.login',
          outcome: 'denied',
          detail: { code: 'account_deactivated' },
        });
        throw new AppError('account_deactivated');
      }
      // Signing in over a session ends it as signing out would: its sockets and call cookies go too (S14).
      const previous = await findSession(req, config, store);
      if (previous) await ctx.revocation.endSession(previous.idHash, null);
      const s = await store.sessions.create(user.id, config.sessionTtlHours * 3_600_000);
      setSessionCookie(reply, config, s.token, s.expiresAt);
      await store.audit.record({ actorId: user.id, action: 'auth.login', outcome: 'ok' });
      return { user: toUserView(user), csrfToken: s.csrfToken };
    },
  );

  // The browser may be shared: nothing it was given for a consultation may outlive the sign-out.
  app.delete('/api/session', documented(doc('Sign out', {}, null)), async (req, reply) => {
    const session = await requireSession(req, config, store);
    const grant = await presentedGrant(req, ctx);
    await ctx.revocation.endSession(session.idHash, grant?.id ?? null);
    clearSessionCookie(reply, config);
    clearCallCookie(reply, config);
    await store.audit.record({ actorId: session.user.id, action: 'auth.logout', outcome: 'ok' });
    return reply.code(204).send();
  });
}

/** One account at one address: the email as the person typed it, ignoring case and spaces around it. */
function signInKey(req: FastifyRequest): string {
  const body = req.body as { email?: unknown } | null | undefined;
  const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : '';
  return `sign-in:${req.ip}:${email}`;
}
