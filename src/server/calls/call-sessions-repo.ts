import type { Kysely, Selectable, Updateable } from 'kysely';
import type { CallSessionTable, Database } from '../db/schema.js';

export type CallSessionRow = Selectable<CallSessionTable>;

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

  findByRoom(roomId: string): Promise<CallSessionRow | undefined> {
    return this.db.selectFrom('call_sessions').selectAll().where('room_id', '=', roomId).executeTakeFirst();
  }

  listForAppointment(appointmentId: string): Promise<CallSessionRow[]> {
    return this.db
      .selectFrom('call_sessions')
      .selectAll()
      .where('appointment_id', '=', appointmentId)
      .orderBy('started_at')
      .execute();
  }
}
