import type { Timers } from '../lib/timers.js';

interface Task {
  at: number;
  callback: () => void;
  every: number | null;
}

/** Timers driven by `advance()`, for tests. */
export class FakeTimers implements Timers {
  now = 0;
  #seq = 0;
  readonly #tasks = new Map<number, Task>();

  setTimeout(callback: () => void, ms: number): number {
    this.#tasks.set(++this.#seq, { at: this.now + ms, callback, every: null });
    return this.#seq;
  }

  clearTimeout(handle: unknown): void {
    this.#tasks.delete(handle as number);
  }

  setInterval(callback: () => void, ms: number): number {
    this.#tasks.set(++this.#seq, { at: this.now + ms, callback, every: ms });
    return this.#seq;
  }

  clearInterval(handle: unknown): void {
    this.#tasks.delete(handle as number);
  }

  /** Delays (from now) of the pending one-shot timers, soonest first. */
  pendingTimeouts(): number[] {
    return [...this.#tasks.values()]
      .filter((task) => task.every === null)
      .map((task) => task.at - this.now)
      .sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let nextId: number | null = null;
      let next: Task | null = null;
      for (const [id, task] of this.#tasks) {
        if (task.at <= end && (next === null || task.at < next.at)) {
          nextId = id;
          next = task;
        }
      }
      if (nextId === null || next === null) break;
      this.now = next.at;
      if (next.every === null) this.#tasks.delete(nextId);
      else next.at += next.every;
      next.callback();
    }
    this.now = end;
  }
}
