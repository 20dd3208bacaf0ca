import { describe, expect, it } from 'vitest';
import { SdpPool, stampOf } from './sdp.js';

describe('SdpPool', () => {
  it('stamps each use with its send time and keeps the sizes of real offers and answers, varied', () => {
    const pool = new SdpPool(8);
    const sizes = new Set<number>();
    for (let i = 0; i < 16; i++) {
      for (const kind of ['offer', 'answer'] as const) {
        const sentAt = 1000 + i * 17.125;
        const sdp = pool.sdp(kind, sentAt);
        expect(stampOf(sdp)).toBeCloseTo(sentAt, 3);
        expect(sdp.startsWith('v=0\r\n')).toBe(true);
        expect(sdp.length).toBeGreaterThan(3500);
        expect(sdp.length).toBeLessThan(6500);
        sizes.add(sdp.length);
      }
    }
    expect(sizes.size).toBeGreaterThan(2);
  });
});
