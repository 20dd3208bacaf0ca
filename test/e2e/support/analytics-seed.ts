import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { bookAdminDay } from './admin-day.js';

const SECOND = 1000;
const DAY_MINUTES = 24 * 60;

/** One past call: days ago, how long, the patient's wait for the doctor, and each party's quality. */
interface PastCall {
  daysAgo: number;
  durationSeconds: number;
  waitSeconds: number;
  quality: {
    relayed: boolean;
    levelSeconds: [excellent: number, good: number, poor: number, lost: number];
    reconnects: number;
    audioOnlySeconds: number;
  } | null;
}

/** A few days of a clinic: calls of several lengths and qualities, one through the relay, one that fell back to audio. */
export const PAST_CALLS: readonly PastCall[] = [
  {
    daysAgo: 1,
    durationSeconds: 900,
    waitSeconds: 40,
    quality: { relayed: false, levelSeconds: [800, 100, 0, 0], reconnects: 0, audioOnlySeconds: 0 },
  },
  {
    daysAgo: 1,
    durationSeconds: 600,
    waitSeconds: 0,
    quality: { relayed: true, levelSeconds: [300, 200, 90, 10], reconnects: 2, audioOnlySeconds: 45 },
  },
  {
    daysAgo: 2,
    durationSeconds: 1200,
    waitSeconds: 120,
    quality: { relayed: false, levelSeconds: [1000, 200, 0, 0], reconnects: 1, audioOnlySeconds: 0 },
  },
  { daysAgo: 4, durationSeconds: 300, waitSeconds: 15, quality: null },
  {
    daysAgo: 5,
    durationSeconds: 1500,
    waitSeconds: 65,
    quality: { relayed: false, levelSeconds: [1200, 250, 50, 0], reconnects: 0, audioOnlySeconds: 0 },
  },
];

/**
 * Books the appointments of PAST_CALLS through the admin's API (the page must be signed in as the demo
 * admin), then writes their call sessions and both parties' `call_quality` rows into the server's
 * database, as the call lifecycle and the browsers' quality summaries would have left them.
 */
export async function seedPastCalls(admin: Page, databaseFile: string): Promise<void> {
  const ids = await bookAdminDay(
    admin,
    PAST_CALLS.map((c) => -c.daysAgo * DAY_MINUTES),
  );
  const db = new Database(databaseFile);
  db.pragma('busy_timeout = 5000');
  try {
    const doctorOf = db.prepare<[string], { doctor_id: string; scheduled_at: number }>(
      'select doctor_id, scheduled_at from appointments where id = ?',
    );
    const session = db.prepare(
      `insert into call_sessions (id, appointment_id, room_id, started_at, started_by, connected_at, ended_at,
        duration_seconds, doctor_joined_at, patient_joined_at, end_reason, ended_by, warned_at, last_presence_at,
        max_duration_ms, idle_timeout_ms)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'hung_up', null, null, ?, null, null)`,
    );
    const quality = db.prepare(
      `insert into call_quality (call_session_id, role, windows, measured_ms, updated_at, rtt_median_ms, rtt_worst_ms,
        jitter_median_ms, jitter_worst_ms, loss_median_pct, loss_worst_pct, send_kbps_median, send_kbps_worst,
        recv_kbps_median, recv_kbps_worst, recv_height_median, recv_height_worst, recv_fps_median, recv_fps_worst,
        relayed, candidate_type, excellent_ms, good_ms, poor_ms, lost_ms, reconnects, audio_only_ms)
       values (?, ?, ?, ?, ?, 45, 150, 5, 25, 0.4, 3.1, 1500, 500, 1400, 450, 720, 360, 30, 15, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      PAST_CALLS.forEach((call, i) => {
        const appointment = doctorOf.get(ids[i] ?? '');
        if (!appointment) throw new Error(`no appointment ${ids[i]}`);
        const start = appointment.scheduled_at;
        const patientJoined = start + 5 * SECOND;
        const doctorJoined = patientJoined + call.waitSeconds * SECOND;
        const connected = Math.max(patientJoined, doctorJoined);
        const ended = connected + call.durationSeconds * SECOND;
        const id = randomUUID();
        session.run(
          id,
          ids[i],
          randomUUID(),
          start,
          appointment.doctor_id,
          connected,
          ended,
          call.durationSeconds,
          doctorJoined,
          patientJoined,
          ended,
        );
        if (!call.quality) return;
        const q = call.quality;
        const ms = q.levelSeconds.map((s) => s * SECOND);
        const measured = ms.reduce((a, b) => a + b, 0);
        // The doctor's side saw the whole of it; the patient's the same levels, without the reconnects.
        for (const role of ['doctor', 'patient'] as const) {
          quality.run(
            id,
            role,
            Math.ceil(measured / 10_000),
            measured,
            ended,
            q.relayed ? 1 : 0,
            q.relayed ? 'relay' : 'srflx',
            ms[0],
            ms[1],
            ms[2],
            ms[3],
            role === 'doctor' ? q.reconnects : 0,
            role === 'patient' ? q.audioOnlySeconds * SECOND : 0,
          );
        }
      });
    })();
  } finally {
    db.close();
  }
}
