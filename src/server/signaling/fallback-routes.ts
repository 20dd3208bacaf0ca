import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SignalOpenResult } from '../../protocol/api.js';
import { POLL_TIMEOUT_MS } from '../../protocol/messages.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { Principal } from '../access/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { sessionCookieName } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { callCookieName, requirePrincipal } from '../http/principal.js';
import { parseWith } from '../http/validation.js';
import { hashSecret } from '../ids.js';
import type { Connection } from './connection.js';
import { LongPollTransport } from './long-poll.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const pollQuery = z.object({ cursor: z.coerce.number().int().min(0).default(0) });
const sendBody = z.object({ message: z.unknown() }).strict();
const doc = routeDocs('signaling');

interface Entry {
  conn: Connection;
  transport: LongPollTransport;
  /** The session or call cookie that opened it; every later request must come with the same one. */
  owner: string;
}

/** Digests of the session and call cookies a request carries (a session's id hash is its cookie's). */
function cookieOwners(req: FastifyRequest, ctx: AppContext): string[] {
  const session = req.cookies[sessionCookieName(ctx.config)];
  const call = req.cookies[callCookieName(ctx.config)];
  return [session ? `s:${hashSecret(session)}` : '', call ? `g:${hashSecret(call)}` : ''].filter(Boolean);
}

function ownerOf(p: Principal, req: FastifyRequest, ctx: AppContext): string {
  if (p.session) return `s:${p.session.idHash}`;
  return cookieOwners(req, ctx).find((o) => o.startsWith('g:')) ?? '';
}

/**
 * HTTP signaling fallback (docs/protocol.md S22) for browsers whose WebSocket is blocked: the same
 * messages go through the same hub, over a send endpoint and a long poll.
 */
export async function signalFallbackRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { hub } = ctx;
  const open = new Map<string, Entry>();

  const lookup = async (req: FastifyRequest, reportClose = false): Promise<Entry> => {
    const { id } = parseWith(idParams, req.params);
    const entry = open.get(id);
    // A connection closed because its cookie expired or was revoked (4004-4006) still tells the browser
    // holding that cookie why, as the close frame of a WebSocket would.
    if (reportClose && entry && !entry.transport.isOpen && cookieOwners(req, ctx).includes(entry.owner)) {
      return entry;
    }
    const principal = await requirePrincipal(req, ctx);
    if (!entry || entry.owner !== ownerOf(principal, req, ctx)) {
      throw new AppError('signal_connection_unknown');
    }
    return entry;
  };

  app.post(
    '/api/signal',
    {
      config: { audit: 'signal.open', rateLimit: { max: 60, timeWindow: '1 minute' } },
      ...documented(doc('Open a signaling connection over HTTP (S22)', {}, 'SignalOpenResult')),
    },
    async (req): Promise<SignalOpenResult> => {
      const principal = await requirePrincipal(req, ctx);
      const refusal = await hub.refusal(principal);
      if (refusal) throw new AppError(refusal);
      const transport = new LongPollTransport();
      const conn = hub.attach(transport, principal);
      // The welcome is returned here rather than through the first poll.
      await transport.poll(1, 0);
      transport.onClosed = (code) => {
        hub.disconnected(conn, code);
        // Kept until a poll has reported the close and what was queued before it, as a WebSocket client
        // would have received them; forgotten anyway if the client never polls again.
        setTimeout(() => open.delete(conn.id), POLL_TIMEOUT_MS).unref();
      };
      open.set(conn.id, { conn, transport, owner: ownerOf(principal, req, ctx) });
      return {
        connectionId: conn.id,
        welcome: {
          type: 'welcome',
          v: PROTOCOL_VERSION,
          user: {
            id: principal.user.id,
            role: principal.user.role,
            displayName: principal.user.display_name,
          },
        },
        pollTimeoutMs: POLL_TIMEOUT_MS,
      };
    },
  );

  const sendDoc = doc(
    'Send one client message (S22)',
    { params: idParams, body: sendBody },
    z.object({}),
    202,
  );
  app.post('/api/signal/:id/send', documented(sendDoc), async (req, reply) => {
    const entry = await lookup(req);
    const { message } = parseWith(sendBody, req.body);
    hub.receive(entry.conn, JSON.stringify(message));
    return reply.code(202).send({});
  });

  const pollDoc = doc(
    'Wait for server messages after a cursor (S22)',
    { params: idParams, querystring: pollQuery },
    'SignalPollResult',
  );
  app.get('/api/signal/:id/poll', documented(pollDoc), async (req, reply) => {
    const entry = await lookup(req, true);
    const { cursor } = parseWith(pollQuery, req.query);
    hub.pong(entry.conn);
    const body = await entry.transport.poll(cursor);
    hub.pong(entry.conn);
    if (!entry.transport.isOpen) open.delete(entry.conn.id);
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.delete(
    '/api/signal/:id',
    documented(doc('Close the connection (S22)', { params: idParams }, null)),
    async (req, reply) => {
      const entry = await lookup(req);
      open.delete(entry.conn.id);
      entry.transport.close(1000, 'closed by the client');
      return reply.code(204).send();
    },
  );

  app.addHook('onClose', async () => {
    for (const { transport } of open.values()) transport.close(1001, 'server shutting down');
  });
}
