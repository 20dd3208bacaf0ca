import { describe, expect, it } from 'vitest';
import { TIPS, troubleshooting } from './troubleshooting.js';

const NOTHING = {
  permissionDenied: false,
  cameraInUse: false,
  deviceMissing: false,
  soundFailed: false,
  connection: [],
};

describe('troubleshooting', () => {
  it('keeps the whole table, with nothing matched when nothing failed', () => {
    const { matched, other } = troubleshooting(NOTHING);
    expect(matched).toEqual([]);
    expect(other.map((tip) => tip.id)).toEqual(TIPS.map((tip) => tip.id));
  });

  it('puts the tips for what failed first, each once', () => {
    const { matched, other } = troubleshooting({
      ...NOTHING,
      cameraInUse: true,
      connection: ['relay-unreachable', 'no-connection', 'poor-quality', 'expired', 'signed-out'],
    });
    expect(matched.map((tip) => tip.id)).toEqual([
      'camera-in-use',
      'cannot-connect',
      'poor-quality',
      'expired-link',
    ]);
    expect(other.map((tip) => tip.id)).not.toContain('camera-in-use');
    expect(matched.length + other.length).toBe(TIPS.length);
  });

  it('matches a missing device and a silent speaker', () => {
    const { matched } = troubleshooting({ ...NOTHING, deviceMissing: true, soundFailed: true });
    expect(matched.map((tip) => tip.id)).toEqual(['no-device', 'no-sound']);
  });

  it('leaves a blocked permission out of both lists: the device check says it once, with the steps', () => {
    const { matched, other } = troubleshooting({ ...NOTHING, permissionDenied: true });
    expect(matched).toEqual([]);
    expect(other.map((tip) => tip.id)).not.toContain('permission-denied');
    expect(troubleshooting(NOTHING).other.map((tip) => tip.id)).toContain('permission-denied');
  });

  it('speaks no jargon a patient would have to look up', () => {
    for (const tip of TIPS) {
      expect(`${tip.problem} ${tip.steps.join(' ')}`).not.toMatch(/WebRTC|WebSocket|TURN|STUN|ICE|candidate/);
    }
  });
});
