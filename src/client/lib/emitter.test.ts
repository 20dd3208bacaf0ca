import { describe, expect, it, vi } from 'vitest';
import { Emitter } from './emitter.js';

interface Events {
  count: number;
  name: string;
}

describe('Emitter', () => {
  it('delivers payloads to the listeners of one event only', () => {
    const emitter = new Emitter<Events>();
    const counts: number[] = [];
    const names: string[] = [];
    emitter.on('count', (n) => counts.push(n));
    emitter.on('name', (s) => names.push(s));
    emitter.emit('count', 3);
    expect(counts).toEqual([3]);
    expect(names).toEqual([]);
  });

  it('keeps calling listeners after one throws and reports the error', () => {
    const onError = vi.fn();
    const emitter = new Emitter<Events>(onError);
    const seen: number[] = [];
    emitter.on('count', () => {
      throw new Error('boom');
    });
    emitter.on('count', (n) => seen.push(n));
    emitter.emit('count', 1);
    expect(seen).toEqual([1]);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'boom' }), 'count');
  });

  it('survives an error handler that throws', () => {
    const emitter = new Emitter<Events>(() => {
      throw new Error('handler');
    });
    const seen: number[] = [];
    emitter.on('count', () => {
      throw new Error('listener');
    });
    emitter.on('count', (n) => seen.push(n));
    expect(() => emitter.emit('count', 2)).not.toThrow();
    expect(seen).toEqual([2]);
  });

  it('unsubscribes, also from inside a listener, and clear() removes all', () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    const off = emitter.on('count', (n) => {
      seen.push(n);
      off();
    });
    emitter.emit('count', 1);
    emitter.emit('count', 2);
    expect(seen).toEqual([1]);
    emitter.on('count', (n) => seen.push(n));
    emitter.clear();
    emitter.emit('count', 3);
    expect(seen).toEqual([1]);
    expect(emitter.listenerCount('count')).toBe(0);
  });
});
