import type { Role } from '../../protocol/call-status.js';
import type { ChatMessageView } from '../../protocol/messages.js';

export type ChatEntryStatus = 'sent' | 'pending' | 'failed';

export interface ChatEntry {
  /** Stable for the entry's life, also across the pending → sent change, so the view keeps its row. */
  key: string;
  id: string | null;
  clientId: string;
  senderId: string;
  senderName: string;
  senderRole: Role;
  body: string;
  createdAt: number;
  status: ChatEntryStatus;
  error: string | null;
}

export interface ChatSender {
  id: string;
  displayName: string;
  role: Role;
}

function fromView(message: ChatMessageView, key: string): ChatEntry {
  return {
    key,
    id: message.id,
    clientId: message.clientId,
    senderId: message.senderId,
    senderName: message.senderName,
    senderRole: message.senderRole,
    body: message.body,
    createdAt: message.createdAt,
    status: 'sent',
    error: null,
  };
}

function replaceAt<T>(items: readonly T[], index: number, item: T): T[] {
  const copy = [...items];
  copy[index] = item;
  return copy;
}

function order(a: ChatEntry, b: ChatEntry): number {
  const aSent = a.status === 'sent';
  const bSent = b.status === 'sent';
  if (aSent !== bSent) return aSent ? -1 : 1;
  if (!aSent) return 0;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return (a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0;
}

/**
 * The messages of one conversation. A message can arrive up to three times (the ack or HTTP reply,
 * the live push, a history reload); it is kept once, matched by server id or by the sender's clientId.
 */
export class ChatLog {
  #entries: ChatEntry[] = [];

  get entries(): readonly ChatEntry[] {
    return this.#entries;
  }

  /** Merges stored messages (history or a single live or acked one) into the log. */
  merge(messages: readonly ChatMessageView[]): void {
    let next = this.#entries;
    for (const message of messages) {
      const index = next.findIndex(
        (entry) =>
          entry.id === message.id ||
          (entry.clientId === message.clientId && entry.senderId === message.senderId),
      );
      if (index === -1) {
        next = [...next, fromView(message, `m:${message.id}`)];
      } else {
        const existing = next[index];
        if (
          !existing ||
          (existing.status === 'sent' && existing.id === message.id && existing.body === message.body)
        ) {
          continue;
        }
        next = replaceAt(next, index, fromView(message, existing.key));
      }
    }
    if (next !== this.#entries) this.#entries = [...next].sort(order);
  }

  addPending(clientId: string, body: string, sender: ChatSender, now: number): void {
    const entry: ChatEntry = {
      key: `c:${clientId}`,
      id: null,
      clientId,
      senderId: sender.id,
      senderName: sender.displayName,
      senderRole: sender.role,
      body,
      createdAt: now,
      status: 'pending',
      error: null,
    };
    this.#entries = [...this.#entries, entry];
  }

  /** Marks an unconfirmed message as failed; a message already confirmed stays sent. */
  fail(clientId: string, error: string): void {
    this.#update(clientId, (entry) =>
      entry.status === 'sent' ? entry : { ...entry, status: 'failed', error },
    );
  }

  retry(clientId: string): ChatEntry | null {
    let retried: ChatEntry | null = null;
    this.#update(clientId, (entry) => {
      if (entry.status !== 'failed') return entry;
      retried = { ...entry, status: 'pending', error: null };
      return retried;
    });
    return retried;
  }

  #update(clientId: string, change: (entry: ChatEntry) => ChatEntry): void {
    const index = this.#entries.findIndex((entry) => entry.clientId === clientId && entry.id === null);
    const existing = this.#entries[index];
    if (!existing) return;
    const updated = change(existing);
    if (updated !== existing) this.#entries = replaceAt(this.#entries, index, updated);
  }
}
