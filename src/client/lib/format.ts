import type { CallEndReason, CallStatus, Role } from '../../protocol/call-status.js';

/** The call status in words, as the viewer should read it. */
export function callStatusWords(status: CallStatus, viewer: Role): string {
  switch (status) {
    case 'not_started':
      return 'Not started';
    case 'waiting':
      return viewer === 'patient' ? 'The doctor has started the call' : 'Waiting for the patient';
    case 'in_progress':
      return 'In progress';
    case 'ended':
      return 'Ended';
  }
}

/** An appointment's status as its lists and page say it: cancelled, or its call's status. */
export function appointmentStatusWords(
  appointment: { videoCallStatus: CallStatus; cancelledAt: number | null },
  viewer: Role,
): string {
  return appointment.cancelledAt !== null
    ? 'Cancelled'
    : callStatusWords(appointment.videoCallStatus, viewer);
}

/** "45 s", "3 min 12 s", "1 h 0 min 5 s". */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${m} min ${s} s`;
  if (m > 0) return `${m} min ${s} s`;
  return `${s} s`;
}

export function formatDateTime(epochMs: number, locale?: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
  if (timeZone) options.timeZone = timeZone;
  return new Intl.DateTimeFormat(locale, options).format(new Date(epochMs));
}

/** "Thursday 3 December 2026 at 14:30": a date nobody can misread, in this browser's language and time zone. */
export function formatLongDateTime(epochMs: number, locale?: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'full', timeStyle: 'short' };
  if (timeZone) options.timeZone = timeZone;
  return new Intl.DateTimeFormat(locale, options).format(new Date(epochMs));
}

export function formatTime(epochMs: number, locale?: string, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions = { timeStyle: 'short' };
  if (timeZone) options.timeZone = timeZone;
  return new Intl.DateTimeFormat(locale, options).format(new Date(epochMs));
}

export function roleWords(role: Role): string {
  switch (role) {
    case 'doctor':
      return 'Doctor';
    case 'patient':
      return 'Patient';
    case 'admin':
      return 'Hospital admin';
  }
}

/** A running clock: "0:07", "3:12", "1:02:05". Negative times (clock skew) count as zero. */
export function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Why the last call ended, when it is worth saying (a plain hang-up is not). */
export function endReasonWords(reason: CallEndReason | null): string | null {
  switch (reason) {
    case 'max_duration':
      return 'The call reached its maximum length.';
    case 'timed_out':
      return 'The call ended because nobody was connected.';
    case 'failed':
      return 'The call ended because the connection failed.';
    default:
      return null;
  }
}
