import type { AppointmentPermissions } from '../../protocol/api.js';
import { isCallActive, type PartyRole } from '../../protocol/call-status.js';
import type { SessionInfo } from '../accounts/sessions-repo.js';
import type { UserRow } from '../accounts/users-repo.js';
import type { Grant } from '../calls/call-access.js';
import type { AppointmentRow } from './appointments-repo.js';

export type Access = { kind: 'party'; role: PartyRole } | { kind: 'viewer' } | { kind: 'none' };

/** The one place that decides who may see or act on an appointment. */
export function accessTo(user: Pick<UserRow, 'id' | 'role' | 'hospital_id'>, a: AppointmentRow): Access {
  if (user.role === 'doctor' && user.id === a.doctor_id) return { kind: 'party', role: 'doctor' };
  if (user.role === 'patient' && user.id === a.patient_id) return { kind: 'party', role: 'patient' };
  if (user.role === 'admin' && user.hospital_id === a.hospital_id) return { kind: 'viewer' };
  return { kind: 'none' };
}

/** Who is on a request or connection: a signed-in user, someone holding a call cookie, or both (one person). */
export interface Principal {
  session: SessionInfo | null;
  grant: Grant | null;
  /** The signed-in user, or the party a call cookie stands for (with the name they confirmed). */
  user: UserRow;
}

export function principalAccess(p: Principal, a: AppointmentRow): Access {
  if (p.session) return accessTo(p.session.user, a);
  // Someone with only a call cookie is that party for that one appointment and nothing else (S16).
  if (p.grant && p.grant.appointmentId === a.id) return { kind: 'party', role: p.grant.role };
  return { kind: 'none' };
}

export function permissionsFor(access: Access, a: AppointmentRow): AppointmentPermissions {
  const role = access.kind === 'party' ? access.role : null;
  const active = isCallActive(a.video_call_status);
  return {
    canStart: role === 'doctor' && !active,
    canJoin: role === 'patient' && active,
    canEnd: role !== null && active,
    canChat: role !== null,
  };
}
