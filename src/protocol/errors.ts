/**
 * Stable error codes shared by the HTTP API (`{error: {code, message}}`) and the WebSocket
 * `error` message. The code is the contract; the message is for people and may change.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'The request is malformed.' },
  invalid_json: { status: 400, message: 'The body is not valid JSON.' },
  validation_failed: { status: 400, message: 'The request does not match the expected shape.' },
  payload_too_large: { status: 413, message: 'The request is too large.' },
  unauthenticated: { status: 401, message: 'Sign in to continue.' },
  invalid_credentials: { status: 401, message: 'The email or password is wrong.' },
  session_expired: { status: 401, message: 'Your session has ended. Sign in again.' },
  csrf_failed: { status: 403, message: 'The request was not sent by this site.' },
  origin_not_allowed: { status: 403, message: 'This origin may not use the service.' },
  forbidden: { status: 403, message: 'You may not do this.' },
  not_party: { status: 403, message: 'Only the doctor and patient of this appointment may do this.' },
  wrong_role: { status: 403, message: 'Your role may not do this.' },
  not_found: { status: 404, message: 'Not found.' },
  account_deactivated: {
    status: 403,
    message: 'This account has been deactivated. Ask your clinic if you need it again.',
  },
  email_taken: { status: 409, message: 'Someone already has an account with this email.' },
  patient_elsewhere: {
    status: 409,
    message: 'This patient is also a patient of another hospital, so the account stays active.',
  },
  password_link_invalid: {
    status: 400,
    message: 'This link to set a password is not valid. Ask your clinic for a new one.',
  },
  password_link_expired: {
    status: 410,
    message: 'This link to set a password has expired. Ask your clinic for a new one.',
  },
  password_link_used: {
    status: 410,
    message: 'This link to set a password has already been used or replaced. Ask your clinic for a new one.',
  },
  illegal_transition: { status: 409, message: 'The call is not in a state that allows this.' },
  call_not_active: { status: 409, message: 'The call has not been started or has already ended.' },
  not_in_room: { status: 409, message: 'Join the call before sending call messages.' },
  call_grant_required: {
    status: 403,
    message: 'Open the call from your appointment or from your call link to take part.',
  },
  link_invalid: { status: 401, message: 'This call link is not valid. Ask the clinic for a new one.' },
  link_expired: { status: 410, message: 'This call link has expired. Ask the clinic for a new one.' },
  link_revoked: {
    status: 410,
    message: 'This call link no longer works because the call was restarted. Ask the clinic for a new one.',
  },
  link_already_used: {
    status: 409,
    message: 'This call link has already been opened in another browser. Ask the clinic for a new one.',
  },
  link_for_other_user: {
    status: 409,
    message: 'This call link is for someone else. Sign out first, or open it in a private window.',
  },
  too_many_links: {
    status: 429,
    message: 'Too many call links for this call. Restart the call for new ones.',
  },
  appointment_cancelled: {
    status: 409,
    message: 'This appointment was cancelled: it has no call. Ask the clinic for a new appointment.',
  },
  appointment_in_call: {
    status: 409,
    message: 'The call of this appointment is waiting or in progress: end it first.',
  },
  appointment_needs_confirmation: {
    status: 409,
    message: 'The appointment is in the past or overlaps another of the doctor: send it again with confirm.',
  },
  doctor_not_in_hospital: { status: 400, message: 'The doctor is not a doctor of this hospital.' },
  patient_not_in_hospital: { status: 400, message: 'The patient is not a patient of this hospital.' },
  import_invalid: { status: 400, message: 'Some rows of the file are wrong: nothing was imported.' },
  import_too_large: { status: 413, message: 'The file has too many rows for one import.' },
  check_in_not_open: { status: 409, message: 'Check-in opens shortly before the appointment.' },
  recording_not_allowed: { status: 403, message: 'This hospital does not allow recording calls.' },
  recording_open: { status: 409, message: 'A recording of this call is already asked for or under way.' },
  recording_not_active: { status: 409, message: 'This recording is not under way: nothing more is stored.' },
  recording_not_finished: { status: 409, message: 'This recording is not finished yet.' },
  chunk_checksum_mismatch: {
    status: 422,
    message: 'The chunk arrived damaged (its checksum does not match). Send it again.',
  },
  chunk_conflict: {
    status: 409,
    message: 'A different chunk with this number is already stored for this recording.',
  },
  recording_too_large: {
    status: 413,
    message: 'The recording has reached its maximum size: it was stopped and what was stored is kept.',
  },
  storage_full: {
    status: 507,
    message: 'The server has no room left for recordings: recording stopped. What was stored is kept.',
  },
  recordings_key_missing: {
    status: 409,
    message: 'Recording needs an encryption key (RECORDINGS_KEY or RECORDINGS_KEY_FILE) on the server.',
  },
  signal_connection_unknown: {
    status: 404,
    message: 'This signaling connection is closed or lives on another server. Open a new one.',
  },
  rate_limited: { status: 429, message: 'Too many requests. Slow down.' },
  too_many_connections: {
    status: 429,
    message: 'carecall is open in too many tabs or windows. Close some of them and try again.',
  },
  unknown_message: { status: 400, message: 'Unknown message type.' },
  internal: { status: 500, message: 'Something went wrong on our side.' },
  unavailable: { status: 503, message: 'The service is not ready.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
