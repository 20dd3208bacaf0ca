import type { Clock } from '../../src/server/clock.js';

/** A clock that moves only when the test moves it. */
export class FakeClock implements Clock {
  private t: number;

  constructor(start = Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  set(ms: number): void {
    this.t = ms;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
