import type { CallEndReason } from './call-status.js';
import type { CallStatusView, WaitingRoomView } from './server-messages.js';

/** Shapes of the hospital admin's dashboard and call history routes (docs/api.md); types only, as in api.ts. */

/** One appointment on a hospital admin's dashboard (S28). */
export interface DashboardRow {
  appointmentId: string;
  scheduledAt: number;
  /** Planned length; null means the default (DEFAULT_APPOINTMENT_LENGTH_MINUTES). */
  lengthMinutes: number | null;
  doctor: { id: string; displayName: string };
  patient: { id: string; displayName: string };
  cancelledAt: number | null;
  /** Whether a call of it ever connected both parties: once its planned end passed without, a no-show. */
  connected: boolean;
  call: CallStatusView;
  lobby: WaitingRoomView;
}

/** `GET /api/hospitals/:hospitalId/dashboard`: the day's appointments, and any call under way now. */
export interface DashboardSnapshot {
  hospitalId: string;
  /** The day asked for: [from, to) in epoch milliseconds. */
  from: number;
  to: number;
  /** The server's time when it read the rows, so the page can count waited minutes on its clock. */
  now: number;
  rows: DashboardRow[];
}

/** An appointment without a planned length is taken to last this long (overlaps, no-shows). */
export const DEFAULT_APPOINTMENT_LENGTH_MINUTES = 30;

/** One start-to-end run of an appointment's call (`GET /api/appointments/:id/calls`). */
export interface CallSessionView {
  id: string;
  startedAt: number;
  connectedAt: number | null;
  endedAt: number | null;
  durationSeconds: number | null;
  doctorJoinedAt: number | null;
  patientJoinedAt: number | null;
  endReason: CallEndReason | null;
}
