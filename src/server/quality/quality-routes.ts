import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CallQualityReportAnswer } from '../../protocol/call-quality-report.js';
import { authorize, wrongRole } from '../access/appointment-access.js';
import { sessionPrincipal } from '../access/principal.js';
import type { AppContext } from '../context.js';
import { requireSession } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import { partyView } from './quality-repo.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const doc = routeDocs('calls');

/** The doctor's post-call quality report (docs/call-quality.md, "After the call"). */
export async function qualityRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store } = ctx;

  app.get(
    '/api/appointments/:id/calls/quality',
    {
      config: { audit: 'call.quality' },
      ...documented(
        doc(
          "Each call session's quality as both browsers measured it: the doctor and the hospital's admins",
          { params: idParams },
          z
            .looseObject({})
            .describe('{calls: CallQualitySessionView[]} (src/protocol/call-quality-report.ts)'),
        ),
      ),
    },
    async (req): Promise<CallQualityReportAnswer> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(idParams, req.params);
      const access = authorize(sessionPrincipal(session), await store.appointments.get(id), 'view');
      if (access.kind === 'party' && access.role !== 'doctor') throw wrongRole('onlyDoctorSeesQuality');
      const sessions = await store.callSessions.listForAppointment(access.appointment.id);
      const rows = await store.quality.forSessions(sessions.map((s) => s.id));
      const of = (sessionId: string, role: 'doctor' | 'patient') => {
        const row = rows.find((r) => r.call_session_id === sessionId && r.role === role);
        return row ? partyView(row) : null;
      };
      return {
        calls: sessions.map((s) => ({
          callSessionId: s.id,
          startedAt: s.started_at,
          endedAt: s.ended_at,
          durationSeconds: s.duration_seconds,
          doctor: of(s.id, 'doctor'),
          patient: of(s.id, 'patient'),
        })),
      };
    },
  );
}
