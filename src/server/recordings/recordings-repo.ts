import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { RecordingEventView } from '../../protocol/recording.js';
import type { Database, RecordingEventTable, RecordingSegmentTable, RecordingTable } from '../db/schema.js';
import { newId } from '../ids.js';

export type RecordingRow = Selectable<RecordingTable>;
export type RecordingSegmentRow = Selectable<RecordingSegmentTable>;
export type RecordingEventRow = Selectable<RecordingEventTable>;
export type RecordingChanges = Omit<Updateable<RecordingTable>, 'id' | 'version'>;

/** An event row as its writers give it; id and place are filled in from the recording. */
export interface NewRecordingEvent {
  at: number;
  actorId: string | null;
  kind: RecordingEventView['kind'];
  detail?: string | null;
}

export class RecordingsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<RecordingTable>, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('recordings').values(row).execute();
  }

  get(id: string, db: Kysely<Database> = this.db): Promise<RecordingRow | undefined> {
    return db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The write of a transition: only if nobody changed the row since it was read (`version`). */
  async updateIfVersion(
    id: string,
    expectedVersion: number,
    changes: RecordingChanges,
    db: Kysely<Database> = this.db,
  ): Promise<boolean> {
    const r = await db
      .updateTable('recordings')
      .set({ ...changes, version: expectedVersion + 1 })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Notes a chunk's arrival: not a transition, so no version check (the figures only grow, and the sweep
   * reads `last_chunk_at` as a hint). Answers the row as it is now.
   */
  async noteChunk(id: string, segment: number, bytes: number, at: number): Promise<RecordingRow | undefined> {
    await this.db
      .updateTable('recordings')
      .set({
        last_chunk_at: at,
        bytes: sql<number>`CASE WHEN bytes > ${bytes} THEN bytes ELSE ${bytes} END`,
        segments_seen: sql<number>`CASE WHEN segments_seen > ${segment + 1} THEN segments_seen ELSE ${segment + 1} END`,
      })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  /** The room of a call session (recording messages go to both parties there). */
  async roomOf(callSessionId: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('call_sessions')
      .select('room_id')
      .where('id', '=', callSessionId)
      .executeTakeFirst();
    return r?.room_id ?? null;
  }

  /** The call session's latest recording, open or not. */
  latestForSession(callSessionId: string, db: Kysely<Database> = this.db): Promise<RecordingRow | undefined> {
    return db
      .selectFrom('recordings')
      .selectAll()
      .where('call_session_id', '=', callSessionId)
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Recordings of the call session in one of these states. */
  listForSession(callSessionId: string, states: readonly RecordingRow['state'][]): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('call_session_id', '=', callSessionId)
      .where('state', 'in', [...states])
      .execute();
  }

  listForAppointment(appointmentId: string): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('appointment_id', '=', appointmentId)
      .orderBy('requested_at')
      .orderBy('id')
      .execute();
  }

  /** Open recordings whose call has ended (a node died between the call's end and theirs). */
  listOpenOfEndedCalls(states: readonly RecordingRow['state'][]): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .innerJoin('call_sessions', 'call_sessions.id', 'recordings.call_session_id')
      .selectAll('recordings')
      .where('recordings.state', 'in', [...states])
      .where('call_sessions.ended_at', 'is not', null)
      .execute();
  }

  /** Stopped recordings with no chunk (or stop) since `before`: their uploads are over. */
  listStale(before: number): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('state', '=', 'stopped')
      .where((eb) =>
        eb.or([
          eb('last_chunk_at', '<', before),
          eb.and([eb('last_chunk_at', 'is', null), eb('stopped_at', '<', before)]),
        ]),
      )
      .execute();
  }

  listExpired(now: number): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('state', '=', 'finished')
      .where('expires_at', '<=', now)
      .execute();
  }

  async insertSegment(row: RecordingSegmentRow, db: Kysely<Database> = this.db): Promise<void> {
    await db
      .insertInto('recording_segments')
      .values(row)
      .onConflict((oc) => oc.columns(['recording_id', 'segment']).doNothing())
      .execute();
  }

  segments(recordingId: string): Promise<RecordingSegmentRow[]> {
    return this.db
      .selectFrom('recording_segments')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .orderBy('segment')
      .execute();
  }

  segment(recordingId: string, segment: number): Promise<RecordingSegmentRow | undefined> {
    return this.db
      .selectFrom('recording_segments')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .where('segment', '=', segment)
      .executeTakeFirst();
  }

  async addEvents(
    recording: Pick<RecordingRow, 'id' | 'appointment_id' | 'hospital_id'>,
    events: NewRecordingEvent[],
    db: Kysely<Database> = this.db,
  ): Promise<void> {
    if (events.length === 0) return;
    await db
      .insertInto('recording_events')
      .values(
        events.map((e) => ({
          id: newId(),
          recording_id: recording.id,
          appointment_id: recording.appointment_id,
          hospital_id: recording.hospital_id,
          at: e.at,
          actor_id: e.actorId,
          kind: e.kind,
          detail: e.detail ?? null,
        })),
      )
      .execute();
  }

  /** The appointment's consent trail with the actors' names and roles, oldest first. */
  eventsForAppointment(
    appointmentId: string,
  ): Promise<Array<RecordingEventRow & { actor_name: string | null; actor_role: string | null }>> {
    return this.db
      .selectFrom('recording_events')
      .leftJoin('users', 'users.id', 'recording_events.actor_id')
      .selectAll('recording_events')
      .select(['users.display_name as actor_name', 'users.role as actor_role'])
      .where('recording_events.appointment_id', '=', appointmentId)
      .orderBy('recording_events.id')
      .execute();
  }
}
