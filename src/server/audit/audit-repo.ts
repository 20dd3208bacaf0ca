import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../clock.js';
import { PreparedQuery } from '../db/prepared.js';
import type { AuditEventTable, Database } from '../db/schema.js';
import { newId } from '../ids.js';

export type AuditOutcome = AuditEventTable['outcome'];
export type AuditRow = Selectable<AuditEventTable>;

export interface AuditEvent {
  actorId: string | null;
  action: string;
  appointmentId?: string | null;
  outcome: AuditOutcome;
  /** Never message contents, passwords or tokens: codes and ids only. */
  detail?: Record<string, string | number | boolean | null>;
}

/** Written by every call event and sign-in: prepared (db/prepared.ts). */
const insertEvent = new PreparedQuery(
  (
    db,
    id: string,
    at: number,
    actorId: string | null,
    action: string,
    appointmentId: string | null,
    outcome: AuditOutcome,
    detail: string | null,
  ) =>
    db.insertInto('audit_events').values({
      id,
      at,
      actor_id: actorId,
      action,
      appointment_id: appointmentId,
      outcome,
      detail,
    }),
);

export class AuditRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** `db` is a transaction when the event must commit or roll back with the change it records. */
  async record(e: AuditEvent, db: Kysely<Database> = this.db): Promise<void> {
    await insertEvent.execute(
      db,
      newId(),
      this.clock.now(),
      e.actorId,
      e.action,
      e.appointmentId ?? null,
      e.outcome,
      e.detail ? JSON.stringify(e.detail) : null,
    );
  }

  list(filter: { appointmentId?: string; actorId?: string } = {}): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.appointmentId) q = q.where('appointment_id', '=', filter.appointmentId);
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    return q.orderBy('at').orderBy('id').execute();
  }
}
