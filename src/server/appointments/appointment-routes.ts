import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppointmentDetail, AppointmentList, CallEntryView } from '../../protocol/api.js';
import { isCallActive } from '../../protocol/call-status.js';
import { authorize, type PartyAccess, permissionsFor } from '../access/appointment-access.js';
import { sessionPrincipal } from '../access/principal.js';
import type { AppContext } from '../context.js';
import { requireSession } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import { toAppointmentView } from './appointments-repo.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const doc = routeDocs('appointments');

export async function appointmentRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, calls, waitingRoom } = ctx;

  const callEntry = async ({ appointment: a, role }: PartyAccess): Promise<CallEntryView> => {
    const session = isCallActive(a.video_call_status) ? await calls.currentSession(a) : undefined;
    const joinedAt = role === 'doctor' ? session?.doctor_joined_at : session?.patient_joined_at;
    return {
      checkInOpensAt: await waitingRoom.checkInOpensAt(a),
      joinedRoomId: session && joinedAt != null ? session.room_id : null,
    };
  };

  const listDoc = doc("The caller's appointments (an admin: the hospital's)", {}, 'AppointmentList');
  app.get('/api/appointments', documented(listDoc), async (req): Promise<AppointmentList> => {
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
    {
      config: { audit: 'appointment.view' },
      ...documented(
        doc('One appointment with what the caller may do', { params: idParams }, 'AppointmentDetail'),
      ),
    },
    async (req): Promise<AppointmentDetail> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(idParams, req.params);
      const access = authorize(sessionPrincipal(session), await store.appointments.get(id), 'view');
      return {
        appointment: toAppointmentView(access.appointment),
        permissions: permissionsFor(access),
        callEntry: access.kind === 'party' ? await callEntry(access) : null,
      };
    },
  );
}
