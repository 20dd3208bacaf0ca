import { describe, expect, it } from 'vitest';
import { FakeTimers } from '../testing/fake-timers.js';
import { waitingRoom } from '../testing/fixtures.js';
import { WaitingRoomWatch } from './waiting-room-watch.js';

function setup() {
  const timers = new FakeTimers();
  timers.now = 1_000_000;
  const chimes: number[] = [];
  const notes: string[] = [];
  let changes = 0;
  const watch = new WaitingRoomWatch({
    now: () => timers.now,
    timers,
    alerts: { playChime: () => chimes.push(timers.now), showNotification: (t) => notes.push(t) },
    patientName: (id) => (id === 'a1' ? 'Pat' : null),
    onChange: () => changes++,
  });
  return { timers, chimes, notes, watch, changes: () => changes };
}

describe('WaitingRoomWatch', () => {
  it('shows the time waited since the first check-in, ticking each second while someone waits', () => {
    const { timers, watch, changes } = setup();
    watch.apply(waitingRoom(true, 1_000_000 - 192_000));
    expect(watch.badge('a1')).toBe('Patient waiting · 3:12');
    const before = changes();
    timers.advance(3000);
    expect(changes()).toBe(before + 3);
    expect(watch.badge('a1')).toBe('Patient waiting · 3:15');
    watch.apply(waitingRoom(false, 1_000_000 - 192_000));
    expect(watch.badge('a1')).toBeNull();
    const after = changes();
    timers.advance(5000);
    expect(changes()).toBe(after);
  });

  it('chimes and notifies when a patient arrives, not for the state found on subscribing', () => {
    const { chimes, notes, watch } = setup();
    watch.apply(waitingRoom(true, 5));
    expect(chimes).toEqual([]);
    watch.apply(waitingRoom(false, 5));
    watch.apply(waitingRoom(true, 5));
    watch.apply(waitingRoom(true, 5));
    expect(chimes).toHaveLength(1);
    expect(notes).toEqual(['Patient waiting: Pat']);
    watch.apply(waitingRoom(false, null, 'a2'));
    watch.apply(waitingRoom(true, null, 'a2'));
    expect(notes.at(-1)).toBe('A patient is waiting');
    expect(watch.badge('a2')).toBe('Patient waiting');
    expect(watch.isWaiting('a2')).toBe(true);
  });
});
