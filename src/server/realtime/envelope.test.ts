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

describe('bus envelope: the times the metrics read', () => {
  it('round-trips the publish and receive times, with and without the closing mark', () => {
    const plain = {
      audience: 'patient' as const,
      except: '',
      json: '{"type":"offer"}',
      publishedAt: 1733312345678,
    };
    expect(decodeEnvelope(encodeEnvelope(plain))).toEqual(plain);
    const relayed = { ...plain, receivedAt: 1733312345675 };
    expect(decodeEnvelope(encodeEnvelope(relayed))).toEqual(relayed);
    const closing = { ...relayed, closesRoom: true as const };
    expect(decodeEnvelope(encodeEnvelope(closing))).toEqual(closing);
    const fromConn = { ...plain, except: 'conn-1' };
    expect(decodeEnvelope(encodeEnvelope(fromConn))).toEqual(fromConn);
  });

  it('an envelope without times decodes without them; times that are not numbers are left out', () => {
    expect(decodeEnvelope('doctor|\n{}')).toEqual({ audience: 'doctor', except: '', json: '{}' });
    expect(decodeEnvelope('doctor|c1@soon/later\n{}')).toEqual({
      audience: 'doctor',
      except: 'c1',
      json: '{}',
    });
  });

  it('rides in the excepted id, so a node that does not know the times delivers the message as before', () => {
    const payload = encodeEnvelope({
      audience: 'doctor',
      except: '',
      json: '{"type":"answer"}',
      publishedAt: 2,
      receivedAt: 1,
      closesRoom: true,
    });
    // The reader before the times: the header is audience|except[|closes-room].
    const header = payload.slice(0, payload.indexOf('\n')).split('|');
    expect(header).toEqual(['doctor', '@2/1', 'closes-room']);
    expect(decodeEnvelope(payload)).toMatchObject({ publishedAt: 2, receivedAt: 1 });
  });
});
