import type { ChatMessageView } from '../../protocol/messages.js';
import { MAX_CHAT_CHARS } from '../../protocol/messages.js';
import type { UserRow } from '../accounts/users-repo.js';
import { accessTo } from '../appointments/access.js';
import { AppError } from '../errors.js';
import type { Broadcaster } from '../signaling/broadcaster.js';
import type { Store } from '../store.js';

export class ChatService {
  constructor(
    private readonly store: Store,
    private readonly broadcaster: Broadcaster,
  ) {}

  private async requireParty(user: UserRow, appointmentId: string): Promise<void> {
    const a = await this.store.appointments.get(appointmentId);
    if (!a) throw new AppError('not_found');
    const access = accessTo(user, a);
    if (access.kind === 'viewer')
      throw new AppError('wrong_role', {
        message: 'Hospital admins cannot read or write consultation chat.',
      });
    if (access.kind === 'none') throw new AppError('not_party');
  }

  /** Stored before it is acknowledged or delivered; a retry with the same clientId is not stored twice. */
  async post(user: UserRow, appointmentId: string, clientId: string, body: string): Promise<ChatMessageView> {
    const text = body.trim();
    if (text.length === 0 || text.length > MAX_CHAT_CHARS) throw new AppError('validation_failed');
    await this.requireParty(user, appointmentId);
    return this.save(user, appointmentId, clientId, text);
  }

  /**
   * Like post, for a caller that has just checked that the user is a party of the appointment (the
   * signaling hub does for every message): one database read less per chat message.
   */
  async postAsParty(
    user: UserRow,
    appointmentId: string,
    clientId: string,
    body: string,
  ): Promise<ChatMessageView> {
    const text = body.trim();
    if (text.length === 0 || text.length > MAX_CHAT_CHARS) throw new AppError('validation_failed');
    return this.save(user, appointmentId, clientId, text);
  }

  private async save(
    user: UserRow,
    appointmentId: string,
    clientId: string,
    text: string,
  ): Promise<ChatMessageView> {
    const { message, created } = await this.store.chat.add({
      appointmentId,
      senderId: user.id,
      clientId,
      body: text,
    });
    if (created) await this.broadcaster.chat(message);
    return message;
  }

  async history(
    user: UserRow,
    appointmentId: string,
    options: { limit: number; before?: number },
  ): Promise<ChatMessageView[]> {
    await this.requireParty(user, appointmentId);
    return this.store.chat.list(appointmentId, options);
  }
}
