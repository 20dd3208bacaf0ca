import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashPassword } from './accounts/passwords.js';
import type { PeopleService } from './accounts/people-service.js';
import type { Clock } from './clock.js';
import type { Store } from './store.js';

export const DEMO_HOSPITAL = 'Demo Hospital';
export const DEMO_ACCOUNTS = [
  { email: 'doctor@demo.test', role: 'doctor', displayName: 'Dr. Ada Demo' },
  { email: 'patient@demo.test', role: 'patient', displayName: 'Pat Demo' },
  { email: 'admin@demo.test', role: 'admin', displayName: 'Alex Admin' },
] as const;

/**
 * The demo's recordings key: a file beside the recordings (./data/recordings.key by default), made once
 * with a random key readable by this user only, so a demo can record and still play what it recorded
 * after a restart. Returns the file's path. Operators set RECORDINGS_KEY or RECORDINGS_KEY_FILE instead.
 */
export function ensureDemoRecordingsKey(recordingsDir: string): string {
  const file = join(dirname(recordingsDir), 'recordings.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return file;
}

export interface DemoResult {
  password: string;
  generated: boolean;
  createdAppointment: boolean;
}

/**
 * Makes the demo usable on any database: creates what is missing (its people as an admin or the operator
 * adds them, through the people service), sets the demo accounts' password to the one printed, and makes
 * sure there is an appointment today.
 */
export async function seedDemo(
  deps: { store: Store; people: PeopleService; clock: Clock },
  fixedPassword: string | null,
): Promise<DemoResult> {
  const { store, people, clock } = deps;
  const password = fixedPassword ?? randomBytes(9).toString('base64url');
  const passwordHash = await hashPassword(password);
  const hospital =
    (await store.users.findHospitalByName(DEMO_HOSPITAL)) ??
    (await store.users.createHospital(DEMO_HOSPITAL));
  // The demo shows recording with consent from start to finish (the policy page can turn it off).
  const policy = await store.policies.find(hospital.id);
  if (!policy) {
    await store.policies.save({
      hospital_id: hospital.id,
      recording_allowed: 1,
      patients_see_recordings: 1,
      retention_days: null,
      check_in_minutes: null,
      max_call_minutes: null,
      idle_timeout_minutes: null,
      admins_read_chat: null,
      recording_on_withdraw: null,
      updated_at: clock.now(),
      updated_by: null,
    });
  }
  const ids: Record<string, string> = {};
  for (const account of DEMO_ACCOUNTS) {
    const existing = await store.users.findByEmail(account.email);
    if (existing) {
      await store.users.setPassword(existing.id, passwordHash);
      ids[account.role] = existing.id;
    } else {
      const created = await people.createWithPassword(
        { userId: null, hospitalId: hospital.id },
        { email: account.email, role: account.role, displayName: account.displayName },
        password,
      );
      ids[account.role] = created.person.id;
    }
  }
  const doctorId = ids['doctor'] as string;
  const patientId = ids['patient'] as string;
  const now = new Date(clock.now());
  const startOfDay = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  const existing = await store.appointments.listForDoctor(doctorId);
  const today = existing.some(
    (a) =>
      a.patient_id === patientId && a.scheduled_at >= startOfDay && a.scheduled_at < startOfDay + 86_400_000,
  );
  if (!today) {
    // The current hour is always today, and close enough that the call can start now.
    const scheduledAt = new Date(now.getFullYear(), now.getMonth(), now.getDate(), now.getHours()).getTime();
    await store.appointments.create({
      hospitalId: hospital.id,
      doctorId,
      patientId,
      scheduledAt,
      reason: 'Follow-up consultation',
    });
  }
  return { password, generated: fixedPassword === null, createdAppointment: !today };
}
