import type { CallStatus, PartyRole, Role } from './call-status.js';
import type { CallStatusView, ChatMessageView, Peer, ServerMessage, WaitingRoomView } from './messages.js';
import type { WithdrawalRule } from './recording.js';

/** Shapes of the JSON API (docs/api.md). Types only: the client bundles none of the server's code. */

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  hospitalId: string | null;
}

export interface SessionView {
  user: UserView;
  csrfToken: string;
}

export interface PersonView {
  id: string;
  displayName: string;
}

export interface AppointmentView {
  id: string;
  hospital: { id: string; name: string };
  doctor: PersonView;
  patient: PersonView;
  scheduledAt: number;
  reason: string;
  videoCallStatus: CallStatus;
  roomId: string | null;
  videoCallStartedAt: number | null;
  videoCallEndedAt: number | null;
  callDurationSeconds: number | null;
  recordingEnabled: boolean;
  screenSharingActive: boolean;
  /** Planned length in minutes (null when none was given). */
  lengthMinutes: number | null;
  /** Set once the appointment is cancelled: it starts no call (docs/protocol.md S25). */
  cancelledAt: number | null;
}

export interface AppointmentPermissions {
  canStart: boolean;
  canJoin: boolean;
  canEnd: boolean;
  canChat: boolean;
}

/**
 * What a party's appointment page needs to offer its one way into the call: "Check in" (from
 * `checkInOpensAt`, before the call starts), "Join video call", and "Rejoin" once it has been in the
 * active call and left it (a party leaves; only the doctor ends, S15).
 */
export interface CallEntryView {
  /** From when the patient may check in (VIDEO_CALL_CHECK_IN_MINUTES before the scheduled time, S20). */
  checkInOpensAt: number;
  /** The active call's room when this party has been in it, else null. */
  joinedRoomId: string | null;
}

export interface AppointmentDetail {
  appointment: AppointmentView;
  permissions: AppointmentPermissions;
  /** For the doctor and the patient; null for an admin, who takes part in no call. */
  callEntry: CallEntryView | null;
}

export interface AppointmentList {
  appointments: AppointmentView[];
}

export interface ChatHistory {
  messages: ChatMessageView[];
}

export interface IceServerView {
  urls: string[];
  username?: string;
  credential?: string;
}

/** `relay` sends all media through TURN (hides the parties' addresses from each other; also a test switch). */
export type IceTransportPolicy = 'all' | 'relay';

/**
 * How a browser makes its peer connection: servers from configuration only (never a public default),
 * TURN credentials short-lived and per user. GET /api/appointments/:id/call returns fresh ones for an ICE
 * restart; GET /api/ice-servers gives any signed-in user or call-link holder some for the connection test.
 */
export interface IceConfig {
  iceServers: IceServerView[];
  iceTransportPolicy: IceTransportPolicy;
  /** When the TURN credentials stop working (null without TURN REST credentials). */
  expiresAt: number | null;
}

/**
 * What start, join and enter return. Each also sets the call cookie (`carecall_call`) that lets this
 * browser's WebSocket join the room; WebSockets opened before it was set must reconnect to carry it.
 */
export interface CallJoinInfo extends IceConfig {
  call: CallStatusView;
}

/** A call link: the token is in the fragment, which browsers never send to a server. */
export interface CallLinkView {
  url: string;
  role: PartyRole;
  expiresAt: number;
}

/** Start also returns the two links it issued; their tokens are shown only this once. */
export interface CallStartInfo extends CallJoinInfo {
  links: { doctor: CallLinkView; patient: CallLinkView };
}

/** POST /api/call-links/inspect: a link holder asks what the link is for before giving a name. */
export interface InspectLinkRequest {
  /** The appointment the link's address names; a link for another one is refused as unknown. */
  appointmentId: string;
  token: string;
}

/**
 * What a still-valid call link tells its holder (docs/security.md): the clinic, the doctor and the
 * scheduled time, nothing else. A dead link gets only its refusal code (S18).
 */
export interface CallLinkInfo {
  role: PartyRole;
  hospitalName: string;
  doctorName: string;
  scheduledAt: number;
}

export interface ExchangeLinkRequest {
  token: string;
  /** Required for a patient link (the patient confirms their name); ignored for a doctor link. */
  displayName?: string;
}

/**
 * Everything the call page needs, for a signed-in party (`via: 'session'`) or for someone who opened a
 * call link (`via: 'link'`). GET /api/call/context?appointmentId=…
 */
export interface CallContext extends IceConfig {
  via: 'session' | 'link';
  appointmentId: string;
  self: Peer;
  other: { role: PartyRole; displayName: string };
  scheduledAt: number;
  /** From when the patient may check in to the waiting room. */
  checkInOpensAt: number;
  call: CallStatusView;
  lobby: WaitingRoomView;
  /** Whether this browser holds a call cookie for the current call (it may join the room). */
  hasGrant: boolean;
  /** When the call cookie stops working (null without one). */
  grantExpiresAt: number | null;
  /** Send in `x-csrf-token` on this page's POSTs. */
  csrfToken: string;
  /** The current call's maximum length, or the one the next call will have (the hospital's policy). */
  maxDurationMinutes: number;
  /** The hospital allows recording: a recording control hides itself when this is false. */
  recordingAllowed: boolean;
}

/** HTTP signaling fallback (docs/protocol.md S22): the same messages as the WebSocket, over long polls. */
export interface SignalOpenResult {
  connectionId: string;
  /** The `welcome` message a WebSocket would have sent first. */
  welcome: ServerMessage;
  pollTimeoutMs: number;
}

export interface SignalPollResult {
  /** Messages in order; `cursor` acknowledges them on the next poll. */
  messages: ServerMessage[];
  cursor: number;
  /** Set when the connection was closed by the server (same codes as a WebSocket close). */
  closed?: { code: number; reason: string };
}

/** A hospital admin's page of appointments (GET /api/hospitals/:hospitalId/appointments). */
export interface AppointmentPage {
  appointments: AppointmentView[];
  page: number;
  pageSize: number;
  total: number;
}

/** A problem with one row of an appointments CSV; the header is row 1. */
export interface ImportRowError {
  row: number;
  column: 'doctor_email' | 'patient_email' | 'start' | 'length_minutes' | 'reason' | null;
  message: string;
}

export interface ImportRowWarning {
  row: number;
  code: 'in_past' | 'overlaps';
  message: string;
  appointmentId?: string;
  otherRow?: number;
}

/** What an import would do, checked whole and written nowhere. */
export interface ImportPreview {
  rows: number;
  maxRows: number;
  errors: ImportRowError[];
  warnings: ImportRowWarning[];
}

/** Why an admin's appointment change needs `confirm: true` (409 appointment_needs_confirmation). */
export type AppointmentWarningView = { code: 'in_past' } | { code: 'overlaps'; appointment: AppointmentView };

/** A hospital's policy as it applies: its own choices over the server's defaults. */
export interface HospitalPolicy {
  recordingAllowed: boolean;
  patientsSeeRecordings: boolean;
  retentionDays: number;
  checkInMinutes: number;
  maxCallMinutes: number;
  idleTimeoutMinutes: number;
  adminsReadChat: boolean;
  /** What a patient's withdrawal of consent does to what was already recorded. */
  recordingOnWithdraw: WithdrawalRule;
}

export type PolicyKey = keyof HospitalPolicy;

/** A change: a value sets it, null returns it to the server's default, a key left out stays as it is. */
export type PolicyChange = { [K in PolicyKey]?: HospitalPolicy[K] | null };

/** GET/PUT /api/hospitals/:hospitalId/policy. */
export interface PolicyView {
  hospitalId: string;
  /** What applies now. */
  policy: HospitalPolicy;
  /** The hospital's own choices; null where the default applies. */
  overrides: { [K in PolicyKey]: HospitalPolicy[K] | null };
  defaults: HospitalPolicy;
  updatedAt: number | null;
}
