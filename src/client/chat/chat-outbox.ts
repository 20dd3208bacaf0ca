import type { ChatMessageView, MAX_CHAT_CHARS } from '../../protocol/messages.js';
import { errorMessage } from '../api/api-error.js';
import type { ChatLog, ChatSender } from './chat-log.js';

export const MAX_MESSAGE_CHARS: typeof MAX_CHAT_CHARS = 4000;

export interface OutgoingChat {
  appointmentId: string;
  clientId: string;
  body: string;
}

export interface ChatTransport {
  socketReady(): boolean;
  sendViaSocket(message: OutgoingChat): Promise<ChatMessageView>;
  sendViaHttp(message: OutgoingChat): Promise<ChatMessageView>;
  /** True when the socket may have lost the message, so the HTTP fallback should try. */
  isTransient(error: unknown): boolean;
}

export interface ChatOutboxOptions {
  appointmentId: string;
  log: ChatLog;
  transport: ChatTransport;
  sender: ChatSender;
  newClientId: () => string;
  now: () => number;
  onChange: () => void;
}

export type SendResult = { ok: true; clientId: string } | { ok: false; reason: 'empty' | 'too_long' };

/**
 * Sends chat messages: shown at once as pending, over the socket when it is open, else (or when the
 * socket drops the request) over HTTP. The server is idempotent on clientId, so a retry never duplicates.
 */
export class ChatOutbox {
  readonly #options: ChatOutboxOptions;

  constructor(options: ChatOutboxOptions) {
    this.#options = options;
  }

  send(text: string): SendResult {
    const body = text.trim();
    if (!body) return { ok: false, reason: 'empty' };
    if (body.length > MAX_MESSAGE_CHARS) return { ok: false, reason: 'too_long' };
    const { log, sender, newClientId, now, onChange } = this.#options;
    const clientId = newClientId();
    log.addPending(clientId, body, sender, now());
    onChange();
    void this.#deliver(clientId, body);
    return { ok: true, clientId };
  }

  retry(clientId: string): void {
    const entry = this.#options.log.retry(clientId);
    if (!entry) return;
    this.#options.onChange();
    void this.#deliver(clientId, entry.body);
  }

  async #deliver(clientId: string, body: string): Promise<void> {
    const { appointmentId, transport, log, onChange } = this.#options;
    const outgoing: OutgoingChat = { appointmentId, clientId, body };
    try {
      let stored: ChatMessageView;
      if (transport.socketReady()) {
        try {
          stored = await transport.sendViaSocket(outgoing);
        } catch (error) {
          if (!transport.isTransient(error)) throw error;
          stored = await transport.sendViaHttp(outgoing);
        }
      } else {
        stored = await transport.sendViaHttp(outgoing);
      }
      log.merge([stored]);
    } catch (error) {
      log.fail(clientId, errorMessage(error));
    }
    onChange();
  }
}
