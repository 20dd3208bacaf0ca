import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ChatHistory } from '../../protocol/api.js';
import type { ChatMessageView } from '../../protocol/messages.js';
import { chatMessageViewSchema } from '../../protocol/server-messages.js';
import { authorize } from '../access/appointment-access.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { documented, routeDocs } from '../http/openapi.js';
import { byUser, findPrincipal, requireParty } from '../http/principal.js';
import { parseWith } from '../http/validation.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(200),
  before: z.coerce.number().int().positive().optional(),
});
const chatBody = z.object({ clientId: z.string().min(1).max(64), body: z.string().max(10_000) });
const doc = routeDocs('chat');

/** The appointment's chat over HTTP (docs/api.md); signaling carries the same chat (S7). */
export async function chatRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, chat, store, policy } = ctx;

  /**
   * The parties read their chat. A hospital admin reads it only where the hospital's policy allows it
   * (adminsReadChat, off by default), and every such read is audited; admins never write.
   */
  const readableChat = async (req: FastifyRequest, id: string) => {
    const principal = await findPrincipal(req, ctx);
    if (principal?.session && principal.user.role === 'admin') {
      const access = authorize(principal, await store.appointments.get(id), 'view');
      if (!(await policy.effective(access.appointment.hospital_id)).adminsReadChat) {
        throw new AppError('wrong_role', { message: 'This hospital does not let its admins read chats.' });
      }
      await store.audit.record({
        actorId: principal.user.id,
        action: 'chat.read',
        appointmentId: id,
        outcome: 'ok',
      });
      return access.appointment;
    }
    return (await requireParty(req, ctx, id)).appointment;
  };

  app.get(
    '/api/appointments/:id/messages',
    {
      config: { audit: 'chat.read' },
      ...documented(
        doc(
          'Chat history, oldest first',
          { params: idParams, querystring: historyQuery },
          z.object({ messages: z.array(chatMessageViewSchema) }),
        ),
      ),
    },
    async (req): Promise<ChatHistory> => {
      const { id } = parseWith(idParams, req.params);
      const appointment = await readableChat(req, id);
      const q = parseWith(historyQuery, req.query);
      const messages = await chat.history(
        appointment.id,
        q.before === undefined ? { limit: q.limit } : { limit: q.limit, before: q.before },
      );
      return { messages };
    },
  );

  app.post(
    '/api/appointments/:id/messages',
    {
      ...documented(
        doc(
          'Send a chat message (idempotent on clientId)',
          { params: idParams, body: chatBody },
          z.object({ message: chatMessageViewSchema }),
          201,
        ),
      ),
      config: {
        audit: 'chat.write',
        rateLimit: {
          max: config.rateLimits.chatPerMinute,
          timeWindow: '1 minute',
          keyGenerator: byUser(ctx),
        },
      },
    },
    async (req, reply): Promise<{ message: ChatMessageView }> => {
      const { id } = parseWith(idParams, req.params);
      const { user, appointment } = await requireParty(req, ctx, id);
      const body = parseWith(chatBody, req.body);
      const message = await chat.post(user, appointment.id, body.clientId, body.body);
      reply.code(201);
      return { message };
    },
  );
}
