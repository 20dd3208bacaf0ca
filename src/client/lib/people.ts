import type { AppointmentView, UserView } from '../../protocol/api.js';

/** Whom the appointment is with, from the viewer's side; an admin sees both parties. */
export function otherParty(appointment: AppointmentView, user: UserView): string {
  if (user.id === appointment.doctor.id) return appointment.patient.displayName;
  if (user.id === appointment.patient.id) return appointment.doctor.displayName;
  if (user.role === 'doctor') return appointment.patient.displayName;
  if (user.role === 'patient') return appointment.doctor.displayName;
  return `${appointment.doctor.displayName} with ${appointment.patient.displayName}`;
}

export function appointmentTitle(appointment: AppointmentView, user: UserView): string {
  const isParty = user.id === appointment.doctor.id || user.id === appointment.patient.id;
  return isParty || user.role !== 'admin'
    ? `Appointment with ${otherParty(appointment, user)}`
    : `Appointment: ${otherParty(appointment, user)}`;
}
