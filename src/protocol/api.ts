import type { CallStatus, Role } from './call-status.js';
import type { CallStatusView, ChatMessageView } from './messages.js';

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
}

export interface AppointmentPermissions {
  canStart: boolean;
  canJoin: boolean;
  canEnd: boolean;
  canChat: boolean;
}

export interface AppointmentDetail {
  appointment: AppointmentView;
  permissions: AppointmentPermissions;
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

export interface CallJoinInfo {
  call: CallStatusView;
  iceServers: IceServerView[];
}
