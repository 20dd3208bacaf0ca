import type { CallLinkInfo } from '../../../protocol/api.js';
import { formatLongDateTime } from '../../lib/format.js';

/** What the name question shows first: which clinic, which doctor, when. */
export interface InvitationView {
  clinic: string;
  doctor: string;
  /** The appointment in the reader's own time zone, written out in full. */
  when: string;
  /** For `<time datetime>`. */
  whenIso: string;
}

export function invitationView(info: CallLinkInfo, locale?: string, timeZone?: string): InvitationView {
  return {
    clinic: info.hospitalName,
    doctor: info.doctorName,
    when: formatLongDateTime(info.scheduledAt, locale, timeZone),
    whenIso: new Date(info.scheduledAt).toISOString(),
  };
}
