import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireHospitalAdmin } from '../access/hospital-access.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { requireSession } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import type { PolicyView } from './policy-service.js';

const doc = routeDocs('admin: policy');
const POLICY_ANSWER = z
  .looseObject({})
  .describe('PolicyView (policy/policy-service.ts): effective values and defaults');

export const hospitalParams = z.object({ hospitalId: z.string().min(1).max(64) });

const minutes = (min: number, max: number) => z.number().int().min(min).max(max).nullable().optional();

/**
 * A change to a hospital's policy: a value sets it, null returns it to the server's default, a key left out
 * stays as it is. Bounds keep a hospital within what the server and its patients can live with.
 */
export const policyChangeBody = z
  .object({
    recordingAllowed: z.boolean().nullable().optional(),
    patientsSeeRecordings: z.boolean().nullable().optional(),
    retentionDays: minutes(1, 3650),
    checkInMinutes: minutes(0, 240),
    maxCallMinutes: minutes(10, 480),
    idleTimeoutMinutes: minutes(1, 120),
    adminsReadChat: z.boolean().nullable().optional(),
    recordingOnWithdraw: z.enum(['keep', 'discard']).nullable().optional(),
  })
  .strict();

/** `GET/PUT /api/hospitals/:hospitalId/policy`: the hospital's admins only (docs/admin-api.md). */
export async function policyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, policy } = ctx;

  app.get(
    '/api/hospitals/:hospitalId/policy',
    {
      config: { audit: 'policy.read' },
      ...documented(
        doc("The hospital's effective policy and its defaults", { params: hospitalParams }, POLICY_ANSWER),
      ),
    },
    async (req): Promise<PolicyView> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      return policy.view(hospitalId);
    },
  );

  app.put(
    '/api/hospitals/:hospitalId/policy',
    {
      config: { audit: 'policy.update' },
      ...documented(
        doc(
          "Change the hospital's policy (null returns a setting to the default)",
          { params: hospitalParams, body: policyChangeBody },
          POLICY_ANSWER,
        ),
      ),
    },
    async (req): Promise<PolicyView> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      const change = parseWith(policyChangeBody, req.body);
      // TURN credentials last the server's longest call (turn/ice-servers.ts): a hospital may shorten
      // calls, not lengthen them past what its relay credentials outlive.
      if (change.maxCallMinutes != null && change.maxCallMinutes > config.maxCallMinutes) {
        throw new AppError('validation_failed', {
          message: `maxCallMinutes may be at most ${config.maxCallMinutes} (the server's VIDEO_CALL_MAX_DURATION_MINUTES).`,
          details: { fields: { maxCallMinutes: `at most ${config.maxCallMinutes}` } },
        });
      }
      // Allowing recording without the key that encrypts it would promise what this node cannot keep.
      if (change.recordingAllowed === true && !policy.canRecord) throw new AppError('recordings_key_missing');
      const cleaned = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
      return policy.update(session.user.id, hospitalId, cleaned);
    },
  );
}
