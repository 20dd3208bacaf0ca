import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../clock.js';
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

export class AuditRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** `db` is a transaction when the event must commit or roll back with the change it records. */
  async record(e: AuditEvent, db: Kysely<Database> = this.db): Promise<void> {
    await db
      .insertInto('audit_events')
      .values({
        id: newId(),
        at: this.clock.now(),
        actor_id: e.actorId,
        action: e.action,
        appointment_id: e.appointmentId ?? null,
        outcome: e.outcome,
        detail: e.detail ? JSON.stringify(e.detail) : null,
      })
      .execute();
  }

  list(filter: { appointmentId?: string; actorId?: string } = {}): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.appointmentId) q = q.where('appointment_id', '=', filter.appointmentId);
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    return q.orderBy('at').orderBy('id').execute();
  }
}
