import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppointmentPage, AppointmentView, ImportPreview } from '../../protocol/api.js';
import { CALL_STATUSES } from '../../protocol/call-status.js';
import type { CallSessionView } from '../../protocol/dashboard.js';
import { requireHospitalAdmin } from '../access/hospital-access.js';
import type { SessionInfo } from '../access/principal.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { requireSession } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import { hospitalParams } from '../policy/policy-routes.js';
import { MAX_IMPORT_ROWS } from './appointment-import.js';
import { MAX_LENGTH_MINUTES, toAppointmentView } from './appointments-repo.js';

const DAY = 86_400_000;

/** A calendar day as the browser sees it (`tzOffsetMinutes` east of UTC): [from, to) in epoch ms. */
export function dayBounds(day: string, tzOffsetMinutes: number): { from: number; to: number } {
  const from = Date.parse(`${day}T00:00:00Z`) - tzOffsetMinutes * 60_000;
  return { from, to: from + DAY };
}

/** The browser's offset from UTC in minutes, as the `day` queries take it. */
export const tzOffsetMinutes = z.coerce.number().int().min(-840).max(840).default(0);
/** A CSV of MAX_IMPORT_ROWS rows fits with room to spare; a bigger body is refused before it is parsed. */
export const IMPORT_BODY_LIMIT = 2 * 1024 * 1024;

export const appointmentIdParams = z.object({ id: z.string().min(1).max(64) });
const epochMs = z.number().int().min(0).max(8_640_000_000_000_000);
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `day` (YYYY-MM-DD, UTC unless `tzOffsetMinutes`) or `from`/`to` (epoch ms); filters; a page. */
export const appointmentListQuery = z
  .object({
    day: z.iso.date().optional(),
    tzOffsetMinutes,
    from: z.coerce.number().int().min(0).optional(),
    to: z.coerce.number().int().min(0).optional(),
    doctorId: z.string().min(1).max(64).optional(),
    callStatus: z.enum(CALL_STATUSES).optional(),
    checkedIn: flag.optional(),
    noShow: flag.optional(),
    cancelled: flag.optional(),
    patient: z.string().trim().min(1).max(100).optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict()
  .refine((q) => q.day === undefined || (q.from === undefined && q.to === undefined), {
    message: 'give either day or from/to',
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    message: 'from must be before to',
  });

export const appointmentCreateBody = z
  .object({
    doctorId: z.string().min(1).max(64),
    patientId: z.string().min(1).max(64),
    scheduledAt: epochMs,
    lengthMinutes: z.number().int().min(5).max(MAX_LENGTH_MINUTES),
    reason: z.string().trim().max(500).default(''),
    confirm: z.boolean().default(false),
  })
  .strict();

export const appointmentRescheduleBody = z
  .object({
    scheduledAt: epochMs,
    lengthMinutes: z.number().int().min(5).max(MAX_LENGTH_MINUTES).optional(),
    confirm: z.boolean().default(false),
  })
  .strict();

export const appointmentReassignBody = z
  .object({ doctorId: z.string().min(1).max(64), confirm: z.boolean().default(false) })
  .strict();

export const appointmentCancelBody = z.object({}).strict();

export const appointmentImportBody = z
  .object({ csv: z.string().min(1).max(IMPORT_BODY_LIMIT), confirm: z.boolean().default(false) })
  .strict();

const doc = routeDocs('admin: appointments');

/**
 * The hospital admin's appointment routes (docs/admin-api.md): list, create, reschedule,
 * cancel, call history and the CSV import. Admins of that hospital only; everyone else gets 403.
 */
export async function appointmentAdminRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, clock, appointments, appointmentImport } = ctx;

  /** The appointment, if the session is an admin of its hospital (403 otherwise, 404 if there is none). */
  const adminsAppointment = async (session: SessionInfo, id: string) => {
    const a = await store.appointments.get(id);
    if (!a) {
      // An admin learns nothing of another hospital's appointments; only an admin is told "not found".
      if (session.user.role !== 'admin') throw new AppError('forbidden');
      throw new AppError('not_found');
    }
    requireHospitalAdmin(session, a.hospital_id);
    return a;
  };

  app.get(
    '/api/hospitals/:hospitalId/appointments',
    {
      config: { audit: 'appointment.list' },
      ...documented(
        doc(
          "The hospital's appointments by day or range, filtered and paged",
          { params: hospitalParams, querystring: appointmentListQuery },
          'AppointmentPage',
        ),
      ),
    },
    async (req): Promise<AppointmentPage> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      const q = parseWith(appointmentListQuery, req.query);
      let { from, to } = q;
      if (q.day !== undefined) ({ from, to } = dayBounds(q.day, q.tzOffsetMinutes));
      const { rows, total } = await store.appointments.search({
        hospitalId,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(q.doctorId === undefined ? {} : { doctorId: q.doctorId }),
        ...(q.callStatus === undefined ? {} : { callStatus: q.callStatus }),
        ...(q.checkedIn === undefined ? {} : { checkedIn: q.checkedIn }),
        ...(q.noShow === undefined ? {} : { noShow: q.noShow }),
        ...(q.cancelled === undefined ? {} : { cancelled: q.cancelled }),
        ...(q.patient === undefined ? {} : { patient: q.patient }),
        now: clock.now(),
        limit: q.pageSize,
        offset: (q.page - 1) * q.pageSize,
      });
      return { appointments: rows.map(toAppointmentView), page: q.page, pageSize: q.pageSize, total };
    },
  );

  app.post(
    '/api/hospitals/:hospitalId/appointments',
    {
      config: { audit: 'appointment.create' },
      ...documented(
        doc(
          'Create an appointment (a past or overlapping time needs confirm: true)',
          { params: hospitalParams, body: appointmentCreateBody },
          'AppointmentView',
        ),
      ),
    },
    async (req, reply): Promise<{ appointment: AppointmentView }> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      const body = parseWith(appointmentCreateBody, req.body);
      const { confirm, ...input } = body;
      const row = await appointments.create(session.user.id, hospitalId, input, { confirm });
      const named = await store.appointments.get(row.id);
      if (!named) throw new AppError('internal');
      reply.code(201);
      return { appointment: toAppointmentView(named) };
    },
  );

  app.post(
    '/api/appointments/:id/reschedule',
    {
      config: { audit: 'appointment.reschedule' },
      ...documented(
        doc(
          'Move an appointment (refused while its call is under way)',
          { params: appointmentIdParams, body: appointmentRescheduleBody },
          'AppointmentView',
        ),
      ),
    },
    async (req): Promise<{ appointment: AppointmentView }> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(appointmentIdParams, req.params);
      await adminsAppointment(session, id);
      const body = parseWith(appointmentRescheduleBody, req.body);
      const a = await appointments.reschedule(session.user.id, id, body);
      return { appointment: toAppointmentView(a) };
    },
  );

  app.post(
    '/api/appointments/:id/reassign',
    {
      config: { audit: 'appointment.reassign' },
      ...documented(
        doc(
          'Give an appointment to another active doctor of its hospital (an overlap needs confirm: true)',
          { params: appointmentIdParams, body: appointmentReassignBody },
          'AppointmentView',
        ),
      ),
    },
    async (req): Promise<{ appointment: AppointmentView }> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(appointmentIdParams, req.params);
      await adminsAppointment(session, id);
      const body = parseWith(appointmentReassignBody, req.body);
      return { appointment: toAppointmentView(await appointments.reassign(session.user.id, id, body)) };
    },
  );

  app.post(
    '/api/appointments/:id/cancel',
    {
      config: { audit: 'appointment.cancel' },
      ...documented(
        doc(
          'Cancel an appointment: its call can no longer start',
          { params: appointmentIdParams, body: appointmentCancelBody },
          'AppointmentView',
        ),
      ),
    },
    async (req): Promise<{ appointment: AppointmentView }> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(appointmentIdParams, req.params);
      await adminsAppointment(session, id);
      parseWith(appointmentCancelBody, req.body ?? {});
      return { appointment: toAppointmentView(await appointments.cancel(session.user.id, id)) };
    },
  );

  app.get(
    '/api/appointments/:id/calls',
    {
      config: { audit: 'appointment.calls' },
      ...documented(
        doc(
          'Every call session of an appointment',
          { params: appointmentIdParams },
          z.looseObject({}).describe('{calls: CallSessionView[]} (src/protocol/dashboard.ts)'),
        ),
      ),
    },
    async (req): Promise<{ calls: CallSessionView[] }> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(appointmentIdParams, req.params);
      await adminsAppointment(session, id);
      const sessions = await store.callSessions.listForAppointment(id);
      return {
        calls: sessions.map((s) => ({
          id: s.id,
          startedAt: s.started_at,
          connectedAt: s.connected_at,
          endedAt: s.ended_at,
          durationSeconds: s.duration_seconds,
          doctorJoinedAt: s.doctor_joined_at,
          patientJoinedAt: s.patient_joined_at,
          endReason: s.end_reason,
        })),
      };
    },
  );

  const importRoute = { bodyLimit: IMPORT_BODY_LIMIT };

  app.post(
    '/api/hospitals/:hospitalId/appointments/import/preview',
    {
      ...importRoute,
      config: { audit: 'appointment.import' },
      ...documented(
        doc(
          'Check a CSV of appointments row by row, writing nothing',
          { params: hospitalParams, body: appointmentImportBody },
          'ImportPreview',
        ),
      ),
    },
    async (req): Promise<ImportPreview> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      const { csv } = parseWith(appointmentImportBody, req.body);
      return appointmentImport.preview(hospitalId, csv);
    },
  );

  app.post(
    '/api/hospitals/:hospitalId/appointments/import',
    {
      ...importRoute,
      config: { audit: 'appointment.import' },
      ...documented(
        doc(
          'Import a CSV of appointments: all rows in one transaction, or none',
          { params: hospitalParams, body: appointmentImportBody },
          z.looseObject({}).describe('How many appointments were imported (appointment-import.ts)'),
        ),
      ),
    },
    async (req, reply): Promise<{ imported: number; maxRows: number }> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      const { csv, confirm } = parseWith(appointmentImportBody, req.body);
      const result = await appointmentImport.import(session.user.id, hospitalId, csv, confirm);
      reply.code(201);
      return { ...result, maxRows: MAX_IMPORT_ROWS };
    },
  );
}
