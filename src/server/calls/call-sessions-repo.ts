import type { Kysely, Selectable, Updateable } from 'kysely';
import { PreparedQuery } from '../db/prepared.js';
import type { CallSessionTable, Database } from '../db/schema.js';

export type CallSessionRow = Selectable<CallSessionTable>;

const sessionByRoom = new PreparedQuery((db, roomId: string) =>
  db.selectFrom('call_sessions').selectAll().where('room_id', '=', roomId),
);

export class CallSessionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: CallSessionRow, db: Kysely<Database> = this.db): Promise<void> {
    await db.insertInto('call_sessions').values(row).execute();
  }

  async update(
    id: string,
    changes: Omit<Updateable<CallSessionTable>, 'id'>,
    db: Kysely<Database> = this.db,
  ): Promise<void> {
    await db.updateTable('call_sessions').set(changes).where('id', '=', id).execute();
  }

  /** Updates a session that has not ended; false if it has (or does not exist). */
  async updateOpen(id: string, changes: Omit<Updateable<CallSessionTable>, 'id'>): Promise<boolean> {
    const r = await this.db
      .updateTable('call_sessions')
      .set(changes)
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Read by every socket's subscribe and join: prepared (db/prepared.ts). */
  findByRoom(roomId: string): Promise<CallSessionRow | undefined> {
    return sessionByRoom.first(this.db, roomId);
  }

  listForAppointment(appointmentId: string): Promise<CallSessionRow[]> {
    return this.db
      .selectFrom('call_sessions')
      .selectAll()
      .where('appointment_id', '=', appointmentId)
      .orderBy('started_at')
      .execute();
  }

  /** Someone entered or left the room; an empty room times out from the last of these (S24). */
  async touchPresence(roomId: string, now: number): Promise<void> {
    await this.db
      .updateTable('call_sessions')
      .set({ last_presence_at: now })
      .where('room_id', '=', roomId)
      .execute();
  }

  /** True for the one caller (on any node) that gets to send the max-duration warning. */
  async markWarned(id: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('call_sessions')
      .set({ warned_at: now })
      .where('id', '=', id)
      .where('warned_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
