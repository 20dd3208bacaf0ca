import type { Clock } from '../clock.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { Store } from '../store.js';

/**
 * Ends credentials and, on every node, the connections that hold them (closed with 4004, S14): a
 * sign-in session with the call cookies its browser obtained, or call cookies on their own.
 */
export class RevocationService {
  constructor(
    private readonly store: Store,
    private readonly broadcaster: Broadcaster,
    private readonly clock: Clock,
  ) {}

  /**
   * Sign-out, or a new sign-in in the same browser: the session, every call cookie it obtained, and the
   * call cookie the browser presents (whoever it was issued to: the browser is giving it up).
   */
  async endSession(sessionHash: string, presentedGrantId: string | null): Promise<void> {
    await this.store.sessions.revoke(sessionHash);
    await this.broadcaster.control({ type: 'revoke-session', sessionIdHash: sessionHash });
    await this.revokeGrants(sessionHash, presentedGrantId === null ? [] : [presentedGrantId]);
  }

  /** A call cookie given up (a link guest leaving), or several. */
  async endCallCookies(grantIds: readonly string[]): Promise<void> {
    await this.revokeGrants(null, grantIds);
  }

  private async revokeGrants(sessionHash: string | null, ids: readonly string[]): Promise<void> {
    const revoked = await this.store.callLinks.revokeGrants({ sessionHash, ids }, this.clock.now());
    // Link-only connections holding one close, signed-in ones lose it (S14, S18).
    for (const id of revoked) await this.broadcaster.control({ type: 'revoke-grant', grantId: id });
  }
}
