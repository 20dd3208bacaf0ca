import type { ChatMessageView } from '../../protocol/messages.js';
import { MAX_CHAT_CHARS } from '../../protocol/messages.js';
import type { UserRow } from '../accounts/users-repo.js';
import { AppError } from '../errors.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { ChatRepo } from './chat-repo.js';

/**
 * One chat for HTTP and signaling (S7). The callers have checked that the author or reader takes part in
 * the appointment (authorize); the signaling hub remembers it per connection, so a chat message there
 * needs no database read to check it.
 */
export class ChatService {
  constructor(
    private readonly messages: ChatRepo,
    private readonly broadcaster: Broadcaster,
  ) {}

  /** Stored before it is acknowledged or delivered; a retry with the same clientId is not stored twice. */
  async post(
    author: UserRow,
    appointmentId: string,
    clientId: string,
    body: string,
  ): Promise<ChatMessageView> {
    const text = body.trim();
    if (text.length === 0 || text.length > MAX_CHAT_CHARS) throw new AppError('validation_failed');
    const { message, created } = await this.messages.add({
      appointmentId,
      senderId: author.id,
      clientId,
      body: text,
    });
    if (created) await this.broadcaster.chat(message);
    return message;
  }

  history(appointmentId: string, options: { limit: number; before?: number }): Promise<ChatMessageView[]> {
    return this.messages.list(appointmentId, options);
  }
}
