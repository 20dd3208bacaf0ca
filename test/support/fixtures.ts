import { hashPassword } from '../../src/server/accounts/passwords.js';
import type { UserRow } from '../../src/server/accounts/users-repo.js';
import type { AppointmentRow } from '../../src/server/appointments/appointments-repo.js';
import type { Store } from '../../src/server/store.js';

export const PASSWORD = 'correct horse battery';

export interface World {
  hospitalA: string;
  hospitalB: string;
  doctor: UserRow;
  patient: UserRow;
  admin: UserRow;
  otherDoctor: UserRow;
  otherPatient: UserRow;
  otherAdmin: UserRow;
  appointment: AppointmentRow;
  otherAppointment: AppointmentRow;
}

/** The people seedWorld creates, by their key in World. */
export type Person = 'doctor' | 'patient' | 'admin' | 'otherDoctor' | 'otherPatient' | 'otherAdmin';

export const EMAIL: Record<Person, string> = {
  doctor: 'doctor@a.test',
  patient: 'patient@a.test',
  admin: 'admin@a.test',
  otherDoctor: 'doctor@b.test',
  otherPatient: 'patient@b.test',
  otherAdmin: 'admin@b.test',
};

let cachedHash: Promise<string> | null = null;

/** Two hospitals, a doctor/patient/admin in each, one appointment in each. */
export async function seedWorld(store: Store, now = Date.now()): Promise<World> {
  cachedHash ??= hashPassword(PASSWORD);
  const passwordHash = await cachedHash;
  const a = await store.users.createHospital('Hospital A');
  const b = await store.users.createHospital('Hospital B');
  const user = (email: string, role: UserRow['role'], hospitalId: string | null, displayName: string) =>
    store.users.create({ email, role, hospitalId, displayName, passwordHash });
  const doctor = await user(EMAIL.doctor, 'doctor', a.id, 'Dr. A');
  const patient = await user(EMAIL.patient, 'patient', null, 'Patient A');
  const admin = await user(EMAIL.admin, 'admin', a.id, 'Admin A');
  const otherDoctor = await user(EMAIL.otherDoctor, 'doctor', b.id, 'Dr. B');
  const otherPatient = await user(EMAIL.otherPatient, 'patient', null, 'Patient B');
  const otherAdmin = await user(EMAIL.otherAdmin, 'admin', b.id, 'Admin B');
  const appointment = await store.appointments.create({
    hospitalId: a.id,
    doctorId: doctor.id,
    patientId: patient.id,
    scheduledAt: now,
    reason: 'Check-up',
  });
  const otherAppointment = await store.appointments.create({
    hospitalId: b.id,
    doctorId: otherDoctor.id,
    patientId: otherPatient.id,
    scheduledAt: now,
    reason: 'Other',
  });
  return {
    hospitalA: a.id,
    hospitalB: b.id,
    doctor,
    patient,
    admin,
    otherDoctor,
    otherPatient,
    otherAdmin,
    appointment,
    otherAppointment,
  };
}
