import { createHash } from 'node:crypto';

/**
 * The audit trail's hash chains (docs/audit.md). Each hospital has one chain; events that belong to no
 * hospital (a patient signing in, a refused sign-in of an unknown email) go to the `system` chain. An
 * entry's hash covers its own fields and the hash of the entry before it in its chain, so changing,
 * inserting or deleting a row breaks the chain at that row.
 *
 * This module is the format: changing what is hashed, or how, makes every stored chain fail to verify.
 */
export const SYSTEM_CHAIN = 'system';
/** The `prev_hash` of a chain's first entry. */
export const GENESIS_HASH = '0'.repeat(64);
const FORMAT = 'carecall-audit-v1';

export function chainOf(hospitalId: string | null): string {
  return hospitalId ?? SYSTEM_CHAIN;
}

/** The fields an entry's hash covers: every column of `audit_events` but the hash itself. */
export interface ChainedEntry {
  id: string;
  chain: string;
  seq: number;
  at: number;
  actor_id: string | null;
  hospital_id: string | null;
  action: string;
  target: string | null;
  appointment_id: string | null;
  outcome: string;
  /** As stored: the JSON text, or null. */
  detail: string | null;
  prev_hash: string;
}

/**
 * SHA-256 (hex) of a JSON array of the fields in a fixed order. JSON quotes and escapes every string and
 * tells null from "null", so no two different entries have the same encoding.
 */
export function entryHash(e: ChainedEntry): string {
  const canonical = JSON.stringify([
    FORMAT,
    e.chain,
    Number(e.seq),
    e.id,
    Number(e.at),
    e.actor_id,
    e.hospital_id,
    e.action,
    e.target,
    e.appointment_id,
    e.outcome,
    e.detail,
    e.prev_hash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export type ChainProblem = 'modified' | 'deleted' | 'inserted';

export type ChainVerdict =
  | { ok: true; chain: string; checked: number; headSeq: number; headHash: string }
  | {
      ok: false;
      chain: string;
      checked: number;
      /** The first bad entry (null when what is missing is the chain's last entries or its head). */
      entry: { id: string; seq: number } | null;
      problem: ChainProblem;
      message: string;
    };

/**
 * Checks one chain. `rows` are the chain's entries ordered by seq (then id); `head` is its row in
 * `audit_chains` (the last seq and hash written), or undefined if that row is missing.
 */
export function verifyChain(
  chain: string,
  rows: readonly (ChainedEntry & { hash: string })[],
  head: { seq: number; hash: string } | undefined,
): ChainVerdict {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  const bad = (
    entry: { id: string; seq: number } | null,
    problem: ChainProblem,
    message: string,
  ): ChainVerdict => ({
    ok: false,
    chain,
    checked: expectedSeq - 1,
    entry: entry ? { id: entry.id, seq: Number(entry.seq) } : null,
    problem,
    message,
  });
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ChainedEntry & { hash: string };
    const seq = Number(r.seq);
    if (seq < expectedSeq) {
      // Two entries share a seq: the genuine one is the one the next entry links to.
      const before = rows[i - 1] as ChainedEntry & { hash: string };
      const next = rows[i + 1];
      const inserted = next && next.prev_hash === r.hash ? before : r;
      return bad(inserted, 'inserted', `a second entry with seq ${seq}: inserted`);
    }
    if (head && seq > head.seq) {
      return bad(r, 'inserted', `seq ${seq} is beyond the chain head (seq ${head.seq}): inserted`);
    }
    if (seq > expectedSeq) {
      const missing = seq - 1 === expectedSeq ? `seq ${expectedSeq} is` : `seq ${expectedSeq}-${seq - 1} are`;
      return bad(r, 'deleted', `${missing} missing before this entry: deleted`);
    }
    const intact = entryHash(r) === r.hash;
    if (r.chain !== chain) return bad(r, 'modified', 'its chain was changed: modified');
    if (r.prev_hash !== prev) {
      const previous = rows[i - 1];
      // The entry before links to the same predecessor as this one (which may have been renumbered to
      // make room): that entry was slipped in.
      if (previous && previous.prev_hash === r.prev_hash) {
        expectedSeq--;
        return bad(previous, 'inserted', 'it does not belong between its neighbours: inserted');
      }
      if (!intact) return bad(r, 'modified', 'its content does not match its hash: modified');
      return bad(r, 'inserted', 'prev_hash does not match the entry before it: inserted before it');
    }
    if (!intact) return bad(r, 'modified', 'its content does not match its hash: modified');
    prev = r.hash;
    expectedSeq++;
  }
  const last = expectedSeq - 1;
  if (!head) {
    if (last === 0) return { ok: true, chain, checked: 0, headSeq: 0, headHash: GENESIS_HASH };
    return bad(null, 'deleted', 'the chain head (audit_chains) is missing: deleted');
  }
  if (head.seq > last) {
    const missing = head.seq === last + 1 ? `seq ${head.seq} is` : `seq ${last + 1}-${head.seq} are`;
    return bad(null, 'deleted', `${missing} missing at the end of the chain: deleted`);
  }
  if (head.hash !== prev) {
    const lastRow = rows[rows.length - 1];
    return bad(lastRow ?? null, 'modified', 'the chain head does not match the last entry: modified');
  }
  return { ok: true, chain, checked: last, headSeq: head.seq, headHash: head.hash };
}
