import { describe, expect, it } from 'vitest';
import type { PathMeasurement } from './connection-probe.js';
import {
  connectionVerdict,
  GRADES,
  gradePath,
  VERDICT_WORDS,
  type VerdictInput,
} from './connection-verdict.js';

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
      next: 'You are ready for your call.',
      notes: [],
      problems: [],
    });
  });

  it('says standard video, or audio only, and reports poor quality for the tips', () => {
    const standard = connectionVerdict(input({ relay: path({ bitrateKbps: 1200, bitrateCapped: false }) }));
    expect(standard.headline).toBe('Your connection is good enough for video.');
    expect(standard.problems).toEqual(['poor-quality']);
    const audio = connectionVerdict(input({ relay: path({ bitrateKbps: 300, lossPercent: 8 }) }));
    expect(audio.headline).toBe('Your connection may only be good enough for sound.');
    expect(audio.next).toMatch(/^Move closer to your Wi-Fi router/);
    expect(audio.level).toBe('audio');
  });

  it('says the relay is not reachable when it is configured and failed', () => {
    const verdict = connectionVerdict(input({ relay: FAILED }));
    expect(verdict.headline).toBe(
      "Video can get through directly, but not through the clinic's relay server.",
    );
    expect(verdict.next).toMatch(
      /try another network, for example your phone's mobile data, or tell the clinic/,
    );
    expect(verdict.problems).toEqual(['relay-unreachable', 'no-connection']);
  });

  it('says calls cannot connect when the service relays every call and the relay failed', () => {
    const verdict = connectionVerdict(input({ relay: FAILED, relayRequired: true }));
    expect(verdict.level).toBe('fail');
    expect(verdict.headline).toBe(
      "Video cannot get through to the clinic's relay server, which every call uses.",
    );
    expect(verdict.next).toMatch(/tell the clinic/);
  });

  it('without a relay, says plainly what was checked and what was not, and that the patient can join', () => {
    const verdict = connectionVerdict(input({ relayConfigured: false, relay: null }));
    expect(verdict).toEqual({
      level: 'unknown',
      headline: 'Video can get through from this device.',
      next: "You can join your call. If it does not connect, try another network, for example your phone's mobile data.",
      notes: [
        'Checked: this device can reach the clinic.',
        'Checked: this device can make a video connection.',
        'Not checked: your internet speed, and whether video gets through strict networks (at work, in hospitals or hotels). This clinic has no relay server to test them with.',
      ],
      problems: [],
    });
    expect(JSON.stringify(verdict)).not.toMatch(/could not be measured/);
  });

  it('asks someone signed out to sign in or open the call link, after testing what it could', () => {
    const verdict = connectionVerdict(input({ access: 'signed-out', server: null, relay: null }));
    expect(verdict.headline).toBe('Video can get through from this device.');
    expect(verdict.next).toMatch(/sign in or open your call link, then test again/);
    expect(verdict.notes).toContain(
      'Not checked: the connection to the clinic, because you are not signed in.',
    );
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
    expect(verdict.notes).toEqual([VERDICT_WORDS.slowSetUp, VERDICT_WORDS.throughRelay]);
  });

  it('always says what to do next, in words without technical names', () => {
    const cases: VerdictInput[] = [
      input(),
      input({ relay: path({ bitrateKbps: 300 }) }),
      input({ relay: FAILED }),
      input({ relay: FAILED, relayRequired: true }),
      input({ relayConfigured: false, relay: null }),
      input({ access: 'signed-out', server: null, relay: null }),
      input({ access: 'expired', server: null, relay: null }),
      input({ access: 'error', server: null, relay: null }),
      input({ direct: FAILED, relay: FAILED }),
      input({ server: { ok: false, reason: 'unsupported' } }),
    ];
    for (const verdict of cases.map(connectionVerdict)) {
      expect(verdict.next.length).toBeGreaterThan(10);
      expect([verdict.headline, verdict.next, ...verdict.notes].join(' ')).not.toMatch(
        /TURN|STUN|WebSocket|WebRTC|candidate|could not be measured|Mbit|\bms\b/,
      );
    }
  });
});
