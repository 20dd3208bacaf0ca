import type { AppointmentPermissions } from '../../protocol/api.js';
import { isCallActive, type PartyRole } from '../../protocol/call-status.js';
import type { UserRow } from '../accounts/users-repo.js';
import type { AppointmentRow } from './appointments-repo.js';

export type Access = { kind: 'party'; role: PartyRole } | { kind: 'viewer' } | { kind: 'none' };

/** The one place that decides who may see or act on an appointment. */
export function accessTo(user: Pick<UserRow, 'id' | 'role' | 'hospital_id'>, a: AppointmentRow): Access {
  if (user.role === 'doctor' && user.id === a.doctor_id) return { kind: 'party', role: 'doctor' };
  if (user.role === 'patient' && user.id === a.patient_id) return { kind: 'party', role: 'patient' };
  if (user.role === 'admin' && user.hospital_id === a.hospital_id) return { kind: 'viewer' };
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
