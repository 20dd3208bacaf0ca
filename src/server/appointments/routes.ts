import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppointmentDetail, AppointmentList, ChatHistory } from '../../protocol/api.js';
import type { ChatMessageView } from '../../protocol/messages.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { requireSession } from '../http/auth.js';
import { byUser, requireParty } from '../http/principal.js';
import { parseWith } from '../http/validation.js';
import { accessTo, permissionsFor } from './access.js';
import { toAppointmentView } from './appointments-repo.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(200),
  before: z.coerce.number().int().positive().optional(),
});
const chatBody = z.object({ clientId: z.string().min(1).max(64), body: z.string().max(10_000) });

export async function appointmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, chat } = ctx;

  app.get('/api/appointments', async (req): Promise<AppointmentList> => {
    const { user } = await requireSession(req, config, store);
    const rows =
      user.role === 'doctor'
        ? await store.appointments.listForDoctor(user.id)
        : user.role === 'patient'
          ? await store.appointments.listForPatient(user.id)
          : user.hospital_id
            ? await store.appointments.listForHospital(user.hospital_id)
            : [];
    return { appointments: rows.map(toAppointmentView) };
  });

  app.get(
    '/api/appointments/:id',
    { config: { audit: 'appointment.view' } },
    async (req): Promise<AppointmentDetail> => {
      const { user } = await requireSession(req, config, store);
      const { id } = parseWith(idParams, req.params);
      const a = await store.appointments.get(id);
      if (!a) throw new AppError('not_found');
      const access = accessTo(user, a);
      if (access.kind === 'none') throw new AppError('not_party');
      return { appointment: toAppointmentView(a), permissions: permissionsFor(access, a) };
    },
  );

  app.get(
    '/api/appointments/:id/messages',
    { config: { audit: 'chat.read' } },
    async (req): Promise<ChatHistory> => {
      const { id } = parseWith(idParams, req.params);
      const { user } = await requireParty(req, ctx, id);
      const q = parseWith(historyQuery, req.query);
      const messages = await chat.history(
        user,
        id,
        q.before === undefined ? { limit: q.limit } : { limit: q.limit, before: q.before },
      );
      return { messages };
    },
  );

  app.post(
    '/api/appointments/:id/messages',
    {
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
      const { user } = await requireParty(req, ctx, id);
      const body = parseWith(chatBody, req.body);
      const message = await chat.post(user, id, body.clientId, body.body);
      reply.code(201);
      return { message };
    },
  );
}
