import type { Kysely } from 'kysely';
import type { ChatMessageView } from '../../protocol/messages.js';
import type { Clock } from '../clock.js';
import { PreparedQuery } from '../db/prepared.js';
import type { Database } from '../db/schema.js';
import { newId } from '../ids.js';

export interface NewChatMessage {
  appointmentId: string;
  senderId: string;
  clientId: string;
  body: string;
}

function views(db: Kysely<Database>) {
  return db
    .selectFrom('chat_messages as m')
    .innerJoin('users as u', 'u.id', 'm.sender_id')
    .select([
      'm.id',
      'm.appointment_id',
      'm.sender_id',
      'm.client_id',
      'm.body',
      'm.created_at',
      'u.role as sender_role',
      'u.display_name as sender_name',
    ]);
}

// Every chat message sent runs both: prepared (db/prepared.ts).
const insertOnce = new PreparedQuery(
  (db, id: string, appointmentId: string, senderId: string, clientId: string, body: string, at: number) =>
    db
      .insertInto('chat_messages')
      .values({
        id,
        appointment_id: appointmentId,
        sender_id: senderId,
        client_id: clientId,
        body,
        created_at: at,
      })
      .onConflict((oc) => oc.columns(['appointment_id', 'sender_id', 'client_id']).doNothing()),
);
const storedBySender = new PreparedQuery((db, appointmentId: string, senderId: string, clientId: string) =>
  views(db)
    .where('m.appointment_id', '=', appointmentId)
    .where('m.sender_id', '=', senderId)
    .where('m.client_id', '=', clientId),
);

export class ChatRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  private views() {
    return views(this.db);
  }

  /**
   * Stores a message once per (appointment, sender, clientId): a retried send returns the stored copy
   * with `created: false` instead of a duplicate.
   */
  async add(input: NewChatMessage): Promise<{ message: ChatMessageView; created: boolean }> {
    const id = newId();
    const { appointmentId, senderId, clientId } = input;
    await insertOnce.execute(this.db, id, appointmentId, senderId, clientId, input.body, this.clock.now());
    const row = await storedBySender.first(this.db, appointmentId, senderId, clientId);
    if (!row) throw new Error('a stored chat message cannot be read back');
    return { message: toView(row), created: row.id === id };
  }

  /** Oldest first; `before` pages backwards from a message time. */
  async list(appointmentId: string, options: { limit: number; before?: number }): Promise<ChatMessageView[]> {
    let q = this.views().where('m.appointment_id', '=', appointmentId);
    if (options.before !== undefined) q = q.where('m.created_at', '<', options.before);
    const rows = await q
      .orderBy('m.created_at', 'desc')
      .orderBy('m.id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.reverse().map(toView);
  }
}

function toView(r: {
  id: string;
  appointment_id: string;
  sender_id: string;
  client_id: string;
  body: string;
  created_at: number;
  sender_role: ChatMessageView['senderRole'];
  sender_name: string;
}): ChatMessageView {
  return {
    id: r.id,
    appointmentId: r.appointment_id,
    senderId: r.sender_id,
    senderRole: r.sender_role,
    senderName: r.sender_name,
    body: r.body,
    clientId: r.client_id,
    createdAt: r.created_at,
  };
}
