import type { CallStatus, Role } from '../../protocol/call-status.js';

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
