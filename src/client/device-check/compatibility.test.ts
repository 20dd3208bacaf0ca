import { describe, expect, it } from 'vitest';
import { type BrowserFeatures, compatibilityChecks } from './compatibility.js';

const ALL: BrowserFeatures = {
  peerConnection: true,
  getUserMedia: true,
  getDisplayMedia: true,
  secureContext: true,
  webSocket: true,
};

function outcomes(features: Partial<BrowserFeatures>, role: 'doctor' | 'patient' | null = null) {
  return Object.fromEntries(
    compatibilityChecks({ ...ALL, ...features }, role).map((check) => [check.id, check.outcome]),
  );
}

describe('compatibilityChecks', () => {
  it('passes every line in a current desktop browser over https', () => {
    const checks = compatibilityChecks(ALL, 'patient');
    expect(checks.map((check) => check.label)).toEqual([
      'Secure page',
      'Video calls',
      'Camera and microphone',
      'Screen sharing',
      'Live updates from the clinic',
    ]);
    expect(checks.every((check) => check.outcome === 'pass')).toBe(true);
  });

  it('says every line in plain words, keeping the technical names for the Details', () => {
    const lines = [
      ...compatibilityChecks(ALL, 'doctor'),
      ...compatibilityChecks(
        {
          peerConnection: false,
          getUserMedia: false,
          getDisplayMedia: false,
          secureContext: false,
          webSocket: false,
        },
        'doctor',
      ),
    ];
    for (const check of lines) {
      expect(`${check.label} ${check.detail}`).not.toMatch(
        /WebRTC|WebSocket|getUserMedia|getDisplayMedia|HTTPS\b/,
      );
    }
    expect(compatibilityChecks(ALL, null).map((check) => check.technical)).toEqual([
      'Secure context (HTTPS)',
      'WebRTC (RTCPeerConnection)',
      'getUserMedia',
      'getDisplayMedia',
      'WebSocket',
    ]);
  });

  it('leaves the camera line out while the camera or microphone is blocked, so nothing says it works', () => {
    const blocked = compatibilityChecks(ALL, 'patient', true);
    expect(blocked.map((check) => check.id)).not.toContain('getUserMedia');
    expect(blocked).toHaveLength(4);
  });

  it('fails the camera on an http page and says to open the https address', () => {
    const checks = compatibilityChecks({ ...ALL, secureContext: false, getUserMedia: false }, null);
    const camera = checks.find((check) => check.id === 'getUserMedia');
    expect(camera?.outcome).toBe('fail');
    expect(camera?.detail).toMatch(/https/);
    expect(checks.find((check) => check.id === 'secureContext')?.outcome).toBe('fail');
  });

  it('is only a note for a patient on a phone without screen sharing, a failure for a doctor', () => {
    expect(outcomes({ getDisplayMedia: false }, 'patient')['getDisplayMedia']).toBe('note');
    expect(outcomes({ getDisplayMedia: false }, null)['getDisplayMedia']).toBe('note');
    expect(outcomes({ getDisplayMedia: false }, 'doctor')['getDisplayMedia']).toBe('fail');
    const patient = compatibilityChecks({ ...ALL, getDisplayMedia: false }, 'patient');
    expect(patient.find((check) => check.id === 'getDisplayMedia')?.detail).toMatch(
      /Only the doctor shares a screen/,
    );
  });

  it('notes a missing WebSocket (there is a fallback) and fails a missing WebRTC', () => {
    expect(outcomes({ webSocket: false })['webSocket']).toBe('note');
    expect(outcomes({ peerConnection: false })['peerConnection']).toBe('fail');
  });
});
