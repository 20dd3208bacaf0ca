import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DashboardSnapshot } from '../../protocol/dashboard.js';
import { requireHospitalAdmin } from '../access/hospital-access.js';
import { dayBounds, tzOffsetMinutes } from '../appointments/appointment-admin-routes.js';
import type { AppContext } from '../context.js';
import { requireSession } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import { hospitalParams } from '../policy/policy-routes.js';

const doc = routeDocs('admin: dashboard');

/** The day (YYYY-MM-DD) in the browser's time zone (`tzOffsetMinutes` east of UTC). */
export const dashboardQuery = z.object({ day: z.iso.date(), tzOffsetMinutes }).strict();

/** `GET /api/hospitals/:hospitalId/dashboard`: the hospital's admins only (docs/api.md, S28). */
export async function dashboardRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, dashboard } = ctx;

  app.get(
    '/api/hospitals/:hospitalId/dashboard',
    {
      config: { audit: 'dashboard.read' },
      ...documented(
        doc(
          "The hospital's day: every appointment with its call status and waiting room, and calls under way",
          { params: hospitalParams, querystring: dashboardQuery },
          z.looseObject({}).describe('DashboardSnapshot (src/protocol/dashboard.ts)'),
        ),
      ),
    },
    async (req): Promise<DashboardSnapshot> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      const q = parseWith(dashboardQuery, req.query);
      const { from, to } = dayBounds(q.day, q.tzOffsetMinutes);
      return dashboard.snapshot(hospitalId, from, to);
    },
  );
}
