import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppointmentDetail, AppointmentList } from '../../protocol/api.js';
import { authorize, permissionsFor } from '../access/appointment-access.js';
import { sessionPrincipal } from '../access/principal.js';
import type { AppContext } from '../context.js';
import { requireSession } from '../http/auth.js';
import { parseWith } from '../http/validation.js';
import { toAppointmentView } from './appointments-repo.js';

const idParams = z.object({ id: z.string().min(1).max(64) });

export async function appointmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store } = ctx;

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
      const session = await requireSession(req, config, store);
      const { id } = parseWith(idParams, req.params);
      const access = authorize(sessionPrincipal(session), await store.appointments.get(id), 'view');
      return { appointment: toAppointmentView(access.appointment), permissions: permissionsFor(access) };
    },
  );
}
