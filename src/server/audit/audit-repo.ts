import { type Kysely, type Selectable, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { DatabaseKind } from '../db/database.js';
import type { AuditEventTable, Database } from '../db/schema.js';
import { newId } from '../ids.js';
import {
  type ChainedEntry,
  type ChainVerdict,
  chainOf,
  entryHash,
  GENESIS_HASH,
  verifyChain,
} from './audit-chain.js';

export type AuditOutcome = AuditEventTable['outcome'];
export type AuditRow = Selectable<AuditEventTable>;

export interface AuditEvent {
  actorId: string | null;
  action: string;
  appointmentId?: string | null;
  /**
   * The hospital whose chain the event goes to; null for the `system` chain. Left out, it is the
   * appointment's hospital, else the (existing) hospital named in `detail`, else the actor's.
   */
  hospitalId?: string | null;
  /** A hospital the caller named (a refused admin route's): the event's hospital if it exists. */
  hospitalHint?: string;
  /** What was acted on, kind:id. Left out: `appointment:<id>`, else `user:<detail.subject>`. */
  target?: string | null;
  outcome: AuditOutcome;
  /** Never message contents, passwords or tokens: codes and ids only. */
  detail?: Record<string, string | number | boolean | null>;
}

/** One entry as an admin browses it: with its actor's name and role. */
export interface AuditListRow extends AuditRow {
  actor_name: string | null;
  actor_role: string | null;
}

export interface AuditFilter {
  from?: number;
  to?: number;
  actorId?: string;
  /** An action, or its start (`call.` matches every call event). */
  action?: string;
  outcome?: AuditOutcome;
  /** kind:id, or an appointment's id (matched against the appointment column too). */
  target?: string;
  /** Entries older than this seq (paging: the last page's last seq). */
  beforeSeq?: number;
}

export class AuditRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly kind: DatabaseKind = 'sqlite',
  ) {}

  /**
   * Appends an event to its hospital's chain. `db` is a transaction when the event must commit or roll
   * back with the change it records; otherwise the append has a transaction of its own. Either way the
   * chain's head row is locked (PostgreSQL: SELECT … FOR UPDATE; SQLite has one writer) until commit, so
   * concurrent writers on any number of nodes take turns and each entry links to the one before it.
   */
  async record(e: AuditEvent, db: Kysely<Database> = this.db): Promise<void> {
    if (db.isTransaction) return this.append(e, db);
    await db.transaction().execute((trx) => this.append(e, trx));
  }

  private async append(e: AuditEvent, trx: Kysely<Database>): Promise<void> {
    const hospitalId = await this.hospitalOf(e, trx);
    const chain = chainOf(hospitalId);
    const head = await this.lockHead(chain, hospitalId, trx);
    const detail = e.detail ? JSON.stringify(e.detail) : null;
    const entry: ChainedEntry = {
      id: newId(),
      chain,
      seq: head.seq + 1,
      at: this.clock.now(),
      actor_id: e.actorId,
      hospital_id: hospitalId,
      action: e.action,
      target: e.target !== undefined ? e.target : defaultTarget(e),
      appointment_id: e.appointmentId ?? null,
      outcome: e.outcome,
      detail,
      prev_hash: head.hash,
    };
    const hash = entryHash(entry);
    await trx
      .insertInto('audit_events')
      .values({ ...entry, outcome: e.outcome, hash })
      .execute();
    await trx.updateTable('audit_chains').set({ seq: entry.seq, hash }).where('chain', '=', chain).execute();
  }

  private async lockHead(
    chain: string,
    hospitalId: string | null,
    trx: Kysely<Database>,
  ): Promise<{ seq: number; hash: string }> {
    const read = () => {
      const q = trx.selectFrom('audit_chains').select(['seq', 'hash']).where('chain', '=', chain);
      return (this.kind === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
    };
    const head = await read();
    if (head) return head;
    // A chain's first entry: whoever creates the head first wins; the other waits for it and locks it.
    await trx
      .insertInto('audit_chains')
      .values({ chain, hospital_id: hospitalId, seq: 0, hash: GENESIS_HASH })
      .onConflict((oc) => oc.column('chain').doNothing())
      .execute();
    const created = await read();
    if (!created) throw new Error(`audit chain ${chain} has no head`);
    return created;
  }

  private async hospitalOf(e: AuditEvent, trx: Kysely<Database>): Promise<string | null> {
    if (e.hospitalId !== undefined) return e.hospitalId;
    if (e.appointmentId) {
      const a = await trx
        .selectFrom('appointments')
        .select('hospital_id')
        .where('id', '=', e.appointmentId)
        .executeTakeFirst();
      if (a) return a.hospital_id;
    }
    const named = e.hospitalHint ?? e.detail?.['hospitalId'] ?? e.detail?.['hospital'];
    // A hospital id from a request is the caller's word: a chain only for a hospital that exists.
    if (typeof named === 'string') {
      const h = await trx.selectFrom('hospitals').select('id').where('id', '=', named).executeTakeFirst();
      if (h) return h.id;
    }
    if (e.actorId) {
      const u = await trx
        .selectFrom('users')
        .select('hospital_id')
        .where('id', '=', e.actorId)
        .executeTakeFirst();
      return u?.hospital_id ?? null;
    }
    return null;
  }

  list(filter: { appointmentId?: string; actorId?: string } = {}): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.appointmentId) q = q.where('appointment_id', '=', filter.appointmentId);
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    return q.orderBy('at').orderBy('id').execute();
  }

  /** One hospital's entries, newest first (by their place in its chain), with their actors' names. */
  listForHospital(hospitalId: string, f: AuditFilter, limit: number): Promise<AuditListRow[]> {
    let q = this.db
      .selectFrom('audit_events as e')
      .leftJoin('users as u', 'u.id', 'e.actor_id')
      .selectAll('e')
      .select(['u.display_name as actor_name', 'u.role as actor_role'])
      .where('e.hospital_id', '=', hospitalId);
    if (f.beforeSeq !== undefined) q = q.where('e.seq', '<', f.beforeSeq);
    if (f.from !== undefined) q = q.where('e.at', '>=', f.from);
    if (f.to !== undefined) q = q.where('e.at', '<', f.to);
    if (f.actorId) q = q.where('e.actor_id', '=', f.actorId);
    if (f.outcome) q = q.where('e.outcome', '=', f.outcome);
    if (f.action) {
      // A prefix without LIKE: no wildcard in the admin's text can widen it.
      q = q.where(sql<string>`substr(e.action, 1, ${f.action.length})`, '=', f.action);
    }
    if (f.target) {
      const target = f.target;
      // A bare id is an appointment's (what an admin copies from its page).
      q = q.where((w) =>
        w.or([
          w('e.target', '=', target),
          w('e.target', '=', `appointment:${target}`),
          w('e.appointment_id', '=', target),
        ]),
      );
    }
    return q.orderBy('e.seq', 'desc').limit(limit).execute() as Promise<AuditListRow[]>;
  }

  /** Every chain's name (or just the one of `hospitalId`). */
  async chains(hospitalId?: string | null): Promise<string[]> {
    const fromEvents = this.db.selectFrom('audit_events').select('chain').distinct();
    const names = new Set<string>();
    for (const r of await fromEvents.execute()) if (r.chain !== null) names.add(r.chain);
    for (const r of await this.db.selectFrom('audit_chains').select('chain').execute()) names.add(r.chain);
    if (hospitalId !== undefined) return names.has(chainOf(hospitalId)) ? [chainOf(hospitalId)] : [];
    return [...names].sort();
  }

  /** Reads a chain in order and checks it (audit-chain.ts). Rows with no chain are reported too. */
  async verify(chain: string): Promise<ChainVerdict> {
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('chain', '=', chain)
      .orderBy('seq')
      .orderBy('id')
      .execute();
    const head = await this.db
      .selectFrom('audit_chains')
      .select(['seq', 'hash'])
      .where('chain', '=', chain)
      .executeTakeFirst();
    return verifyChain(
      chain,
      rows.map((r) => ({
        ...r,
        chain: r.chain ?? '',
        seq: Number(r.seq),
        prev_hash: r.prev_hash ?? '',
        hash: r.hash ?? '',
      })),
      head ? { seq: Number(head.seq), hash: head.hash } : undefined,
    );
  }

  /** Rows outside every chain (written around it, or with their chain blanked). */
  async unchained(): Promise<{ id: string }[]> {
    return this.db
      .selectFrom('audit_events')
      .select('id')
      .where((w) => w.or([w('chain', 'is', null), w('seq', 'is', null), w('hash', 'is', null)]))
      .orderBy('at')
      .execute();
  }
}

function defaultTarget(e: AuditEvent): string | null {
  if (e.appointmentId) return `appointment:${e.appointmentId}`;
  const subject = e.detail?.['subject'];
  return typeof subject === 'string' ? `user:${subject}` : null;
}
