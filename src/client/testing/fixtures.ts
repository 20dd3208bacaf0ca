import type {
  AppointmentDetail,
  AppointmentView,
  CallContext,
  CallEntryView,
  SessionView,
  UserView,
} from '../../protocol/api.js';
import type { CallQualityPartyView } from '../../protocol/call-quality.js';
import type { CallStatusView, ChatMessageView, Peer, WaitingRoomView } from '../../protocol/messages.js';

export const doctorUser: UserView = {
  id: 'd1',
  email: 'doc@example.org',
  displayName: 'Dr. Ada',
  role: 'doctor',
  hospitalId: 'h1',
};
export const patientUser: UserView = {
  id: 'p1',
  email: 'pat@example.org',
  displayName: 'Pat',
  role: 'patient',
  hospitalId: null,
};
export const adminUser: UserView = {
  id: 'x1',
  email: 'admin@example.org',
  displayName: 'Alex Admin',
  role: 'admin',
  hospitalId: 'h1',
};

export function sessionOf(user: UserView): SessionView {
  return { user, csrfToken: `csrf-${user.id}` };
}

export function appointment(overrides: Partial<AppointmentView> = {}): AppointmentView {
  return {
    id: 'a1',
    hospital: { id: 'h1', name: 'General Hospital' },
    doctor: { id: 'd1', displayName: 'Dr. Ada' },
    patient: { id: 'p1', displayName: 'Pat' },
    scheduledAt: Date.UTC(2025, 0, 2, 15, 30),
    reason: 'Follow-up',
    videoCallStatus: 'not_started',
    roomId: null,
    videoCallStartedAt: null,
    videoCallEndedAt: null,
    callDurationSeconds: null,
    recordingEnabled: false,
    screenSharingActive: false,
    lengthMinutes: 30,
    cancelledAt: null,
    ...overrides,
  };
}

/** A party's detail (an admin's when `canChat` is false, with no call entry). */
export function detail(
  view: AppointmentView,
  canChat = true,
  callEntry: Partial<CallEntryView> = {},
): AppointmentDetail {
  return {
    appointment: view,
    permissions: { canStart: false, canJoin: false, canEnd: false, canChat },
    callEntry: canChat
      ? { checkInOpensAt: view.scheduledAt - 15 * 60_000, joinedRoomId: null, ...callEntry }
      : null,
  };
}

export function callStatus(
  status: CallStatusView['status'],
  durationSeconds: number | null = null,
): CallStatusView {
  return {
    appointmentId: 'a1',
    status,
    roomId: 'r1',
    startedAt: 1,
    connectedAt: null,
    endedAt: null,
    durationSeconds,
    endReason: null,
    endsAt: null,
  };
}

export const doctorPeer: Peer = { userId: 'd1', role: 'doctor', displayName: 'Dr. Ada' };
export const patientPeer: Peer = { userId: 'p1', role: 'patient', displayName: 'Pat' };

export function waitingRoom(
  patientWaiting: boolean,
  checkedInAt: number | null = null,
  appointmentId = 'a1',
): WaitingRoomView {
  return { appointmentId, patientWaiting, checkedInAt };
}

/** The call context of appointment a1 (scheduled at 1 000 000; check-in from 100 000). */
export function callContext(overrides: Partial<CallContext> = {}): CallContext {
  const self = overrides.self ?? patientPeer;
  return {
    via: 'session',
    appointmentId: 'a1',
    self,
    other:
      self.role === 'patient'
        ? { role: 'doctor', displayName: doctorPeer.displayName }
        : { role: 'patient', displayName: patientPeer.displayName },
    scheduledAt: 1_000_000,
    checkInOpensAt: 100_000,
    call: callStatus('not_started'),
    lobby: waitingRoom(false),
    hasGrant: false,
    grantExpiresAt: null,
    iceServers: [{ urls: ['turn:127.0.0.1:3478'], username: '123:p1', credential: 'secret' }],
    iceTransportPolicy: 'all',
    expiresAt: 123_000,
    csrfToken: `ctx-csrf-${self.userId}`,
    maxDurationMinutes: 60,
    recordingAllowed: false,
    ...overrides,
  };
}

export function chatMessage(id: string, from: UserView, body: string, clientId = `k-${id}`): ChatMessageView {
  return {
    id,
    appointmentId: 'a1',
    senderId: from.id,
    senderRole: from.role,
    senderName: from.displayName,
    body,
    clientId,
    createdAt: 1000 + Number(id.replace(/\D/g, '') || 0),
  };
}

/** One party's stored call quality (`CallQualityPartyView`): a good 25 s call, changed by `over`. */
export function measuredParty(over: Partial<CallQualityPartyView> = {}): CallQualityPartyView {
  return {
    role: 'doctor',
    windows: 3,
    measuredMs: 25_000,
    rttMs: { median: 45, worst: 120 },
    jitterMs: { median: 6, worst: 14 },
    lossPct: { median: 0.5, worst: 2.5 },
    sendKbps: { median: 1200, worst: 800 },
    recvKbps: { median: 1100, worst: 600 },
    recvHeight: { median: 720, worst: 360 },
    recvFps: { median: 30, worst: 15 },
    relayed: false,
    candidateType: 'host',
    levelMs: { excellent: 15_000, good: 8_000, poor: 2_000, lost: 0 },
    reconnects: 0,
    audioOnlyMs: 0,
    ...over,
  };
}
