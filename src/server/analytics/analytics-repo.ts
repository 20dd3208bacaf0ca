import { type Kysely, type SqlBool, sql } from 'kysely';
import { DEFAULT_APPOINTMENT_LENGTH_MINUTES } from '../../protocol/dashboard.js';
import type { Database } from '../db/schema.js';
import type { CallRow, NoShowRow, PartyQualityRow } from './analytics-figures.js';

/**
 * What the analytics read: a hospital's call sessions started in [from, to) with their doctor and their
 * parties' `call_quality` rows, and its no-shows scheduled in [from, to). Reads only.
 */
export class AnalyticsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  private sessionsOf(hospitalId: string, from: number, to: number) {
    return this.db
      .selectFrom('call_sessions as s')
      .innerJoin('appointments as a', 'a.id', 's.appointment_id')
      .where('a.hospital_id', '=', hospitalId)
      .where('s.started_at', '>=', from)
      .where('s.started_at', '<', to);
  }

  async calls(hospitalId: string, from: number, to: number): Promise<CallRow[]> {
    const sessions = await this.sessionsOf(hospitalId, from, to)
      .innerJoin('users as d', 'd.id', 'a.doctor_id')
      .select([
        's.id as session_id',
        's.appointment_id',
        'd.display_name as doctor_name',
        's.started_at',
        's.connected_at',
        's.ended_at',
        's.duration_seconds',
        's.doctor_joined_at',
        's.patient_joined_at',
        's.patient_checked_in_at',
        's.end_reason',
      ])
      .orderBy('s.started_at')
      .orderBy('s.id')
      .execute();
    const quality = await this.db
      .selectFrom('call_quality as q')
      .where('q.call_session_id', 'in', this.sessionsOf(hospitalId, from, to).select('s.id'))
      .select([
        'q.call_session_id',
        'q.role',
        'q.measured_ms',
        'q.rtt_median_ms',
        'q.loss_median_pct',
        'q.recv_height_median',
        'q.recv_fps_median',
        'q.relayed',
        'q.excellent_ms',
        'q.good_ms',
        'q.poor_ms',
        'q.lost_ms',
        'q.reconnects',
        'q.audio_only_ms',
      ])
      .orderBy('q.role')
      .execute();
    const bySession = new Map<string, PartyQualityRow[]>();
    for (const { call_session_id, ...q } of quality) {
      const list = bySession.get(call_session_id);
      if (list) list.push(q);
      else bySession.set(call_session_id, [q]);
    }
    return sessions.map((s) => ({ ...s, quality: bySession.get(s.session_id) ?? [] }));
  }

  /**
   * Appointments scheduled in [from, to), not cancelled, whose planned end is before `now`, and none of
   * whose calls ever connected both parties: the appointments list's `noShow` (appointments-repo.ts).
   */
  noShows(hospitalId: string, from: number, to: number, now: number): Promise<NoShowRow[]> {
    return this.db
      .selectFrom('appointments as a')
      .select(['a.id as appointment_id', 'a.scheduled_at'])
      .where('a.hospital_id', '=', hospitalId)
      .where('a.scheduled_at', '>=', from)
      .where('a.scheduled_at', '<', to)
      .where('a.cancelled_at', 'is', null)
      .where(
        sql<SqlBool>`a.scheduled_at + coalesce(a.length_minutes, ${DEFAULT_APPOINTMENT_LENGTH_MINUTES}) * 60000 < ${now}`,
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('call_sessions as s')
              .select('s.id')
              .whereRef('s.appointment_id', '=', 'a.id')
              .where('s.connected_at', 'is not', null),
          ),
        ),
      )
      .orderBy('a.scheduled_at')
      .execute();
  }
}
