import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ANALYTICS_MAX_DAYS, type AnalyticsReport } from '../../protocol/analytics.js';
import { requireHospitalAdmin } from '../access/hospital-access.js';
import type { AppContext } from '../context.js';
import { requireSession } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import { hospitalParams } from '../policy/policy-routes.js';
import type { AnalyticsPeriod } from './analytics-service.js';
import { daysBetween, isTimeZone } from './zoned-days.js';

const doc = routeDocs('admin: analytics');

/**
 * A period: `from` and `to` (YYYY-MM-DD, both included) in `tz`, an IANA time zone (the browser's own;
 * UTC when left out), at most ANALYTICS_MAX_DAYS days.
 */
export const analyticsQuery = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    tz: z.string().min(1).max(64).refine(isTimeZone, 'not a known IANA time zone').default('UTC'),
  })
  .strict()
  .superRefine((q, ctx) => {
    const days = daysBetween(q.from, q.to);
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (days > ANALYTICS_MAX_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `the period may be at most ${ANALYTICS_MAX_DAYS} days`,
      });
    }
  });

function periodOf(query: unknown): AnalyticsPeriod {
  const q = parseWith(analyticsQuery, query);
  return { from: q.from, to: q.to, timeZone: q.tz };
}

/** `GET /api/hospitals/:hospitalId/analytics[/calls.csv]`: the hospital's admins only (docs/analytics.md). */
export async function analyticsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store, analytics } = ctx;

  app.get(
    '/api/hospitals/:hospitalId/analytics',
    {
      config: { audit: 'analytics.read' },
      ...documented(
        doc(
          "The hospital's usage and call quality per day over a period, with the period's totals",
          { params: hospitalParams, querystring: analyticsQuery },
          z.looseObject({}).describe('AnalyticsReport (src/protocol/analytics.ts)'),
        ),
      ),
    },
    async (req): Promise<AnalyticsReport> => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      return analytics.report(hospitalId, periodOf(req.query));
    },
  );

  app.get(
    '/api/hospitals/:hospitalId/analytics/calls.csv',
    {
      config: { audit: 'analytics.export' },
      ...documented(
        doc(
          'One CSV row per call session of the period, with the figures the charts add up',
          { params: hospitalParams, querystring: analyticsQuery },
          z.string().describe('text/csv (docs/analytics.md lists the columns)'),
        ),
      ),
    },
    async (req, reply) => {
      const session = await requireSession(req, config, store);
      const { hospitalId } = parseWith(hospitalParams, req.params);
      requireHospitalAdmin(session, hospitalId);
      const period = periodOf(req.query);
      const csv = await analytics.csv(hospitalId, period);
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header(
        'content-disposition',
        `attachment; filename="carecall-calls-${period.from}-to-${period.to}.csv"`,
      );
      reply.header('cache-control', 'no-store');
      return reply.send(csv);
    },
  );
}
