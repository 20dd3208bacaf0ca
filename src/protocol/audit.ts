import type { Role } from './call-status.js';

/** Shapes of a hospital admin's audit trail routes (docs/audit.md); types only, as in api.ts. */

export type AuditOutcomeView = 'ok' | 'denied' | 'failed';
export const AUDIT_OUTCOMES: readonly AuditOutcomeView[] = ['ok', 'denied', 'failed'];

/** One entry of a hospital's audit chain. */
export interface AuditEntryView {
  id: string;
  /** Its place in the hospital's chain: the one order of the hospital's entries. */
  seq: number;
  at: number;
  /** Who did it; null for the server's own doing or an unknown caller. */
  actor: { id: string; name: string | null; role: Role | null } | null;
  action: string;
  /** What was acted on, kind:id (`appointment:…`, `user:…`, `recording:…`, `hospital:…`). */
  target: string | null;
  appointmentId: string | null;
  outcome: AuditOutcomeView;
  /** Codes and ids only: never a token, password or chat text. */
  detail: Record<string, string | number | boolean | null> | null;
  hash: string;
}

/** `GET /api/hospitals/:hospitalId/audit`: newest first; `nextCursor` asks for the older entries. */
export interface AuditPage {
  entries: AuditEntryView[];
  nextCursor: string | null;
}
