import { describe, expect, it } from 'vitest';
import { type ChainedEntry, entryHash, GENESIS_HASH, verifyChain } from './audit-chain.js';

type Row = ChainedEntry & { hash: string };

/** A chain of `n` entries as the repository writes them. */
function chain(n: number): Row[] {
  const rows: Row[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e: ChainedEntry = {
      id: `e${seq}`,
      chain: 'h1',
      seq,
      at: 1000 + seq,
      actor_id: 'u1',
      hospital_id: 'h1',
      action: 'call.start',
      target: 'appointment:a1',
      appointment_id: 'a1',
      outcome: 'ok',
      detail: null,
      prev_hash: prev,
    };
    prev = entryHash(e);
    rows.push({ ...e, hash: prev });
  }
  return rows;
}
const headOf = (rows: Row[]) => ({ seq: rows.length, hash: rows[rows.length - 1]?.hash ?? GENESIS_HASH });
/** Re-links and re-hashes rows from `from` on, as someone who knows the format would. */
function relink(rows: Row[], from: number): Row[] {
  const out = rows.map((r) => ({ ...r }));
  for (let i = from; i < out.length; i++) {
    const r = out[i] as Row;
    r.seq = i + 1;
    r.prev_hash = i === 0 ? GENESIS_HASH : (out[i - 1] as Row).hash;
    r.hash = entryHash(r);
  }
  return out;
}

describe('the audit chain', () => {
  it('hashes every field: changing any one changes the hash, and null differs from "null"', () => {
    const [e] = chain(1) as [Row];
    const fields = [
      'id',
      'chain',
      'actor_id',
      'hospital_id',
      'action',
      'target',
      'appointment_id',
      'outcome',
      'detail',
      'prev_hash',
    ] as const;
    for (const f of fields)
      expect({ f, same: entryHash({ ...e, [f]: 'x' }) === e.hash }).toEqual({ f, same: false });
    expect(entryHash({ ...e, seq: 2 })).not.toBe(e.hash);
    expect(entryHash({ ...e, at: e.at + 1 })).not.toBe(e.hash);
    expect(entryHash({ ...e, detail: 'null' })).not.toBe(entryHash({ ...e, detail: null }));
    expect(entryHash({ ...e })).toBe(e.hash);
  });

  it('passes an intact chain and an empty one', () => {
    const rows = chain(5);
    expect(verifyChain('h1', rows, headOf(rows))).toMatchObject({ ok: true, checked: 5, headSeq: 5 });
    expect(verifyChain('h1', [], undefined)).toMatchObject({ ok: true, checked: 0 });
  });

  it('names a modified entry, even one whose own hash was recomputed', () => {
    const rows = chain(5);
    const changed = rows.map((r) => (r.seq === 3 ? { ...r, outcome: 'denied' } : r));
    expect(verifyChain('h1', changed, headOf(rows))).toMatchObject({
      ok: false,
      problem: 'modified',
      entry: { id: 'e3', seq: 3 },
      checked: 2,
    });
    // Its hash recomputed too: the next entry no longer links to it.
    const rehashed = rows.map((r) =>
      r.seq === 3 ? { ...r, outcome: 'denied' as const, hash: entryHash({ ...r, outcome: 'denied' }) } : r,
    );
    expect(verifyChain('h1', rehashed, headOf(rows))).toMatchObject({ ok: false, entry: { id: 'e4' } });
    // The last one, hash and all: the head no longer matches.
    const last = rows.map((r) =>
      r.seq === 5 ? { ...r, action: 'x', hash: entryHash({ ...r, action: 'x' }) } : r,
    );
    expect(verifyChain('h1', last, headOf(rows))).toMatchObject({
      ok: false,
      problem: 'modified',
      entry: { id: 'e5' },
    });
  });

  it('names a deletion in the middle, at the end, and of the head', () => {
    const rows = chain(5);
    expect(
      verifyChain(
        'h1',
        rows.filter((r) => r.seq !== 2),
        headOf(rows),
      ),
    ).toMatchObject({
      ok: false,
      problem: 'deleted',
      entry: { id: 'e3', seq: 3 },
    });
    expect(verifyChain('h1', rows.slice(0, 3), headOf(rows))).toMatchObject({
      ok: false,
      problem: 'deleted',
      entry: null,
    });
    expect(verifyChain('h1', rows, undefined)).toMatchObject({ ok: false, problem: 'deleted' });
  });

  it('names an inserted entry: a duplicate seq, one slipped in with the rest renumbered, one past the head', () => {
    const rows = chain(5);
    const forged = { ...(rows[2] as Row), id: 'forged', action: 'policy.update' };
    forged.hash = entryHash(forged);
    for (const order of [
      [forged, rows[2]],
      [rows[2], forged],
    ] as Row[][]) {
      const withDup = [...rows.slice(0, 2), ...order, ...rows.slice(3)];
      expect(verifyChain('h1', withDup, headOf(rows))).toMatchObject({
        ok: false,
        problem: 'inserted',
        entry: { id: 'forged' },
      });
    }
    // Slipped in before e3 with e3.. renumbered but not re-linked.
    const shifted = [...rows.slice(0, 2), forged, ...rows.slice(2).map((r) => ({ ...r, seq: r.seq + 1 }))];
    const v = verifyChain('h1', shifted, { seq: 6, hash: (rows[4] as Row).hash });
    expect(v).toMatchObject({ ok: false, problem: 'inserted', entry: { id: 'forged', seq: 3 } });
    // Past the head.
    const extra = relink([...rows, { ...(rows[4] as Row), id: 'extra' }], 5);
    expect(verifyChain('h1', extra, headOf(rows))).toMatchObject({
      ok: false,
      problem: 'inserted',
      entry: { id: 'extra', seq: 6 },
    });
  });
});
