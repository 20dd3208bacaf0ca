import { CLOSE_CODES } from '../../protocol/close-codes.js';
import type { ControlMessage } from '../realtime/control.js';
import { SWEEP_SLICE, yieldToEventLoop } from '../sweep-slices.js';
import type { Connection } from './connection.js';

/** This node's open connections, and what other nodes' control messages do to them (S13, S14, S18). */
export class ConnectionRegistry implements Iterable<Connection> {
  private readonly connections = new Set<Connection>();
  private readonly byId = new Map<string, Connection>();

  get size(): number {
    return this.connections.size;
  }

  [Symbol.iterator](): Iterator<Connection> {
    return this.connections[Symbol.iterator]();
  }

  add(conn: Connection): void {
    this.connections.add(conn);
    this.byId.set(conn.id, conn);
  }

  /** False if it was not registered (already removed). */
  delete(conn: Connection): boolean {
    if (!this.connections.delete(conn)) return false;
    this.byId.delete(conn.id);
    return true;
  }

  has(connectionId: string): boolean {
    return this.byId.has(connectionId);
  }

  apply(m: Exclude<ControlMessage, { type: 'appointment-parties' }>): void {
    switch (m.type) {
      case 'revoke-session':
        for (const conn of this.connections) {
          if (conn.principal.session?.idHash === m.sessionIdHash) {
            conn.close(CLOSE_CODES.session_expired, 'signed out');
          }
        }
        return;
      case 'replace':
        this.byId
          .get(m.connectionId)
          ?.close(CLOSE_CODES.replaced, 'joined from another tab or device', 'silent');
        return;
      case 'revoke-grant':
        for (const conn of this.connections) {
          if (conn.principal.grant?.id !== m.grantId) continue;
          if (conn.principal.session) conn.principal.grant = null;
          else conn.close(CLOSE_CODES.session_expired, 'call cookie given up');
        }
        return;
      case 'revoke-call':
        for (const conn of this.connections) {
          const grant = conn.principal.grant;
          if (
            !grant ||
            grant.appointmentId !== m.appointmentId ||
            grant.callSessionId === m.currentSessionId
          ) {
            continue;
          }
          conn.principal.grant = null;
          if (!conn.principal.session) {
            conn.close(CLOSE_CODES.call_link_revoked, 'the call was restarted');
          }
        }
        return;
    }
  }

  /** Terminates connections that did not answer the previous probe, and probes the others. */
  async heartbeat(stopped: () => boolean): Promise<void> {
    let swept = 0;
    for (const conn of this.connections) {
      if (++swept % SWEEP_SLICE === 0) {
        await yieldToEventLoop();
        if (stopped()) return;
      }
      if (!conn.alive) {
        conn.transport.terminate();
        continue;
      }
      conn.alive = false;
      conn.transport.ping();
    }
  }
}
