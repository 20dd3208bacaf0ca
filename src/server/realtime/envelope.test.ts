import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';

describe('bus envelope', () => {
  it('round-trips audience, sender and payload, including newlines and bars in the JSON', () => {
    const env = {
      audience: 'patient' as const,
      except: 'conn-1',
      json: JSON.stringify({ type: 'chat', body: 'a|b\nc' }),
    };
    expect(decodeEnvelope(encodeEnvelope(env))).toEqual(env);
  });

  it('rejects malformed payloads', () => {
    expect(decodeEnvelope('garbage')).toBeNull();
    expect(decodeEnvelope('nobody|x\n{}')).toBeNull();
  });
});

describe('bus envelope: the message that closes a room', () => {
  it('carries its mark, which a reader of two header fields takes as part of the excepted id', () => {
    const env = {
      audience: 'doctor' as const,
      except: '',
      json: '{"type":"call-status"}',
      closesRoom: true as const,
    };
    const payload = encodeEnvelope(env);
    expect(decodeEnvelope(payload)).toEqual(env);
    const header = payload.slice(0, payload.indexOf('\n'));
    expect(header.slice(0, header.indexOf('|'))).toBe('doctor');
    const { closesRoom: _, ...plain } = env;
    expect(decodeEnvelope(encodeEnvelope(plain))?.closesRoom).toBeUndefined();
  });

  it('refuses an unknown mark', () => {
    expect(decodeEnvelope('doctor||something-else\n{}')).toBeNull();
  });
});
