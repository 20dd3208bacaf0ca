import type { Selectable } from 'kysely';
import type { CallQualityTable, CallSessionTable, PartyRole } from '../../src/server/db/schema.js';
import { newId } from '../../src/server/ids.js';
import type { Store } from '../../src/server/store.js';

/**
 * Call sessions and `call_quality` rows written straight into the database, as the call lifecycle and the
 * quality collection would leave them: what the analytics read.
 */

const SECOND = 1000;

export interface SessionSketch {
  appointmentId: string;
  startedAt: number;
  /** When each party first joined, in seconds after the start; null: never. */
  doctorJoinedAfter?: number | null;
  patientJoinedAfter?: number | null;
  /** Seconds from connected to end; null: never connected (ended unanswered). */
  durationSeconds?: number | null;
}

/** An ended call session: connected when the second party joined, ended `durationSeconds` later. */
export async function insertCallSession(store: Store, s: SessionSketch): Promise<string> {
  const doctorJoined =
    s.doctorJoinedAfter === null ? null : s.startedAt + (s.doctorJoinedAfter ?? 5) * SECOND;
  const patientJoined =
    s.patientJoinedAfter === null ? null : s.startedAt + (s.patientJoinedAfter ?? 10) * SECOND;
  const duration = s.durationSeconds === undefined ? 600 : s.durationSeconds;
  const connectedAt =
    duration === null || doctorJoined === null || patientJoined === null
      ? null
      : Math.max(doctorJoined, patientJoined);
  const appointment = await store.appointments.getRow(s.appointmentId);
  if (!appointment) throw new Error(`no appointment ${s.appointmentId}`);
  const endedAt = (connectedAt ?? s.startedAt + 60 * SECOND) + (duration ?? 0) * SECOND;
  const row: Selectable<CallSessionTable> = {
    id: newId(),
    appointment_id: s.appointmentId,
    room_id: newId(),
    started_at: s.startedAt,
    started_by: appointment.doctor_id,
    connected_at: connectedAt,
    ended_at: endedAt,
    duration_seconds: duration ?? 0,
    doctor_joined_at: doctorJoined,
    patient_joined_at: patientJoined,
    end_reason: 'hung_up',
    ended_by: null,
    warned_at: null,
    last_presence_at: endedAt,
    max_duration_ms: null,
    idle_timeout_ms: null,
    patient_checked_in_at: null,
  };
  await store.db.kysely.insertInto('call_sessions').values(row).execute();
  return row.id;
}

/** One party's `call_quality` row: a good 10-minute call unless told otherwise. */
export async function insertCallQuality(
  store: Store,
  callSessionId: string,
  role: PartyRole,
  over: Partial<Omit<CallQualityTable, 'call_session_id' | 'role'>> = {},
): Promise<Selectable<CallQualityTable>> {
  const row: Selectable<CallQualityTable> = {
    call_session_id: callSessionId,
    role,
    windows: 60,
    measured_ms: 600_000,
    updated_at: 0,
    rtt_median_ms: 42,
    rtt_worst_ms: 120,
    jitter_median_ms: 4,
    jitter_worst_ms: 20,
    loss_median_pct: 0.2,
    loss_worst_pct: 2.5,
    send_kbps_median: 1500,
    send_kbps_worst: 400,
    recv_kbps_median: 1400,
    recv_kbps_worst: 380,
    recv_height_median: 720,
    recv_height_worst: 360,
    recv_fps_median: 30,
    recv_fps_worst: 15,
    relayed: 0,
    candidate_type: 'srflx',
    excellent_ms: 540_000,
    good_ms: 60_000,
    poor_ms: 0,
    lost_ms: 0,
    reconnects: 0,
    audio_only_ms: 0,
    ...over,
  };
  await store.db.kysely.insertInto('call_quality').values(row).execute();
  return row;
}
