import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../protocol/call-status.js';
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PersonAccount,
  type ReassignableAppointment,
  type SetPasswordLink,
} from '../../protocol/people.js';
import { requireHospitalAdmin } from '../access/hospital-access.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { originAllowed, requireSession } from '../http/auth.js';
import { routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import { hospitalParams } from '../policy/policy-routes.js';
import type { PeopleActor } from './people-service.js';

const doc = routeDocs('admin: people');
const sessionDoc = routeDocs('session');

const personParams = hospitalParams.extend({ id: z.string().min(1).max(64) });
const listQuery = z
  .object({
    q: z.string().max(200).optional().describe('part of a name or an email'),
    role: z.enum(ROLES).optional(),
    status: z.enum(['active', 'deactivated']).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
const newPersonBody = z
  .object({
    displayName: z.string().trim().min(1).max(200),
    email: z.email().max(254),
    role: z.enum(ROLES),
  })
  .strict();
const setPasswordBody = z
  .object({
    token: z.string().min(1).max(256),
    password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH),
  })
  .strict();

const personSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
  deactivatedAt: z.number().nullable(),
  createdAt: z.number(),
}) satisfies z.ZodType<PersonAccount>;
const linkSchema = z
  .object({
    url: z.string().describe('pass it on; it works once and is shown only now'),
    expiresAt: z.number(),
    emailed: z.boolean(),
  })
  .describe('A one-time set-password link') satisfies z.ZodType<SetPasswordLink>;
const appointmentSchema = z.object({
  id: z.string(),
  scheduledAt: z.number(),
  reason: z.string(),
  patient: z.object({ id: z.string(), displayName: z.string() }),
}) satisfies z.ZodType<ReassignableAppointment>;

/**
 * `/api/hospitals/:hospitalId/people…`: the admins of that hospital manage its people (docs/api.md);
 * everyone else, and an admin of another hospital, is refused (403 `forbidden`) and the refusal audited.
 * The person setting a password needs no session: the one-time link is the proof.
 */
export async function peopleRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, people } = ctx;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const actors = new WeakMap<FastifyRequest, PeopleActor>();

  // Before the body is checked: a caller who may not manage people learns nothing about the shapes.
  const asAdmin = async (req: FastifyRequest): Promise<void> => {
    const session = await requireSession(req, config, store);
    const { hospitalId } = parseWith(hospitalParams, req.params);
    requireHospitalAdmin(session, hospitalId);
    actors.set(req, { userId: session.user.id, hospitalId });
  };
  const actor = (req: FastifyRequest): PeopleActor => {
    const a = actors.get(req);
    if (!a) throw new AppError('unauthenticated');
    return a;
  };

  r.get(
    '/api/hospitals/:hospitalId/people',
    {
      config: { audit: 'people.list' },
      preValidation: asAdmin,
      schema: doc(
        "Search the hospital's doctors, admins and patients",
        { params: hospitalParams, querystring: listQuery },
        z.object({
          people: z.array(personSchema),
          total: z.number(),
          page: z.number(),
          pageSize: z.number(),
        }),
      ),
    },
    async (req) => people.list(actor(req), { ...req.query, query: req.query.q }),
  );

  r.post(
    '/api/hospitals/:hospitalId/people',
    {
      config: { audit: 'people.create' },
      preValidation: asAdmin,
      schema: doc(
        'Add a person: a new account with a set-password link, or an existing patient linked here',
        { params: hospitalParams, body: newPersonBody },
        z.object({
          person: personSchema,
          linkedExisting: z.boolean(),
          setPasswordLink: linkSchema.nullable(),
        }),
        201,
      ),
    },
    async (req, reply) => {
      const created = await people.create(actor(req), req.body);
      return reply.code(201).send(created);
    },
  );

  r.get(
    '/api/hospitals/:hospitalId/people/:id',
    {
      config: { audit: 'people.view' },
      preValidation: asAdmin,
      schema: doc('One person of the hospital', { params: personParams }, z.object({ person: personSchema })),
    },
    async (req) => ({ person: await people.get(actor(req), req.params.id) }),
  );

  r.post(
    '/api/hospitals/:hospitalId/people/:id/set-password-link',
    {
      config: { audit: 'people.reset-link' },
      preValidation: asAdmin,
      schema: doc(
        'A new one-time set-password link (the previous one stops working)',
        { params: personParams },
        z.object({ setPasswordLink: linkSchema }),
        201,
      ),
    },
    async (req, reply) =>
      reply.code(201).send({ setPasswordLink: await people.resetLink(actor(req), req.params.id) }),
  );

  r.post(
    '/api/hospitals/:hospitalId/people/:id/deactivate',
    {
      config: { audit: 'people.deactivate' },
      preValidation: asAdmin,
      schema: doc(
        'Deactivate: sessions end and sockets close at once; a doctor’s coming appointments are listed',
        { params: personParams },
        z.object({ person: personSchema, futureAppointments: z.array(appointmentSchema) }),
      ),
    },
    async (req) => people.deactivate(actor(req), req.params.id),
  );

  r.post(
    '/api/hospitals/:hospitalId/people/:id/reactivate',
    {
      config: { audit: 'people.reactivate' },
      preValidation: asAdmin,
      schema: doc('Reactivate', { params: personParams }, z.object({ person: personSchema })),
    },
    async (req) => ({ person: await people.reactivate(actor(req), req.params.id) }),
  );

  r.get(
    '/api/hospitals/:hospitalId/people/:id/future-appointments',
    {
      config: { audit: 'people.future-appointments' },
      preValidation: asAdmin,
      schema: doc(
        "A doctor's appointments still to come (to reassign)",
        { params: personParams },
        z.object({ appointments: z.array(appointmentSchema) }),
      ),
    },
    async (req) => ({ appointments: await people.futureAppointments(actor(req), req.params.id) }),
  );

  // The token is in the body, never the query string (which reaches logs). No session to carry a CSRF
  // token: the link's secret is the proof, and the Origin must be ours.
  r.post(
    '/api/set-password',
    {
      config: { rateLimit: { max: config.rateLimits.setPasswordPerMinute, timeWindow: '1 minute' } },
      preValidation: async (req) => {
        if (!originAllowed(req, config)) throw new AppError('origin_not_allowed');
      },
      schema: sessionDoc('Choose a password with a one-time link', { body: setPasswordBody }, null),
    },
    async (req, reply) => {
      await people.setPassword(req.body.token, req.body.password);
      return reply.code(204).send();
    },
  );
}
