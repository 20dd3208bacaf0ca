import { CLOSE_CODES } from '../../protocol/close-codes.js';
import type { Clock } from '../clock.js';
import type { Store } from '../store.js';
import type { Connection } from './connection.js';

/** Runs a set lookup over a long list in parts, so no single query carries thousands of parameters. */
async function inChunks(
  items: readonly string[],
  lookup: (part: string[]) => Promise<Set<string>>,
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < items.length; i += 500) {
    for (const item of await lookup(items.slice(i, i + 500))) found.add(item);
  }
  return found;
}

/**
 * Closes connections whose credentials ended: expired (known here), or revoked or deactivated by
 * something that could not tell this node (another process writing the database), which only the
 * database knows. A session that ended closes with 4004; a call cookie that expired with 4005 (S18);
 * a revoked one closes a link guest's connection with 4004 and is only taken from a signed-in one.
 */
export class CredentialSweep {
  private running = false;

  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async run(connections: Iterable<Connection>): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.check(connections);
    } finally {
      this.running = false;
    }
  }

  private async check(connections: Iterable<Connection>): Promise<void> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const sessions = new Set<string>();
    const grants = new Set<string>();
    for (const conn of connections) {
      const { session, grant } = conn.principal;
      if (session && session.expiresAt <= now) {
        conn.close(CLOSE_CODES.session_expired, 'session expired');
      } else if (grant && grant.expiresAt <= now) {
        conn.close(CLOSE_CODES.call_link_expired, 'call link expired');
      } else {
        if (session) sessions.add(session.idHash);
        if (grant) grants.add(grant.id);
      }
    }
    const liveSessions = await inChunks([...sessions], (part) => store.sessions.liveHashes(part));
    const liveGrants = await inChunks([...grants], (part) => store.callLinks.liveGrantIds(part, now));
    for (const conn of connections) {
      const p = conn.principal;
      if (p.session) {
        if (sessions.has(p.session.idHash) && !liveSessions.has(p.session.idHash)) {
          conn.close(CLOSE_CODES.session_expired, 'signed out');
        } else if (p.grant && grants.has(p.grant.id) && !liveGrants.has(p.grant.id)) {
          p.grant = null;
        }
      } else if (p.grant && grants.has(p.grant.id) && !liveGrants.has(p.grant.id)) {
        conn.close(CLOSE_CODES.session_expired, 'call cookie revoked');
      }
    }
  }
}
