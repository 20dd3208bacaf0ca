import { AppError } from '../errors.js';
import type { Principal, SessionInfo } from './principal.js';

/** The refusal of the hospital's admin tools, worded once. */
export const NOT_HOSPITAL_ADMIN = "Only this hospital's admins may do this.";

/**
 * The admin tools of a hospital (its appointments, its policy) are for the admins of that hospital: any
 * other role, and an admin of another hospital, is refused alike (`forbidden`), so the answer does not
 * tell whether the hospital exists.
 */
export function requireHospitalAdmin(session: SessionInfo, hospitalId: string): void {
  const user = session.user;
  if (user.role !== 'admin' || user.hospital_id !== hospitalId) {
    throw new AppError('forbidden', { message: NOT_HOSPITAL_ADMIN });
  }
}

/**
 * The same rule for a signaling connection (S28): only a signed-in admin of the hospital; someone holding
 * only a call cookie is a party to one appointment and no admin.
 */
export function requireHospitalAdminPrincipal(principal: Principal, hospitalId: string): void {
  if (!principal.session) throw new AppError('forbidden', { message: NOT_HOSPITAL_ADMIN });
  requireHospitalAdmin(principal.session, hospitalId);
}
