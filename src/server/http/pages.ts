import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { errorBody } from '../errors.js';
import { findSession } from './auth.js';

const PAGES: Record<string, string> = {
  '/login': 'login.html',
  '/set-password': 'set-password.html',
  '/people': 'people.html',
  '/dashboard': 'dashboard.html',
  '/policy': 'policy.html',
  '/analytics': 'analytics.html',
  '/audit': 'audit.html',
  '/appointments': 'appointments.html',
  '/appointments/:id': 'appointment.html',
  '/appointments/:id/call': 'call.html',
  '/device-test': 'device-test.html',
};

/** Serves the built client: one HTML file per page, hashed assets cached for a year, pre-compressed. */
export async function pageRoutes(app: FastifyInstance, ctx: AppContext, clientDir: string): Promise<void> {
  const built = existsSync(join(clientDir, 'login.html'));
  if (built) {
    // preCompressed: the build writes .br and .gz beside each page and asset; they are sent to browsers
    // that accept them, so nothing is compressed per request.
    await app.register(fastifyStatic, {
      root: clientDir,
      serve: false,
      preCompressed: true,
    });
    app.get('/assets/*', async (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      reply.header('vary', 'accept-encoding');
      // cacheControl: false, or `send` replaces the header above with `public, max-age=0` and every page
      // load revalidates every asset.
      return reply.sendFile(join('assets', file), { cacheControl: false });
    });
  }
  const send = (reply: FastifyReply, file: string) => {
    if (!built)
      return reply
        .code(503)
        .send(errorBody('unavailable', 'The web client is not built: run `npm run build`.'));
    reply.header('cache-control', 'no-cache');
    reply.header('vary', 'accept-encoding');
    return reply.type('text/html; charset=utf-8').sendFile(file, { cacheControl: false });
  };
  for (const [path, file] of Object.entries(PAGES)) app.get(path, (_req, reply) => send(reply, file));
  app.get('/', async (req, reply) => {
    const session = await findSession(req, ctx.config, ctx.store);
    // A hospital admin's home is the day at a glance; everyone else's, their appointments.
    if (!session) return reply.redirect('/login');
    return reply.redirect(session.user.role === 'admin' ? '/dashboard' : '/appointments');
  });
}
