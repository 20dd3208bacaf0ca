import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AUDIT_OUTCOMES, AuditEntryView, AuditPage } from '../../protocol/audit.js';
import type { Role } from '../../protocol/call-status.js';
import { requireHospitalAdmin } from '../access/hospital-access.js';
import type { AppContext } from '../context.js';
import { requireSession } from '../http/auth.js';
import { documented, routeDocs } from '../http/openapi.js';
import { parseWith } from '../http/validation.js';
import { hospitalParams } from '../policy/policy-routes.js';
import type { AuditFilter, AuditListRow } from './audit-repo.js';

const doc = routeDocs('admin: audit');

export const AUDIT_PAGE_SIZE = 50;
/** The most entries one CSV export holds (newest first); narrower filters reach older ones. */
export const AUDIT_CSV_MAX_ROWS = 100_000;

const epochMs = z.coerce.number().int().min(0).max(8_640_000_000_000_000);

/** The filters both routes take, all optional (docs/audit.md). */
export const auditQuery = z
  .object({
    from: epochMs.optional().describe('entries at or after this time (epoch ms)'),
    to: epochMs.optional().describe('entries before this time (epoch ms)'),
    actor: z.string().min(1).max(254).optional().describe("the actor's user id or email"),
    action: z
      .string()
      .regex(/^[a-z0-9._-]{1,64}$/, 'an action or its start, e.g. call. or auth.login')
      .optional(),
    outcome: z.enum(['ok', 'denied', 'failed'] satisfies typeof AUDIT_OUTCOMES).optional(),
    target: z.string().min(1).max(128).optional().describe("kind:id, or an appointment's id"),
    cursor: z
      .string()
      .regex(/^[1-9][0-9]{0,15}$/, 'the nextCursor of the page before')
      .optional(),
  })
  .strict();

const pageAnswer = z.looseObject({}).describe('AuditPage (src/protocol/audit.ts)');
const csvAnswer = z.string().describe('text/csv: a header row, then one row per entry, newest first');

/**
 * `GET /api/hospitals/:hospitalId/audit` and `…/audit.csv`: the hospital's admins only. Browsing is not
 * itself recorded (each page would add an entry to what is being read); an export is (`audit.export`),
 * and every refusal of either is, as for every admin route.
 */
export async function auditRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { config, store } = ctx;

  /** The admin's filters, as the repository takes them; undefined when the named actor does not exist. */
  const filterOf = async (
    req: FastifyRequest,
  ): Promise<{ hospitalId: string; userId: string; filter: AuditFilter | null }> => {
    const session = await requireSession(req, config, store);
    const { hospitalId } = parseWith(hospitalParams, req.params);
    requireHospitalAdmin(session, hospitalId);
    const q = parseWith(auditQuery, req.query);
    const filter: AuditFilter = {
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.outcome ? { outcome: q.outcome } : {}),
      ...(q.target ? { target: q.target } : {}),
      ...(q.cursor ? { beforeSeq: Number(q.cursor) } : {}),
    };
    if (q.actor) {
      const byEmail = q.actor.includes('@') ? await store.users.findByEmail(q.actor) : undefined;
      if (q.actor.includes('@') && !byEmail) return { hospitalId, userId: session.user.id, filter: null };
      filter.actorId = byEmail?.id ?? q.actor;
    }
    return { hospitalId, userId: session.user.id, filter };
  };

  app.get(
    '/api/hospitals/:hospitalId/audit',
    {
      config: { audit: 'audit.read' },
      ...documented(
        doc(
          "The hospital's audit entries, newest first, filtered; nextCursor pages to older ones",
          { params: hospitalParams, querystring: auditQuery },
          pageAnswer,
        ),
      ),
    },
    async (req): Promise<AuditPage> => {
      const { hospitalId, filter } = await filterOf(req);
      if (!filter) return { entries: [], nextCursor: null };
      const rows = await store.audit.listForHospital(hospitalId, filter, AUDIT_PAGE_SIZE + 1);
      const page = rows.slice(0, AUDIT_PAGE_SIZE);
      const last = page[page.length - 1];
      return {
        entries: page.map(toEntryView),
        nextCursor: rows.length > AUDIT_PAGE_SIZE && last ? String(last.seq) : null,
      };
    },
  );

  app.get(
    '/api/hospitals/:hospitalId/audit.csv',
    {
      config: { audit: 'audit.export' },
      ...documented(
        doc(
          "The hospital's audit entries as CSV (the same filters, newest first, every page)",
          { params: hospitalParams, querystring: auditQuery },
          csvAnswer,
        ),
      ),
    },
    async (req, reply) => {
      const { hospitalId, userId, filter } = await filterOf(req);
      const lines = [csvLine(CSV_HEADER)];
      let count = 0;
      if (filter) {
        let beforeSeq = filter.beforeSeq;
        while (count < AUDIT_CSV_MAX_ROWS) {
          const rows = await store.audit.listForHospital(
            hospitalId,
            { ...filter, ...(beforeSeq !== undefined ? { beforeSeq } : {}) },
            Math.min(1000, AUDIT_CSV_MAX_ROWS - count),
          );
          for (const r of rows) lines.push(csvLine(csvCells(r)));
          count += rows.length;
          const last = rows[rows.length - 1];
          if (!last || rows.length < 1000) break;
          beforeSeq = Number(last.seq);
        }
      }
      // After the rows are read, so the export's own entry is not in it.
      await store.audit.record({
        actorId: userId,
        hospitalId,
        action: 'audit.export',
        target: `hospital:${hospitalId}`,
        outcome: 'ok',
        detail: { rows: count },
      });
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${day}.csv"`)
        .header('cache-control', 'private, no-store')
        .send(Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8'));
    },
  );
}

function toEntryView(r: AuditListRow): AuditEntryView {
  return {
    id: r.id,
    seq: Number(r.seq),
    at: Number(r.at),
    actor: r.actor_id
      ? { id: r.actor_id, name: r.actor_name, role: (r.actor_role as Role | null) ?? null }
      : null,
    action: r.action,
    target: r.target,
    appointmentId: r.appointment_id,
    outcome: r.outcome,
    detail: r.detail ? (JSON.parse(r.detail) as AuditEntryView['detail']) : null,
    hash: r.hash ?? '',
  };
}

const CSV_HEADER = [
  'seq',
  'time',
  'actor_id',
  'actor_name',
  'actor_role',
  'action',
  'target',
  'appointment_id',
  'outcome',
  'detail',
  'hash',
];

function csvCells(r: AuditListRow): string[] {
  return [
    String(r.seq),
    new Date(Number(r.at)).toISOString(),
    r.actor_id ?? '',
    r.actor_name ?? '',
    r.actor_role ?? '',
    r.action,
    r.target ?? '',
    r.appointment_id ?? '',
    r.outcome,
    r.detail ?? '',
    r.hash ?? '',
  ];
}

/**
 * One CSV cell: a cell a spreadsheet would read as a formula (starting with = + - @, or a tab or carriage
 * return before one) gets a leading ', and a cell with a comma, quote or line break is quoted.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvLine(cells: string[]): string {
  return cells.map(csvCell).join(',');
}
