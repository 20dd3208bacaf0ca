import { describe, expect, it } from 'vitest';
import { FakeTimers } from '../testing/fake-timers.js';
import { ACK_INTERVAL_MS, RoomSequence } from './room-sequence.js';

function setup(up = true) {
  const timers = new FakeTimers();
  const acks: number[] = [];
  const link = { up };
  const sequence = new RoomSequence({
    timers,
    sendAck: (seq) => {
      if (!link.up) return false;
      acks.push(seq);
      return true;
    },
  });
  return { timers, acks, sequence, link };
}

describe('RoomSequence (S17)', () => {
  it('drops a seq it has seen and lets messages without seq through', () => {
    const { sequence } = setup();
    expect([1, 2, 2, 1, 3, undefined, 5, 4].map((seq) => sequence.accept(seq))).toEqual([
      true,
      true,
      false,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(sequence.lastSeq).toBe(5);
  });

  it('acknowledges the highest seq at most once a second, and only when it advanced', () => {
    const { timers, acks, sequence } = setup();
    sequence.accept(1);
    sequence.accept(2);
    timers.advance(ACK_INTERVAL_MS - 1);
    expect(acks).toEqual([]);
    sequence.accept(3);
    timers.advance(1);
    expect(acks).toEqual([3]);
    timers.advance(10 * ACK_INTERVAL_MS);
    expect(acks).toEqual([3]);
    sequence.accept(3);
    timers.advance(ACK_INTERVAL_MS);
    expect(acks).toEqual([3]);
    sequence.accept(4);
    timers.advance(ACK_INTERVAL_MS);
    expect(acks).toEqual([3, 4]);
  });

  it('acknowledges at once when flushed (the page goes to the background)', () => {
    const { timers, acks, sequence } = setup();
    sequence.accept(7);
    sequence.flush();
    expect(acks).toEqual([7]);
    timers.advance(ACK_INTERVAL_MS);
    sequence.flush();
    expect(acks).toEqual([7]);
  });

  it('tries again on the next flush when the socket was down', () => {
    const { acks, sequence, link } = setup(false);
    sequence.accept(2);
    sequence.flush();
    expect(acks).toEqual([]);
    link.up = true;
    sequence.flush();
    expect(acks).toEqual([2]);
  });

  it('continues from the server’s lastSeq after a fresh join, without acknowledging it', () => {
    const { timers, acks, sequence } = setup();
    sequence.accept(40);
    sequence.reset(3);
    timers.advance(ACK_INTERVAL_MS);
    expect(acks).toEqual([]);
    expect(sequence.accept(3)).toBe(false);
    expect(sequence.accept(4)).toBe(true);
    timers.advance(ACK_INTERVAL_MS);
    expect(acks).toEqual([4]);
  });

  it('counts a resume as acknowledging what it asked to continue from', () => {
    const { timers, acks, sequence, link } = setup(false);
    sequence.accept(5);
    timers.advance(ACK_INTERVAL_MS);
    sequence.resumed();
    link.up = true;
    timers.advance(ACK_INTERVAL_MS);
    expect(acks).toEqual([]);
  });
});
