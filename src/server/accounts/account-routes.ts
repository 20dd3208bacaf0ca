import type { FastifyInstance } from 'fastify';
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
import { clearCallCookie, presentedGrant } from '../http/principal.js';
import { parseWith } from '../http/validation.js';
import { burnPasswordCheck, verifyPassword } from './passwords.js';
import { toUserView } from './users-repo.js';

const loginBody = z.object({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1024),
});

export async function accountRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store } = ctx;

  app.get('/api/session', async (req): Promise<SessionView> => {
    const session = await requireSession(req, config, store);
    return { user: toUserView(session.user), csrfToken: session.csrfToken };
  });

  app.post(
    '/api/session',
    { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } },
    async (req, reply): Promise<SessionView> => {
      // Login CSRF: a foreign page must not sign a victim into an attacker's account.
      if (!originAllowed(req, config)) throw new AppError('origin_not_allowed');
      const body = parseWith(loginBody, req.body);
      const user = await store.users.findByEmail(body.email);
      const valid =
        user && user.disabled_at === null ? await verifyPassword(body.password, user.password_hash) : false;
      if (!user || !valid) {
        if (!user) await burnPasswordCheck(body.password);
        await store.audit.record({ actorId: user?.id ?? null, action: 'auth.login', outcome: 'denied' });
        throw new AppError('invalid_credentials');
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
  app.delete('/api/session', async (req, reply) => {
    const session = await requireSession(req, config, store);
    const grant = await presentedGrant(req, ctx);
    await ctx.revocation.endSession(session.idHash, grant?.id ?? null);
    clearSessionCookie(reply, config);
    clearCallCookie(reply, config);
    await store.audit.record({ actorId: session.user.id, action: 'auth.logout', outcome: 'ok' });
    return reply.code(204).send();
  });
}
