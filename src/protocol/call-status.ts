export const CALL_STATUSES = ['not_started', 'waiting', 'in_progress', 'ended'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const ROLES = ['doctor', 'patient', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The two roles that take part in a call; an admin may look but never joins. */
export type PartyRole = Exclude<Role, 'admin'>;

export const CALL_END_REASONS = ['hung_up', 'timed_out', 'max_duration', 'failed'] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

/** A call someone can join or end: started and not yet ended. */
export function isCallActive(status: CallStatus): boolean {
  return status === 'waiting' || status === 'in_progress';
}
