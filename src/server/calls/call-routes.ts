import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type {
  CallContext,
  CallJoinInfo,
  CallLinkInfo,
  CallLinkView,
  CallStartInfo,
  IceConfig,
} from '../../protocol/api.js';
import { isCallActive } from '../../protocol/call-status.js';
import type { CallStatusView } from '../../protocol/messages.js';
import { callStatusViewSchema } from '../../protocol/server-messages.js';
import { authorize, requireRole, wrongRole } from '../access/appointment-access.js';
import type { Principal, SessionInfo } from '../access/principal.js';
import type { AppointmentRow } from '../appointments/appointments-repo.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { originAllowed, requireSession } from '../http/auth.js';
import { documented, objectOf, routeDocs } from '../http/openapi.js';
import {
  clearCallCookie,
  findPrincipal,
  presentedGrant,
  requireParty,
  requirePrincipal,
  sessionParty,
  setCallCookie,
} from '../http/principal.js';
import { parseWith } from '../http/validation.js';
import { CONNECTION_TEST_TTL_MS, iceConfigFor } from '../turn/ice-servers.js';
import type { IssuedLink } from './call-service.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const contextQuery = z.object({ appointmentId: z.string().min(1).max(64) });
const endBody = z.object({ reason: z.enum(['hung_up', 'failed']).default('hung_up') }).strict();
const inspectBody = z
  .object({ appointmentId: z.string().min(1).max(64), token: z.string().min(1).max(256) })
  .strict();
const exchangeBody = z
  .object({ token: z.string().min(1).max(256), displayName: z.string().max(200).optional() })
  .strict();

const callAnswer = z.object({ call: callStatusViewSchema });

const doc = routeDocs('calls');

/** The call endpoints (docs/api.md): lifecycle, call links, the call page's context. */
export async function callRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, calls, callGrants, waitingRoom, clock, policy } = ctx;

  const noRelay: IceConfig = {
    iceServers: [],
    iceTransportPolicy: config.ice.transportPolicy,
    expiresAt: null,
  };

  const linkView = (appointmentId: string, link: IssuedLink): CallLinkView => ({
    url: `${config.publicOrigin}/appointments/${appointmentId}/call#token=${link.token}`,
    role: link.role,
    expiresAt: link.expiresAt,
  });

  const joinInfo = (userId: string, call: CallStatusView): CallJoinInfo => ({
    call,
    ...iceConfigFor(config, userId, clock.now()),
  });

  /** Sets this browser's call cookie for the party's role in the current call. */
  const grantCookie = async (
    reply: FastifyReply,
    session: SessionInfo,
    a: AppointmentRow,
    role: 'doctor' | 'patient',
  ): Promise<void> => {
    const { secret, grant } = await callGrants.grantForParty(session.user, session.idHash, a, role);
    setCallCookie(reply, config, secret, grant.expiresAt);
  };

  const contextFor = async (principal: Principal, a: AppointmentRow, role: 'doctor' | 'patient') => {
    const otherId = role === 'doctor' ? a.patient_id : a.doctor_id;
    const other = await store.users.findById(otherId);
    const grant = principal.grant && (await callGrants.admits(principal.grant, a)) ? principal.grant : null;
    const hospitalPolicy = await policy.effective(a.hospital_id);
    const callView = await calls.limitsOf(a);
    const result: CallContext = {
      via: principal.session ? 'session' : 'link',
      appointmentId: a.id,
      self: { userId: principal.user.id, role, displayName: principal.user.display_name },
      other: { role: role === 'doctor' ? 'patient' : 'doctor', displayName: other?.display_name ?? '' },
      scheduledAt: a.scheduled_at,
      checkInOpensAt: await waitingRoom.checkInOpensAt(a),
      call: await calls.viewOf(a),
      lobby: await waitingRoom.view(a),
      hasGrant: grant !== null,
      grantExpiresAt: grant?.expiresAt ?? null,
      // Relay credentials only with a call cookie admitting to the active call; the others get them from join.
      ...(grant === null ? noRelay : iceConfigFor(config, principal.user.id, clock.now())),
      csrfToken: principal.session?.csrfToken ?? principal.grant?.csrfToken ?? '',
      maxDurationMinutes: Math.round(callView.maxDurationMs / 60_000),
      recordingAllowed: hospitalPolicy.recordingAllowed,
    };
    return result;
  };

  app.get(
    '/api/appointments/:id/call',
    {
      config: { audit: 'call.info' },
      ...documented(doc('The active call, with fresh ICE servers', { params: idParams }, 'CallJoinInfo')),
    },
    async (req): Promise<CallJoinInfo> => {
      const { id } = parseWith(idParams, req.params);
      const { user, appointment } = await requireParty(req, ctx, id);
      if (!isCallActive(appointment.video_call_status)) throw new AppError('call_not_active');
      return joinInfo(user.id, await calls.viewOf(appointment));
    },
  );

  // For the device test page's connection test: anyone signed in, or holding a call cookie, may try the
  // relay; the credentials last minutes. Calls get theirs from the call routes, parties only.
  app.get(
    '/api/ice-servers',
    {
      config: { audit: 'call.ice-servers', rateLimit: { max: 30, timeWindow: '1 minute' } },
      ...documented(doc('Short-lived ICE servers for the connection test', {}, 'IceConfig')),
    },
    async (req): Promise<IceConfig> => {
      const principal = await requirePrincipal(req, ctx);
      // Admins take part in no call: they have no relay to test.
      if (principal.user.role === 'admin') throw wrongRole('adminTestsNoRelay');
      return iceConfigFor(config, principal.user.id, clock.now(), CONNECTION_TEST_TTL_MS, {
        staticCredentials: false,
      });
    },
  );

  app.get(
    '/api/appointments/:id/call/status',
    {
      config: { audit: 'call.status' },
      ...documented(doc("The appointment's call status", { params: idParams }, callAnswer)),
    },
    async (req): Promise<{ call: CallStatusView }> => {
      const { id } = parseWith(idParams, req.params);
      const principal = await findPrincipal(req, ctx);
      if (!principal) throw new AppError('unauthenticated');
      const { appointment } = authorize(principal, await store.appointments.get(id), 'view');
      return { call: await calls.viewOf(appointment) };
    },
  );

  app.post(
    '/api/appointments/:id/call/start',
    {
      config: { audit: 'call.start' },
      ...documented(doc('Start (or restart) the call: the doctor', { params: idParams }, 'CallStartInfo')),
    },
    async (req, reply): Promise<CallStartInfo> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(idParams, req.params);
      const party = await sessionParty(ctx, session, id);
      requireRole(party, 'doctor', 'onlyDoctorStarts');
      const started = await calls.start(session.user, id);
      const a = await store.appointments.get(id);
      if (!a) throw new AppError('not_found');
      await grantCookie(reply, session, a, 'doctor');
      return {
        ...joinInfo(session.user.id, started.view),
        links: {
          doctor: linkView(id, started.links.doctor),
          patient: linkView(id, started.links.patient),
        },
      };
    },
  );

  const enter = async (req: FastifyRequest, reply: FastifyReply, patientOnly: boolean) => {
    const session = await requireSession(req, config, store);
    const { id } = parseWith(idParams, req.params);
    const party = await sessionParty(ctx, session, id);
    if (patientOnly) requireRole(party, 'patient', 'onlyPatientJoins');
    const a = party.appointment;
    if (!isCallActive(a.video_call_status) || !a.room_id) throw new AppError('call_not_active');
    await grantCookie(reply, session, a, party.role);
    const action = patientOnly ? 'call.join' : 'call.enter';
    await store.audit.record({ actorId: session.user.id, action, appointmentId: id, outcome: 'ok' });
    return joinInfo(session.user.id, await calls.viewOf(a));
  };

  app.post(
    '/api/appointments/:id/call/join',
    {
      config: { audit: 'call.join' },
      ...documented(doc('Join the started call: the patient', { params: idParams }, 'CallJoinInfo')),
    },
    (req, reply): Promise<CallJoinInfo> => enter(req, reply, true),
  );
  app.post(
    '/api/appointments/:id/call/enter',
    {
      config: { audit: 'call.enter' },
      ...documented(doc('Enter the active call from this browser', { params: idParams }, 'CallJoinInfo')),
    },
    (req, reply): Promise<CallJoinInfo> => enter(req, reply, false),
  );

  app.post(
    '/api/appointments/:id/call/invite',
    {
      config: { audit: 'call.invite' },
      ...documented(
        doc(
          'A new patient call link: the doctor',
          { params: idParams },
          z.object({ link: objectOf('CallLinkView') }),
        ),
      ),
    },
    async (req): Promise<{ link: CallLinkView }> => {
      const session = await requireSession(req, config, store);
      const { id } = parseWith(idParams, req.params);
      const party = await sessionParty(ctx, session, id);
      return { link: linkView(id, await callGrants.invite(session.user, party)) };
    },
  );

  app.post(
    '/api/appointments/:id/call/end',
    {
      config: { audit: 'call.end' },
      ...documented(
        doc('End the call for both: the doctor', { params: idParams, body: endBody }, callAnswer),
      ),
    },
    async (req): Promise<{ call: CallStatusView }> => {
      const { id } = parseWith(idParams, req.params);
      const party = await requireParty(req, ctx, id);
      const { reason } = parseWith(endBody, req.body ?? {});
      // A patient leaves (the call stays open for them to come back); ending is the doctor's decision.
      requireRole(party, 'doctor', 'onlyDoctorEnds');
      return { call: await calls.end(party, party.user.id, reason) };
    },
  );

  // Read-only and answered only to someone holding the link's secret, so no Origin check: the body (never
  // the query string, which would reach logs) carries the token. Limited like the exchange it precedes.
  app.post(
    '/api/call-links/inspect',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      ...documented(
        doc('What a call link is for, exchanging nothing', { body: inspectBody }, 'CallLinkInfo'),
      ),
    },
    async (req): Promise<CallLinkInfo> => {
      const body = parseWith(inspectBody, req.body);
      const current = await findPrincipal(req, ctx);
      return callGrants.inspect({
        token: body.token,
        appointmentId: body.appointmentId,
        currentGrant: current?.grant ?? null,
      });
    },
  );

  app.post(
    '/api/call-links/exchange',
    {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      ...documented(doc('Exchange a call link for a call cookie', { body: exchangeBody }, 'CallContext')),
    },
    async (req, reply): Promise<CallContext> => {
      // No session to carry a CSRF token yet: the link's secret is the proof, the Origin must be ours.
      if (!originAllowed(req, config)) throw new AppError('origin_not_allowed');
      const body = parseWith(exchangeBody, req.body);
      const current = await findPrincipal(req, ctx);
      const { secret, grant } = await callGrants.exchange({
        token: body.token,
        displayName: body.displayName,
        signedIn: current?.session
          ? { user: current.session.user, sessionHash: current.session.idHash }
          : null,
        currentGrant: current?.grant ?? null,
      });
      if (secret) setCallCookie(reply, config, secret, grant.expiresAt);
      const a = await store.appointments.get(grant.appointmentId);
      if (!a) throw new AppError('not_found');
      const party = current?.session?.user ?? (await store.users.findById(grant.userId));
      if (!party) throw new AppError('link_invalid');
      const principal: Principal = {
        session: current?.session ?? null,
        grant,
        user: current?.session ? party : { ...party, display_name: grant.displayName },
      };
      return contextFor(principal, a, grant.role);
    },
  );

  // A link guest's way out (the sign-out of someone who never signed in): this browser's call cookie is
  // revoked and cleared, and its connections close (4004), so the next person at this computer gets nothing.
  const forgetDoc = doc("Give up this browser's call cookie", {}, null);
  app.delete('/api/call-cookie', documented(forgetDoc), async (req, reply) => {
    const principal = await requirePrincipal(req, ctx);
    const grant = await presentedGrant(req, ctx);
    if (grant) await ctx.revocation.endCallCookies([grant.id]);
    clearCallCookie(reply, config);
    await store.audit.record({
      actorId: principal.user.id,
      action: 'call.cookie.forget',
      appointmentId: grant?.appointmentId ?? null,
      outcome: 'ok',
    });
    return reply.code(204).send();
  });

  app.get(
    '/api/call/context',
    {
      config: { audit: 'call.context' },
      ...documented(doc("The call page's context", { querystring: contextQuery }, 'CallContext')),
    },
    async (req): Promise<CallContext> => {
      const { appointmentId } = parseWith(contextQuery, req.query);
      const { principal, appointment, role } = await requireParty(req, ctx, appointmentId);
      return contextFor(principal, appointment, role);
    },
  );
}
