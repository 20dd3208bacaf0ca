import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppointmentDetail, AppointmentList, CallJoinInfo, ChatHistory } from '../../protocol/api.js';
import type { CallStatusView, ChatMessageView } from '../../protocol/messages.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { requireSession } from '../http/auth.js';
import { parseWith } from '../http/validation.js';
import { iceServersFor } from '../turn/ice-servers.js';
import { accessTo, permissionsFor } from './access.js';
import { toAppointmentView } from './appointments-repo.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const historyQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(200),
  before: z.coerce.number().int().positive().optional(),
});
const chatBody = z.object({ clientId: z.string().min(1).max(64), body: z.string().max(10_000) });

export async function appointmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, calls, chat, clock } = ctx;

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

  app.get('/api/appointments/:id', async (req): Promise<AppointmentDetail> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    const a = await store.appointments.get(id);
    if (!a) throw new AppError('not_found');
    const access = accessTo(user, a);
    if (access.kind === 'none') {
      await store.audit.record({
        actorId: user.id,
        action: 'appointment.view',
        appointmentId: id,
        outcome: 'denied',
      });
      throw new AppError('not_party');
    }
    return { appointment: toAppointmentView(a), permissions: permissionsFor(access, a) };
  });

  app.get('/api/appointments/:id/messages', async (req): Promise<ChatHistory> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    const q = parseWith(historyQuery, req.query);
    const messages = await chat.history(
      user,
      id,
      q.before === undefined ? { limit: q.limit } : { limit: q.limit, before: q.before },
    );
    return { messages };
  });

  app.post('/api/appointments/:id/messages', async (req, reply): Promise<{ message: ChatMessageView }> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    const body = parseWith(chatBody, req.body);
    const message = await chat.post(user, id, body.clientId, body.body);
    reply.code(201);
    return { message };
  });

  const joinInfo = async (userId: string, call: CallStatusView): Promise<CallJoinInfo> => ({
    call,
    iceServers: iceServersFor(config, userId, clock.now()),
  });

  app.get('/api/appointments/:id/call', async (req): Promise<CallJoinInfo> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    await calls.loadActiveForParty(user, id);
    return joinInfo(user.id, await calls.status(id));
  });

  app.get('/api/appointments/:id/call/status', async (req): Promise<{ call: CallStatusView }> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    const a = await store.appointments.get(id);
    if (!a) throw new AppError('not_found');
    if (accessTo(user, a).kind === 'none') throw new AppError('not_party');
    return { call: await calls.status(id) };
  });

  app.post('/api/appointments/:id/call/start', async (req): Promise<CallJoinInfo> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    return joinInfo(user.id, await calls.start(user, id));
  });

  app.post('/api/appointments/:id/call/join', async (req): Promise<CallJoinInfo> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    const { role } = await calls.loadForParty(user, id);
    if (role !== 'patient') {
      throw new AppError('wrong_role', { message: 'Only the patient joins; the doctor starts the call.' });
    }
    try {
      await calls.loadActiveForParty(user, id);
    } catch (err) {
      await store.audit.record({
        actorId: user.id,
        action: 'call.join',
        appointmentId: id,
        outcome: 'denied',
      });
      throw err;
    }
    await store.audit.record({ actorId: user.id, action: 'call.join', appointmentId: id, outcome: 'ok' });
    return joinInfo(user.id, await calls.status(id));
  });

  app.post('/api/appointments/:id/call/end', async (req): Promise<{ call: CallStatusView }> => {
    const { user } = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    return { call: await calls.end(user, id, 'hung_up') };
  });
}
