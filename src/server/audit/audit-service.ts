import type { AppError } from '../errors.js';
import type { AuditRepo } from './audit-repo.js';

/**
 * Whether a refusal says "you may not" (or "not now") rather than "you asked badly": permission, a party's
 * role, a missing call cookie, an unknown appointment, a call in the wrong state. Those are audited;
 * malformed requests, rate limits and server faults are not.
 */
export function isAuditedRefusal(err: AppError): boolean {
  return err.category === 'auth' || err.category === 'conflict' || err.status === 404 || err.status === 410;
}

/**
 * Records a refusal of an audited action by a known caller. Anonymous refusals are not recorded: they name
 * nobody, and a row per anonymous request would let anyone fill the audit trail.
 */
export async function recordRefusal(
  audit: AuditRepo,
  refusal: {
    actorId: string | null;
    action: string;
    appointmentId: string | null;
    /** What was asked for when it is not an appointment (a hospital's dashboard). */
    hospitalId?: string;
    /** The hospital of a refused `/api/hospitals/:hospitalId/…` route: its chain and the target, not the detail. */
    routeHospitalId?: string;
    err: AppError;
  },
): Promise<void> {
  if (refusal.actorId === null || !isAuditedRefusal(refusal.err)) return;
  const { hospitalId } = refusal;
  await audit.record({
    actorId: refusal.actorId,
    action: refusal.action,
    appointmentId: refusal.appointmentId,
    outcome: 'denied',
    ...(refusal.routeHospitalId === undefined
      ? {}
      : { hospitalHint: refusal.routeHospitalId, target: `hospital:${refusal.routeHospitalId}` }),
    detail: hospitalId === undefined ? { code: refusal.err.code } : { code: refusal.err.code, hospitalId },
  });
}
