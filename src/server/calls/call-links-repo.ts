import type { Kysely, Selectable } from 'kysely';
import { PreparedQuery } from '../db/prepared.js';
import type { CallGrantTable, CallLinkTable, Database } from '../db/schema.js';

export type CallLinkRow = Selectable<CallLinkTable>;
export type CallGrantRow = Selectable<CallGrantTable>;

const grantBySecretHash = new PreparedQuery((db, secretHash: string) =>
  db.selectFrom('call_grants').selectAll().where('secret_hash', '=', secretHash),
);

/** Call links (one-exchange tokens) and call cookies (grants). Only digests of their secrets are stored. */
export class CallLinksRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insertLink(row: CallLinkRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('call_links').values(row).execute();
  }

  findLinkByHash(tokenHash: string): Promise<CallLinkRow | undefined> {
    return this.db
      .selectFrom('call_links')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async countLinks(callSessionId: string, role: CallLinkRow['role']): Promise<number> {
    const r = await this.db
      .selectFrom('call_links')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('call_session_id', '=', callSessionId)
      .where('role', '=', role)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** True for the one caller that marks the link exchanged; a second exchange gets false. */
  async markExchanged(id: string, now: number, db: Kysely<Database> = this.db): Promise<boolean> {
    const r = await db
      .updateTable('call_links')
      .set({ exchanged_at: now })
      .where('id', '=', id)
      .where('exchanged_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async insertGrant(row: CallGrantRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('call_grants').values(row).execute();
  }

  /** Read by every request and WebSocket upgrade that carries a call cookie: prepared (db/prepared.ts). */
  findGrantBySecretHash(secretHash: string): Promise<CallGrantRow | undefined> {
    return grantBySecretHash.first(this.db, secretHash);
  }

  getGrant(id: string): Promise<CallGrantRow | undefined> {
    return this.db.selectFrom('call_grants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Revokes the call cookies a sign-in session obtained and any others named (the one a browser presents),
   * and returns the ids of those it revoked now.
   */
  async revokeGrants(
    which: { sessionHash: string | null; ids: readonly string[] },
    now: number,
  ): Promise<string[]> {
    if (which.sessionHash === null && which.ids.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const live = await trx
        .selectFrom('call_grants')
        .select('id')
        .where((eb) =>
          eb.or([
            ...(which.sessionHash === null ? [] : [eb('session_hash', '=', which.sessionHash)]),
            ...(which.ids.length === 0 ? [] : [eb('id', 'in', which.ids)]),
          ]),
        )
        .where('revoked_at', 'is', null)
        .execute();
      const ids = live.map((r) => r.id);
      if (ids.length > 0) {
        await trx
          .updateTable('call_grants')
          .set({ revoked_at: now })
          .where('id', 'in', ids)
          .where('revoked_at', 'is', null)
          .execute();
      }
      return ids;
    });
  }

  /** Of these call cookies, the ones neither revoked nor expired. */
  async liveGrantIds(ids: readonly string[], now: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('call_grants')
      .select('id')
      .where('id', 'in', ids)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Revokes every link and grant of the appointment's earlier calls (a restart). */
  async revokeEarlier(
    appointmentId: string,
    currentSessionId: string,
    now: number,
    db: Kysely<Database> = this.db,
  ): Promise<void> {
    for (const table of ['call_links', 'call_grants'] as const) {
      await db
        .updateTable(table)
        .set({ revoked_at: now })
        .where('appointment_id', '=', appointmentId)
        .where('call_session_id', '!=', currentSessionId)
        .where('revoked_at', 'is', null)
        .execute();
    }
  }
}
