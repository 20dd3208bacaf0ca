import type { FastifyBaseLogger } from 'fastify';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import type { ErrorCode } from '../../protocol/errors.js';
import type { Principal } from '../access/principal.js';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import { flagKeys } from '../realtime/flags.js';
import type { Connection } from './connection.js';

export interface QuotaLimits {
  /** Bad or refused messages tolerated within `violationWindowMs` before the socket is closed for abuse. */
  maxViolations: number;
  violationWindowMs: number;
  /** How long a user closed for abuse may not connect again, on any node. */
  abusePenaltyMs: number;
  /** Connections one user may hold on this node. */
  maxConnectionsPerUser: number;
  /** Connections one call cookie may hold on this node without a sign-in session (a link guest). */
  maxConnectionsPerCallCookie: number;
}

/** What a connection counts against: its user, and a link guest's call cookie too. */
function quotaKeys(p: Principal): { user: string; grant: string | null } {
  return { user: p.user.id, grant: p.session === null && p.grant ? p.grant.id : null };
}

function adjust(counts: Map<string, number>, key: string, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

/** The connections each user and link guest holds on this node, and the abuse penalty (S12, S21). */
export class ConnectionQuotas {
  private readonly perUser = new Map<string, number>();
  private readonly perGrant = new Map<string, number>();

  constructor(
    private readonly deps: { bus: Bus; clock: Clock; log: FastifyBaseLogger; limits: QuotaLimits },
  ) {}

  /**
   * Why this principal may not open a connection now, or null: its credential serves an abuse penalty
   * (on any node, S21), or it holds as many connections here as it may.
   */
  async refusal(principal: Principal): Promise<'rate_limited' | 'too_many_connections' | null> {
    for (const key of flagKeys.abuse(principal)) {
      if (await this.deps.bus.hasFlag(key)) return 'rate_limited';
    }
    return this.overQuota(principal) ? 'too_many_connections' : null;
  }

  /**
   * Counts a new connection, unless it is over the quota: connections checked at the same moment may
   * all have passed `refusal`.
   */
  admit(principal: Principal): boolean {
    if (this.overQuota(principal)) return false;
    this.count(principal, +1);
    return true;
  }

  release(principal: Principal): void {
    this.count(principal, -1);
  }

  /** A refused message: too many within the window close the connection and bar its credential. */
  countRefusal(conn: Connection, code: ErrorCode): void {
    const { clock, limits, log, bus } = this.deps;
    // Counted per window: an honest connection that is refused now and then over hours is not abuse.
    const now = clock.now();
    if (now - conn.violationsSince >= limits.violationWindowMs) {
      conn.violations = 0;
      conn.violationsSince = now;
    }
    if (++conn.violations <= limits.maxViolations) return;
    log.warn({ userId: conn.user.id, code }, 'closing connection for repeated abuse');
    conn.close(CLOSE_CODES.abuse, 'too many invalid or refused messages');
    for (const key of flagKeys.abuse(conn.principal)) {
      void bus
        .setFlag(key, limits.abusePenaltyMs)
        .catch((err: unknown) => log.warn({ err }, 'could not record abuse penalty'));
    }
  }

  private overQuota(p: Principal): boolean {
    const { user, grant } = quotaKeys(p);
    const { limits } = this.deps;
    return (
      (this.perUser.get(user) ?? 0) >= limits.maxConnectionsPerUser ||
      (grant !== null && (this.perGrant.get(grant) ?? 0) >= limits.maxConnectionsPerCallCookie)
    );
  }

  private count(p: Principal, delta: 1 | -1): void {
    const { user, grant } = quotaKeys(p);
    adjust(this.perUser, user, delta);
    if (grant !== null) adjust(this.perGrant, grant, delta);
  }
}
