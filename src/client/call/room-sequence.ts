import type { Timers } from '../lib/timers.js';

/** The server may forget acknowledged messages; telling it more often than this is wasted traffic (S17). */
export const ACK_INTERVAL_MS = 1000;

export interface RoomSequenceOptions {
  /** Sends `ack {seq}`; false when the socket is down (it is tried again later). */
  sendAck: (seq: number) => boolean;
  timers: Timers;
}

/**
 * The sequence numbers of one room's messages to this client (S17): drops what was seen already (a resume
 * may replay it) and acknowledges the highest seen, at most once a second.
 */
export class RoomSequence {
  readonly #options: RoomSequenceOptions;
  #last = 0;
  #acked = 0;
  #timer: unknown = null;

  constructor(options: RoomSequenceOptions) {
    this.#options = options;
  }

  /** The highest sequence number received: what a resume asks to continue from. */
  get lastSeq(): number {
    return this.#last;
  }

  /** False for a message already seen, which must be ignored. Messages without `seq` always pass. */
  accept(seq: number | undefined): boolean {
    if (seq === undefined) return true;
    if (seq <= this.#last) return false;
    this.#last = seq;
    this.#schedule();
    return true;
  }

  /** A fresh room membership: messages continue after `lastSeq`, which the server knows we have. */
  reset(lastSeq: number): void {
    this.#cancel();
    this.#last = lastSeq;
    this.#acked = lastSeq;
  }

  /** The server honoured a resume from our `lastSeq`, so it counts as acknowledged. */
  resumed(): void {
    this.#acked = Math.max(this.#acked, this.#last);
    this.#schedule();
  }

  /** Acknowledges now, e.g. when the page goes to the background and timers may stop. */
  flush(): void {
    this.#cancel();
    if (this.#last > this.#acked && this.#options.sendAck(this.#last)) this.#acked = this.#last;
  }

  close(): void {
    this.#cancel();
  }

  #schedule(): void {
    if (this.#timer !== null || this.#last <= this.#acked) return;
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = null;
      this.flush();
    }, ACK_INTERVAL_MS);
  }

  #cancel(): void {
    if (this.#timer !== null) this.#options.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
