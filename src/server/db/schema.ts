import type { CallEndReason, CallStatus, PartyRole, Role } from '../../protocol/call-status.js';
import type {
  RecordingEventView,
  RecordingState,
  RecordingStopReason,
  WithdrawalRule,
} from '../../protocol/recording.js';

/**
 * Times are epoch milliseconds (bigint in PostgreSQL, integer in SQLite) and flags are 0/1 integers,
 * so both databases hold and return the same values.
 */
export interface HospitalTable {
  id: string;
  name: string;
  created_at: number;
}

export interface UserTable {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  display_name: string;
  hospital_id: string | null;
  created_at: number;
  disabled_at: number | null;
}

export interface SessionTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface AppointmentTable {
  id: string;
  hospital_id: string;
  doctor_id: string;
  patient_id: string;
  scheduled_at: number;
  reason: string;
  room_id: string | null;
  video_call_status: CallStatus;
  video_call_started_at: number | null;
  video_call_ended_at: number | null;
  call_duration_seconds: number | null;
  recording_enabled: number;
  screen_sharing_active: number;
  doctor_token_hash: string | null;
  patient_token_hash: string | null;
  token_created_at: number | null;
  /** The patient's first check-in to the waiting room for the coming call; cleared when a call starts. */
  checked_in_at: number | null;
  /** Planned length in minutes (null for appointments made before it was asked). */
  length_minutes: number | null;
  /** A cancelled appointment starts no call; both parties still see it, marked cancelled. */
  cancelled_at: number | null;
  cancelled_by: string | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface CallSessionTable {
  id: string;
  appointment_id: string;
  room_id: string;
  started_at: number;
  started_by: string;
  connected_at: number | null;
  ended_at: number | null;
  duration_seconds: number | null;
  doctor_joined_at: number | null;
  patient_joined_at: number | null;
  /** The patient's check-in to the waiting room before this call started (0009). */
  patient_checked_in_at: number | null;
  end_reason: CallEndReason | null;
  ended_by: string | null;
  /** When the max-duration warning went out (once per call, whichever node sent it). */
  warned_at: number | null;
  /** The last time a party entered or left the room; an empty room times out from here. */
  last_presence_at: number | null;
  /** The hospital's limits when this call started (null for calls started before they were kept). */
  max_duration_ms: number | null;
  idle_timeout_ms: number | null;
}

export interface CallLinkTable {
  id: string;
  appointment_id: string;
  call_session_id: string;
  role: PartyRole;
  token_hash: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  exchanged_at: number | null;
  revoked_at: number | null;
}

export interface CallGrantTable {
  id: string;
  appointment_id: string;
  call_session_id: string;
  role: PartyRole;
  user_id: string;
  display_name: string;
  secret_hash: string;
  csrf_token: string;
  link_id: string | null;
  /** The sign-in session whose browser obtained it (null for a link-only guest). */
  session_hash: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface ChatMessageTable {
  id: string;
  appointment_id: string;
  sender_id: string;
  client_id: string;
  body: string;
  created_at: number;
}

export interface AuditEventTable {
  id: string;
  at: number;
  actor_id: string | null;
  action: string;
  appointment_id: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  detail: string | null;
  /** The hospital the event belongs to; null: the `system` chain (0008_audit_chain, docs/audit.md). */
  hospital_id: string | null;
  /** What was acted on, kind:id (`appointment:…`, `user:…`, `recording:…`, `hospital:…`). */
  target: string | null;
  /** `hospital_id`, or `system`. Null only on a row that was not written through the chain. */
  chain: string | null;
  /** The entry's place in its chain, from 1. */
  seq: number | null;
  prev_hash: string | null;
  hash: string | null;
}

/** Each audit chain's head: its last entry's seq and hash (0 and the genesis hash before any). */
export interface AuditChainTable {
  chain: string;
  hospital_id: string | null;
  seq: number;
  hash: string;
}

/** A patient of a hospital: added there by an admin, or given an appointment there. */
export interface PatientHospitalTable {
  patient_id: string;
  hospital_id: string;
  created_at: number;
}

/** A one-time "set your password" link; only the token's hash is kept. */
export interface PasswordLinkTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** A newer link for the same person ends this one. */
  revoked_at: number | null;
}

/** A hospital's choices; null columns take the server's defaults (config.ts). Flags are 0/1. */
export interface HospitalPolicyTable {
  hospital_id: string;
  recording_allowed: number | null;
  patients_see_recordings: number | null;
  retention_days: number | null;
  check_in_minutes: number | null;
  max_call_minutes: number | null;
  idle_timeout_minutes: number | null;
  admins_read_chat: number | null;
  /** 'keep' | 'discard' */
  recording_on_withdraw: WithdrawalRule | null;
  updated_at: number;
  updated_by: string | null;
}

/** A request to record a call (docs/recordings.md); the terms are copied in when the doctor asks. */
export interface RecordingTable {
  id: string;
  appointment_id: string;
  hospital_id: string;
  call_session_id: string;
  requested_by: string;
  state: RecordingState;
  stop_reason: RecordingStopReason | null;
  patient_consent: 'allowed' | 'declined' | 'withdrawn' | null;
  retention_days: number;
  patient_may_see: number;
  on_withdraw: WithdrawalRule;
  requested_at: number;
  started_at: number | null;
  stopped_at: number | null;
  /** Recorded time before `running_since`. */
  elapsed_ms: number;
  /** Set only while capturing. */
  running_since: number | null;
  wrapped_key: string;
  /** Segments the server has seen chunks of (highest segment number + 1). */
  segments_seen: number;
  /** The doctor's Stop: JSON object segment → number of chunks. */
  declared_chunks: string | null;
  last_chunk_at: number | null;
  finished_at: number | null;
  expires_at: number | null;
  bytes: number;
  deleted_at: number | null;
  version: number;
}

export interface RecordingSegmentTable {
  recording_id: string;
  segment: number;
  bytes: number;
  duration_ms: number;
  sha256: string;
  missing_chunks: number;
  sealed_at: number;
}

export interface RecordingEventTable {
  id: string;
  recording_id: string;
  appointment_id: string;
  hospital_id: string;
  at: number;
  actor_id: string | null;
  kind: RecordingEventView['kind'];
  detail: string | null;
}

/** Every quality summary a party's browser sent during a call (0009_call_quality). */
export interface CallQualityWindowTable {
  id: string;
  call_session_id: string;
  role: PartyRole;
  received_at: number;
  /** JSON of `QualitySummary` (src/protocol/call-quality.ts), validated before it is stored. */
  summary: string;
}

/** Per call session and party: medians and worst figures over its windows (`CallQualityPartyView`). */
export interface CallQualityTable {
  call_session_id: string;
  role: PartyRole;
  windows: number;
  measured_ms: number;
  updated_at: number;
  rtt_median_ms: number | null;
  rtt_worst_ms: number | null;
  jitter_median_ms: number | null;
  jitter_worst_ms: number | null;
  loss_median_pct: number | null;
  loss_worst_pct: number | null;
  send_kbps_median: number | null;
  send_kbps_worst: number | null;
  recv_kbps_median: number | null;
  recv_kbps_worst: number | null;
  recv_height_median: number | null;
  recv_height_worst: number | null;
  recv_fps_median: number | null;
  recv_fps_worst: number | null;
  /** 0/1: any window went through a TURN relay. */
  relayed: number;
  candidate_type: string | null;
  excellent_ms: number;
  good_ms: number;
  poor_ms: number;
  lost_ms: number;
  reconnects: number;
  audio_only_ms: number;
}

export interface Database {
  hospitals: HospitalTable;
  users: UserTable;
  sessions: SessionTable;
  appointments: AppointmentTable;
  call_sessions: CallSessionTable;
  call_links: CallLinkTable;
  call_grants: CallGrantTable;
  chat_messages: ChatMessageTable;
  audit_events: AuditEventTable;
  audit_chains: AuditChainTable;
  patient_hospitals: PatientHospitalTable;
  password_links: PasswordLinkTable;
  hospital_policies: HospitalPolicyTable;
  recordings: RecordingTable;
  recording_segments: RecordingSegmentTable;
  recording_events: RecordingEventTable;
  call_quality_windows: CallQualityWindowTable;
  call_quality: CallQualityTable;
}

export type { PartyRole };
