import type { AppointmentWarningView } from '../../protocol/api.js';
import { ApiError } from '../api/api-error.js';
import { formatDateTime } from './format.js';

/** The warnings of a 409 `appointment_needs_confirmation`, or null for any other error. */
export function warningsOf(error: unknown): AppointmentWarningView[] | null {
  if (!(error instanceof ApiError) || error.code !== 'appointment_needs_confirmation') return null;
  const warnings = error.details['warnings'];
  return Array.isArray(warnings) ? (warnings as AppointmentWarningView[]) : [];
}

/** One warning in plain words: "This time is in the past." / "Dr. Ada already sees Pat at …". */
export function warningWords(warning: AppointmentWarningView, locale?: string, timeZone?: string): string {
  if (warning.code === 'in_past') return 'This time is in the past.';
  const other = warning.appointment;
  const length = other.lengthMinutes === null ? '' : ` for ${other.lengthMinutes} minutes`;
  return `${other.doctor.displayName} already sees ${other.patient.displayName} on ${formatDateTime(other.scheduledAt, locale, timeZone)}${length}: the times overlap.`;
}
