import type { Selectable } from 'kysely';
import type { AppointmentPermissions } from '../../protocol/api.js';
import { isCallActive, type PartyRole } from '../../protocol/call-status.js';
import type { AppointmentTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Principal } from './principal.js';

/** From the schema, not the appointments feature: the access decision stands beneath every feature. */
type AppointmentRow = Selectable<AppointmentTable>;

/**
 * Who may act on an appointment: its doctor and its patient take part, the admins of its hospital may
 * look, nobody else may do anything (docs/protocol.md S6, S8, S16). Routes and signaling handlers decide
 * with `authorize` and hand the checked row to the services, which do not read it again.
 */
type Access = { kind: 'party'; role: PartyRole } | { kind: 'viewer' } | { kind: 'none' };

export interface PartyAccess<A extends AppointmentRow = AppointmentRow> {
  kind: 'party';
  appointment: A;
  role: PartyRole;
}

export interface ViewerAccess<A extends AppointmentRow = AppointmentRow> {
  kind: 'viewer';
  appointment: A;
  role: null;
}

/** Taking part: the call, its chat, the waiting room. Viewing: the appointment and its call's status. */
export type AccessNeed = 'take-part' | 'view';

/** The refusals of a role that may not do something, each worded once. */
export const ROLE_REFUSALS = {
  adminTakesNoPart: 'Hospital admins may view a call but not take part.',
  adminTestsNoRelay: 'The connection test is for doctors and patients: hospital admins take part in no call.',
  onlyDoctorStarts: 'Only the doctor starts the call.',
  onlyDoctorEnds: 'Only the doctor ends the call for everyone; you can leave it and come back.',
  onlyDoctorInvites: 'Only the doctor invites.',
  onlyDoctorShares: 'Only the doctor can share a screen.',
  onlyPatientJoins: 'Only the patient joins; the doctor starts the call.',
  onlyPatientChecksIn: 'Only the patient checks in.',
  onlyDoctorRecords: 'Only the doctor asks to record, records and stops recording.',
  onlyPatientConsents: 'Only the patient answers for their consent to recording.',
  onlyDoctorSeesQuality: "A call's quality report is for the doctor and the clinic's admins.",
} as const;

export function wrongRole(refusal: keyof typeof ROLE_REFUSALS): AppError {
  return new AppError('wrong_role', { message: ROLE_REFUSALS[refusal] });
}

function principalAccess(p: Principal, a: AppointmentRow): Access {
  if (p.session) {
    const user = p.session.user;
    if (user.role === 'doctor' && user.id === a.doctor_id) return { kind: 'party', role: 'doctor' };
    if (user.role === 'patient' && user.id === a.patient_id) return { kind: 'party', role: 'patient' };
    if (user.role === 'admin' && user.hospital_id === a.hospital_id) return { kind: 'viewer' };
    return { kind: 'none' };
  }
  // Someone with only a call cookie is that party for that one appointment and nothing else (S16).
  if (p.grant && p.grant.appointmentId === a.id) return { kind: 'party', role: p.grant.role };
  return { kind: 'none' };
}

/**
 * The one decision: may this principal take part in (or view) this appointment, read as `appointment`
 * (undefined when there is none)? Returns the checked row with the party's role; throws `not_found`,
 * `not_party`, or `wrong_role` for an admin who would take part.
 */
export function authorize<A extends AppointmentRow>(
  principal: Principal,
  appointment: A | undefined,
  need: 'take-part',
): PartyAccess<A>;
export function authorize<A extends AppointmentRow>(
  principal: Principal,
  appointment: A | undefined,
  need: AccessNeed,
): PartyAccess<A> | ViewerAccess<A>;
export function authorize<A extends AppointmentRow>(
  principal: Principal,
  appointment: A | undefined,
  need: AccessNeed,
): PartyAccess<A> | ViewerAccess<A> {
  if (!appointment) throw new AppError('not_found');
  const access = principalAccess(principal, appointment);
  if (access.kind === 'none') throw new AppError('not_party');
  if (access.kind === 'party') return { kind: 'party', appointment, role: access.role };
  if (need === 'take-part') throw wrongRole('adminTakesNoPart');
  return { kind: 'viewer', appointment, role: null };
}

/** A party's role check, after `authorize`. */
export function requireRole(party: PartyAccess, role: PartyRole, refusal: keyof typeof ROLE_REFUSALS): void {
  if (party.role !== role) throw wrongRole(refusal);
}

/** What the appointment page offers to whoever `authorize` let view it. */
export function permissionsFor(access: PartyAccess | ViewerAccess): AppointmentPermissions {
  const role = access.role;
  const active = isCallActive(access.appointment.video_call_status);
  return {
    canStart: role === 'doctor' && !active && access.appointment.cancelled_at === null,
    canJoin: role === 'patient' && active,
    canEnd: role === 'doctor' && active,
    canChat: role !== null,
  };
}
