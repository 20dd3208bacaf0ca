import type { Role } from './call-status.js';

/** Shapes of the people routes (docs/api.md); types only, as in api.ts. */

/** The shortest password anyone may choose. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export interface PersonAccount {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  /** null while active. */
  deactivatedAt: number | null;
  createdAt: number;
}

export interface PeoplePage {
  people: PersonAccount[];
  total: number;
  page: number;
  pageSize: number;
}

/** A one-time link to pass on; also mailed when the server has SMTP. */
export interface SetPasswordLink {
  url: string;
  expiresAt: number;
  emailed: boolean;
}

export interface CreatedPerson {
  person: PersonAccount;
  /** true: an existing patient was added to this hospital (no new account, no link). */
  linkedExisting: boolean;
  setPasswordLink: SetPasswordLink | null;
}

export interface ReassignableAppointment {
  id: string;
  scheduledAt: number;
  reason: string;
  patient: { id: string; displayName: string };
}

export interface DeactivatedPerson {
  person: PersonAccount;
  /** A doctor's appointments still to come, to give to another doctor. */
  futureAppointments: ReassignableAppointment[];
}
