import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { iceServersFor, turnRestCredential } from './ice-servers.js';

describe('ICE servers', () => {
  it('none by default: no public STUN server is ever added', () => {
    expect(iceServersFor(loadConfig({}), 'u1', 0)).toEqual([]);
  });

  it('TURN REST credentials: username is <expiry>:<user>, credential is base64 HMAC-SHA1', () => {
    const secret = 'test-secret-0123456789';
    const { username, credential } = turnRestCredential(secret, 'user-1', 1_800_000_000_000);
    expect(username).toBe('1800000000:user-1');
    expect(credential).toBe(createHmac('sha1', secret).update(username).digest('base64'));
  });

  it('with a secret, credentials expire after the longest call plus a margin', () => {
    const c = loadConfig({
      WEBRTC_TURN_URL: 'turn:127.0.0.1:3478',
      WEBRTC_TURN_SECRET: 'test-secret-0123456789',
      VIDEO_CALL_MAX_DURATION_MINUTES: '30',
    });
    const [server] = iceServersFor(c, 'u1', 1_000_000_000_000);
    expect(server?.urls).toEqual(['turn:127.0.0.1:3478']);
    expect(server?.username).toBe(`${1_000_000_000 + 45 * 60}:u1`);
  });

  it('static TURN credentials pass through', () => {
    const c = loadConfig({
      WEBRTC_TURN_URL: 'turn:127.0.0.1',
      WEBRTC_TURN_USERNAME: 'u',
      WEBRTC_TURN_PASSWORD: 'p',
    });
    expect(iceServersFor(c, 'x', 0)).toEqual([{ urls: ['turn:127.0.0.1'], username: 'u', credential: 'p' }]);
  });
});
