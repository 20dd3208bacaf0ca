import { POLL_TIMEOUT_MS } from '../../protocol/messages.js';
import type { Transport } from './connection.js';

/** Messages kept for a client that stopped polling; past this the connection is closed. */
const MAX_QUEUED = 1000;

/**
 * The HTTP fallback's end of a connection (docs/protocol.md S22): server messages queue here until the
 * client polls for them; a poll's cursor acknowledges what the previous poll returned, so a lost
 * response is simply returned again.
 */
export class LongPollTransport implements Transport {
  readonly kind = 'long_poll';
  private readonly queue: string[] = [];
  /** Cursor value of the message before queue[0]. */
  private base = 0;
  private waiter: (() => void) | null = null;
  private closedWith: { code: number; reason: string } | null = null;
  onClosed: (code: number) => void = () => {};

  get isOpen(): boolean {
    return this.closedWith === null;
  }

  send(json: string): void {
    if (!this.isOpen) return;
    this.queue.push(json);
    if (this.queue.length > MAX_QUEUED) {
      this.close(1008, 'too many undelivered messages');
      return;
    }
    this.wake();
  }

  close(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    this.wake();
    this.onClosed(code);
  }

  /** Liveness comes from the polls themselves. */
  ping(): void {}

  terminate(): void {
    this.close(1006, 'not polled');
  }

  /** Answers with the serialised poll result (the messages are JSON already). */
  async poll(cursor: number, timeoutMs = POLL_TIMEOUT_MS): Promise<string> {
    const drop = Math.max(0, Math.min(cursor - this.base, this.queue.length));
    this.queue.splice(0, drop);
    this.base += drop;
    if (this.queue.length === 0 && this.isOpen) {
      await new Promise<void>((resolve) => {
        this.waiter?.();
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, timeoutMs);
        timer.unref();
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        };
      });
    }
    const closed = this.closedWith ? `,"closed":${JSON.stringify(this.closedWith)}` : '';
    return `{"messages":[${this.queue.join(',')}],"cursor":${this.base + this.queue.length}${closed}}`;
  }

  private wake(): void {
    this.waiter?.();
  }
}
