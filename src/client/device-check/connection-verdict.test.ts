import { describe, expect, it } from 'vitest';
import type { PathMeasurement } from './connection-probe.js';
import { connectionVerdict, GRADES, gradePath, type VerdictInput } from './connection-verdict.js';

function path(overrides: Partial<PathMeasurement> = {}): PathMeasurement {
  return {
    connected: true,
    failure: null,
    candidateType: 'relay',
    gathered: ['relay'],
    iceErrors: [],
    rttMs: 40,
    lossPercent: 0,
    bitrateKbps: 5000,
    bitrateCapped: true,
    ...overrides,
  };
}

const FAILED: PathMeasurement = path({
  connected: false,
  failure: 'no-candidates',
  candidateType: null,
  gathered: [],
  rttMs: null,
  lossPercent: null,
  bitrateKbps: null,
  bitrateCapped: false,
});

function input(overrides: Partial<VerdictInput> = {}): VerdictInput {
  return {
    access: 'ok',
    server: { ok: true, rttMs: 20 },
    relayConfigured: true,
    relayRequired: false,
    direct: path({ candidateType: 'host', gathered: ['host'], lossPercent: null, bitrateKbps: null }),
    relay: path(),
    ...overrides,
  };
}

describe('gradePath', () => {
  it('grades HD, standard and audio at the documented thresholds', () => {
    expect(gradePath(path({ bitrateKbps: GRADES.hd.bitrateKbps }))).toBe('hd');
    expect(gradePath(path({ bitrateKbps: GRADES.hd.bitrateKbps - 1 }))).toBe('standard');
    expect(gradePath(path({ lossPercent: GRADES.hd.lossPercent + 0.1 }))).toBe('standard');
    expect(gradePath(path({ rttMs: GRADES.hd.rttMs + 1 }))).toBe('standard');
    expect(gradePath(path({ bitrateKbps: GRADES.standard.bitrateKbps - 1 }))).toBe('audio');
    expect(gradePath(path({ lossPercent: 12 }))).toBe('audio');
    expect(gradePath(path({ rttMs: 1500 }))).toBe('audio');
    // Without a bitrate nothing proves video would fit.
    expect(gradePath(path({ bitrateKbps: null }))).toBe('audio');
  });
});

describe('connectionVerdict', () => {
  it('says the connection is good for HD video from the relay figures', () => {
    const verdict = connectionVerdict(input());
    expect(verdict).toEqual({
      level: 'hd',
      headline: 'Your connection is good for HD video.',
      notes: [],
      problems: [],
    });
  });

  it('says standard video, or audio only, and reports poor quality for the tips', () => {
    const standard = connectionVerdict(input({ relay: path({ bitrateKbps: 1200, bitrateCapped: false }) }));
    expect(standard.headline).toBe('Your connection is good enough for standard video.');
    expect(standard.problems).toEqual(['poor-quality']);
    const audio = connectionVerdict(input({ relay: path({ bitrateKbps: 300, lossPercent: 8 }) }));
    expect(audio.headline).toBe('Your connection may only carry audio.');
    expect(audio.level).toBe('audio');
  });

  it('says the relay is not reachable when it is configured and failed', () => {
    const verdict = connectionVerdict(input({ relay: FAILED }));
    expect(verdict.headline).toBe(
      'Relay is not reachable: calls may fail on networks that block direct connections.',
    );
    expect(verdict.problems).toEqual(['relay-unreachable', 'no-connection']);
  });

  it('says calls cannot connect when the service relays every call and the relay failed', () => {
    const verdict = connectionVerdict(input({ relay: FAILED, relayRequired: true }));
    expect(verdict.level).toBe('fail');
    expect(verdict.headline).toMatch(/calls cannot connect/);
  });

  it('says plainly that only direct connections were tested without a relay', () => {
    const verdict = connectionVerdict(input({ relayConfigured: false, relay: null }));
    expect(verdict.level).toBe('unknown');
    expect(verdict.headline).toMatch(/no relay \(TURN\) server, so only direct connections were tested/);
    expect(verdict.problems).toEqual([]);
  });

  it('asks someone signed out to sign in or open the call link, after testing what it could', () => {
    const verdict = connectionVerdict(input({ access: 'signed-out', server: null, relay: null }));
    expect(verdict.headline).toMatch(/^Direct connections work\. Sign in, or open your call link/);
    expect(verdict.problems).toEqual(['signed-out']);
    const expired = connectionVerdict(input({ access: 'expired', server: null, relay: null }));
    expect(expired.problems).toEqual(['expired']);
  });

  it('fails when no connection could be made at all', () => {
    const verdict = connectionVerdict(input({ direct: FAILED, relay: FAILED }));
    expect(verdict.level).toBe('fail');
    expect(verdict.problems).toEqual(['no-connection', 'relay-unreachable']);
  });

  it('notes a blocked WebSocket and a relay-only path', () => {
    const verdict = connectionVerdict(input({ server: { ok: false, reason: 'closed' }, direct: FAILED }));
    expect(verdict.level).toBe('hd');
    expect(verdict.problems).toEqual(['websocket-blocked']);
    expect(verdict.notes).toEqual([
      "carecall's live connection (WebSocket) could not be opened from this network: calls use a slower fallback for the call set-up.",
      'Direct connections did not work, so your calls will go through the relay.',
    ]);
  });
});
