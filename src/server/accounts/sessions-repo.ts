import type { Kysely } from 'kysely';
import type { SessionInfo } from '../access/principal.js';
import type { Clock } from '../clock.js';
import { PreparedQuery } from '../db/prepared.js';
import type { Database } from '../db/schema.js';
import { hashSecret, newSecret } from '../ids.js';

/** Read by every request and WebSocket upgrade that carries a session cookie: prepared (db/prepared.ts). */
const sessionByHash = new PreparedQuery((db, idHash: string) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(['s.id_hash', 's.csrf_token', 's.expires_at', 's.revoked_at'])
    .where('s.id_hash', '=', idHash),
);

export class SessionsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Returns the cookie value; only its hash is stored. */
  async create(
    userId: string,
    ttlMs: number,
  ): Promise<{ token: string; idHash: string; csrfToken: string; expiresAt: number }> {
    const token = newSecret();
    const now = this.clock.now();
    const row = {
      id_hash: hashSecret(token),
      user_id: userId,
      csrf_token: newSecret(),
      created_at: now,
      expires_at: now + ttlMs,
      revoked_at: null,
    };
    await this.db.insertInto('sessions').values(row).execute();
    return { token, idHash: row.id_hash, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  /** A live session for this cookie value, or null if unknown, revoked, expired or its user is disabled. */
  async lookup(token: string): Promise<SessionInfo | null> {
    const row = await sessionByHash.first(this.db, hashSecret(token));
    if (!row || row.revoked_at !== null || row.expires_at <= this.clock.now() || row.disabled_at !== null)
      return null;
    const { id_hash, csrf_token, expires_at, revoked_at: _r, ...user } = row;
    return { idHash: id_hash, csrfToken: csrf_token, expiresAt: expires_at, user };
  }

  async revoke(idHash: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: this.clock.now() })
      .where('id_hash', '=', idHash)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Of these sessions, the ones still live: not revoked, not expired, their user not deactivated. */
  async liveHashes(idHashes: readonly string[]): Promise<Set<string>> {
    if (idHashes.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select('s.id_hash')
      .where('s.id_hash', 'in', idHashes)
      .where('s.revoked_at', 'is', null)
      .where('s.expires_at', '>', this.clock.now())
      .where('u.disabled_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id_hash));
  }

  /** A user's sessions still live: what deactivating them or setting a new password must end. */
  async liveHashesOf(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .select('id_hash')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', this.clock.now())
      .execute();
    return rows.map((r) => r.id_hash);
  }

  async deleteExpired(): Promise<number> {
    const r = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<', this.clock.now())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
