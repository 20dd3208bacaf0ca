import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { errorBody } from '../errors.js';
import { findSession } from './auth.js';

const PAGES: Record<string, string> = {
  '/login': 'login.html',
  '/appointments': 'appointments.html',
  '/appointments/:id': 'appointment.html',
  '/appointments/:id/call': 'call.html',
  '/device-test': 'device-test.html',
};

/** Serves the built client: one HTML file per page, hashed assets cached for a year. */
export async function pageRoutes(app: FastifyInstance, ctx: AppContext, clientDir: string): Promise<void> {
  const built = existsSync(join(clientDir, 'login.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: clientDir,
      serve: false,
    });
    app.get('/assets/*', async (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.sendFile(join('assets', file));
    });
  }
  const send = (reply: FastifyReply, file: string) => {
    if (!built)
      return reply
        .code(503)
        .send(errorBody('unavailable', 'The web client is not built: run `npm run build`.'));
    reply.header('cache-control', 'no-cache');
    return reply.type('text/html; charset=utf-8').sendFile(file);
  };
  for (const [path, file] of Object.entries(PAGES)) app.get(path, (_req, reply) => send(reply, file));
  app.get('/', async (req, reply) => {
    const session = await findSession(req, ctx.config, ctx.store);
    return reply.redirect(session ? '/appointments' : '/login');
  });
}
