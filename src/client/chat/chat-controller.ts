import type { ChatHistory } from '../../protocol/api.js';
import type { ChatMessageView, ServerMessage } from '../../protocol/messages.js';
import { ApiError, errorMessage } from '../api/api-error.js';
import { ViewModel } from '../ui/view-model.js';
import { type SignalingChannel, SocketRequestError } from '../ws/reconnecting-socket.js';
import { type ChatEntry, ChatLog, type ChatSender } from './chat-log.js';
import { ChatOutbox, MAX_MESSAGE_CHARS } from './chat-outbox.js';

export interface ChatState {
  loading: boolean;
  entries: readonly ChatEntry[];
  error: string | null;
  draft: string;
  /** Messages from the other party that arrived while the conversation was not on screen. */
  unread: number;
}

export interface ChatApi {
  getMessages(appointmentId: string, page: { limit: number; before?: number }): Promise<ChatHistory>;
  postMessage(appointmentId: string, clientId: string, body: string): Promise<ChatMessageView>;
}

export interface ChatControllerOptions {
  appointmentId: string;
  sender: ChatSender;
  api: ChatApi;
  signaling: SignalingChannel;
  newId: () => string;
  now: () => number;
  /** Whether the conversation is on screen at first (the appointment page: always). */
  visible: boolean;
  /** Lets the page handle an error itself (a lost session sends it to sign in); true when it did. */
  handleError?: (error: unknown) => boolean;
}

export const TOO_LONG_WORDS = `Messages can be at most ${MAX_MESSAGE_CHARS} characters.`;
/** The most the server gives in one page (docs/api.md); a full page means older messages remain. */
export const HISTORY_PAGE = 500;

/**
 * One appointment's conversation as both the appointment page and the call page show it: the full
 * history, live messages from the subscription, sending through the outbox (socket, else HTTP), a
 * history reload after every reconnect (messages pushed while the socket was down are not replayed),
 * and the count of messages from the other party not seen yet.
 */
export class ChatController extends ViewModel<ChatState> {
  readonly #options: ChatControllerOptions;
  readonly #log = new ChatLog();
  readonly #outbox: ChatOutbox;
  /** Server ids already merged: a message counts as unread once, however often it arrives. */
  readonly #seen = new Set<string>();
  #historyLoaded = false;
  #visible: boolean;
  #disposers: Array<() => void> = [];

  constructor(options: ChatControllerOptions) {
    super({ loading: false, entries: [], error: null, draft: '', unread: 0 });
    this.#options = options;
    this.#visible = options.visible;
    const { signaling, api } = options;
    this.#outbox = new ChatOutbox({
      appointmentId: options.appointmentId,
      log: this.#log,
      sender: options.sender,
      newClientId: options.newId,
      now: options.now,
      onChange: () => this.#changed(false),
      transport: {
        socketReady: () => signaling.isReady,
        sendViaSocket: async (message) => {
          const ack = await signaling.request({ type: 'chat', ...message });
          if (!ack.message) {
            throw new ApiError(0, 'unexpected_response', 'The server did not store the message.');
          }
          return ack.message;
        },
        sendViaHttp: (message) => api.postMessage(message.appointmentId, message.clientId, message.body),
        isTransient: (error) => error instanceof SocketRequestError && error.isTransient,
      },
    });
  }

  /** Listens for live messages and reconnects, and loads the history. */
  async start(): Promise<void> {
    if (this.#disposers.length > 0) return;
    const { events } = this.#options.signaling;
    this.#disposers.push(
      events.on('message', (message) => this.#onMessage(message)),
      events.on('ready', ({ reconnected }) => {
        if (reconnected) void this.loadHistory();
      }),
    );
    await this.loadHistory();
  }

  dispose(): void {
    for (const dispose of this.#disposers) dispose();
    this.#disposers = [];
  }

  async loadHistory(): Promise<void> {
    const { handleError } = this.#options;
    this.update({ loading: this.#log.entries.length === 0 });
    try {
      this.#log.merge(await this.#fetchHistory());
      this.update({ loading: false, error: null });
      this.#changed(false);
      this.#historyLoaded = true;
    } catch (error) {
      this.update({ loading: false });
      if (handleError?.(error)) return;
      this.update({ error: `The messages could not be loaded. ${errorMessage(error)}` });
    }
  }

  /**
   * The latest page, then older pages while they are full and new to this log: the whole conversation
   * on the first load, only what was missed on a reload. A page ends before its oldest message's time
   * plus one, so messages sharing that millisecond are fetched again (and merged once) rather than lost.
   */
  async #fetchHistory(): Promise<ChatMessageView[]> {
    const { api, appointmentId } = this.#options;
    const fetched = new Map<string, ChatMessageView>();
    let page = (await api.getMessages(appointmentId, { limit: HISTORY_PAGE })).messages;
    for (;;) {
      const fresh = page.filter((message) => !fetched.has(message.id));
      for (const message of fresh) fetched.set(message.id, message);
      const reachedKnown = page.some((message) => this.#seen.has(message.id));
      if (page.length < HISTORY_PAGE || fresh.length === 0 || reachedKnown) break;
      const before = Math.min(...page.map((message) => message.createdAt)) + 1;
      page = (await api.getMessages(appointmentId, { limit: HISTORY_PAGE, before })).messages;
    }
    return [...fetched.values()];
  }

  setDraft(draft: string): void {
    this.update({ draft });
  }

  send(): void {
    const result = this.#outbox.send(this.state.draft);
    if (result.ok) this.update({ draft: '', error: null });
    else if (result.reason === 'too_long') this.update({ error: TOO_LONG_WORDS });
  }

  retry(clientId: string): void {
    this.#outbox.retry(clientId);
  }

  /** The conversation came on screen (everything in it is read) or went off it. */
  setVisible(visible: boolean): void {
    this.#visible = visible;
    if (visible && this.state.unread > 0) this.update({ unread: 0 });
  }

  #onMessage(message: ServerMessage): void {
    if (message.type !== 'chat' || message.message.appointmentId !== this.#options.appointmentId) return;
    this.#log.merge([message.message]);
    this.#changed(true);
  }

  /** `live`: a push, always news; a history merge is news only after the first history was shown. */
  #changed(live: boolean): void {
    const entries = this.#log.entries;
    let fresh = 0;
    for (const entry of entries) {
      if (entry.id === null || this.#seen.has(entry.id)) continue;
      this.#seen.add(entry.id);
      if ((live || this.#historyLoaded) && entry.senderId !== this.#options.sender.id) fresh++;
    }
    const unread = this.#visible ? 0 : this.state.unread + fresh;
    if (entries !== this.state.entries || unread !== this.state.unread) this.update({ entries, unread });
  }
}
