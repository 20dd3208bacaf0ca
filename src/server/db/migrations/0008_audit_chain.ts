import type { Kysely } from 'kysely';
import { type ChainedEntry, chainOf, entryHash, GENESIS_HASH } from '../../audit/audit-chain.js';

/**
 * The tamper-evident audit trail (issue 17, docs/audit.md).
 *
 * `audit_events` gains the hospital the event belongs to (null: the `system` chain), what was acted on
 * (`target`, kind:id), the chain it is in, its place there (`seq`, from 1) and the hashes that link it
 * (`prev_hash`, `hash`). `audit_chains` holds each chain's head: its last seq and hash. Writers lock the
 * head row in the transaction that appends, which gives each chain one order however many nodes write.
 *
 * Rows written before this migration are chained here, oldest first (time, then id), each in the chain
 * of its appointment's hospital, else the hospital named in its detail, else its actor's hospital.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('hospital_id', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('target', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('chain', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('seq', 'bigint').execute();
  await db.schema.alterTable('audit_events').addColumn('prev_hash', 'text').execute();
  await db.schema.alterTable('audit_events').addColumn('hash', 'text').execute();
  await db.schema
    .createTable('audit_chains')
    .addColumn('chain', 'text', (c) => c.primaryKey())
    .addColumn('hospital_id', 'text')
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  const k = db as Kysely<LegacyTables>;
  const rows = await k
    .selectFrom('audit_events as e')
    .leftJoin('appointments as a', 'a.id', 'e.appointment_id')
    .leftJoin('users as u', 'u.id', 'e.actor_id')
    .select([
      'e.id',
      'e.at',
      'e.actor_id',
      'e.action',
      'e.appointment_id',
      'e.outcome',
      'e.detail',
      'a.hospital_id as appointment_hospital',
      'u.hospital_id as actor_hospital',
    ])
    .orderBy('e.at')
    .orderBy('e.id')
    .execute();
  const hospitals = new Set((await k.selectFrom('hospitals').select('id').execute()).map((h) => h.id));
  const heads = new Map<string, { hospitalId: string | null; seq: number; hash: string }>();
  for (const r of rows) {
    const named = hospitalNamedIn(r.detail);
    const hospitalId =
      r.appointment_hospital ??
      (named !== null && hospitals.has(named) ? named : null) ??
      r.actor_hospital ??
      null;
    const chain = chainOf(hospitalId);
    const head = heads.get(chain) ?? { hospitalId, seq: 0, hash: GENESIS_HASH };
    const entry: ChainedEntry = {
      id: r.id,
      chain,
      seq: head.seq + 1,
      at: Number(r.at),
      actor_id: r.actor_id,
      hospital_id: hospitalId,
      action: r.action,
      target: targetOf(r.appointment_id, r.detail),
      appointment_id: r.appointment_id,
      outcome: r.outcome,
      detail: r.detail,
      prev_hash: head.hash,
    };
    const hash = entryHash(entry);
    await k
      .updateTable('audit_events')
      .set({
        hospital_id: entry.hospital_id,
        target: entry.target,
        chain,
        seq: entry.seq,
        prev_hash: entry.prev_hash,
        hash,
      })
      .where('id', '=', r.id)
      .execute();
    heads.set(chain, { hospitalId, seq: entry.seq, hash });
  }
  for (const [chain, head] of heads) {
    await k
      .insertInto('audit_chains')
      .values({ chain, hospital_id: head.hospitalId, seq: head.seq, hash: head.hash })
      .execute();
  }

  await db.schema
    .createIndex('audit_events_chain_seq_idx')
    .on('audit_events')
    .columns(['chain', 'seq'])
    .execute();
  // The admin's browsing: one hospital's entries, newest first.
  await db.schema
    .createIndex('audit_events_hospital_seq_idx')
    .on('audit_events')
    .columns(['hospital_id', 'seq'])
    .execute();
}

function hospitalNamedIn(detail: string | null): string | null {
  if (!detail) return null;
  try {
    const d = JSON.parse(detail) as Record<string, unknown>;
    const h = d['hospitalId'] ?? d['hospital'];
    return typeof h === 'string' ? h : null;
  } catch {
    return null;
  }
}

function targetOf(appointmentId: string | null, detail: string | null): string | null {
  if (appointmentId) return `appointment:${appointmentId}`;
  if (!detail) return null;
  try {
    const subject = (JSON.parse(detail) as Record<string, unknown>)['subject'];
    return typeof subject === 'string' ? `user:${subject}` : null;
  } catch {
    return null;
  }
}

interface LegacyTables {
  hospitals: { id: string };
  users: { id: string; hospital_id: string | null };
  appointments: { id: string; hospital_id: string };
  audit_events: {
    id: string;
    at: number;
    actor_id: string | null;
    action: string;
    appointment_id: string | null;
    outcome: string;
    detail: string | null;
    hospital_id: string | null;
    target: string | null;
    chain: string | null;
    seq: number | null;
    prev_hash: string | null;
    hash: string | null;
  };
  audit_chains: { chain: string; hospital_id: string | null; seq: number; hash: string };
}
