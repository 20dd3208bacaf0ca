import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, recordingKeyProblem } from './config.js';

describe('configuration', () => {
  it('has safe defaults: SQLite under ./data, no STUN or TURN, 24 h tokens, 60 min calls', () => {
    const c = loadConfig({});
    expect(c.database).toEqual({ kind: 'sqlite', file: './data/carecall.db' });
    expect(c.ice).toEqual({
      stunUrls: [],
      turnUrls: [],
      turnSecret: null,
      turnUsername: null,
      turnPassword: null,
      transportPolicy: 'all',
    });
    expect(c.tokenExpiryHours).toBe(24);
    expect(c.maxCallMinutes).toBe(60);
    expect(c.port).toBe(8080);
    expect(c.publicOrigin).toBe('http://localhost:8080');
    expect(c.allowedOrigins).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080']);
    expect(c.secureCookies).toBe(false);
    expect(c.redisUrl).toBeNull();
  });

  it('reads the deployment variables', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@db/carecall',
      REDIS_URL: 'redis://cache:6379',
      WEBRTC_STUN_URLS: 'stun:turn.example.org:3478, stun:turn2.example.org',
      WEBRTC_TURN_URL: 'turns:turn.example.org:5349',
      WEBRTC_TURN_SECRET: 'a-long-shared-secret-value',
      PUBLIC_ORIGIN: 'https://care.example.org',
      ALLOWED_ORIGINS: 'https://app.example.org',
    });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u@db/carecall' });
    expect(c.ice.stunUrls).toEqual(['stun:turn.example.org:3478', 'stun:turn2.example.org']);
    expect(c.secureCookies).toBe(true);
    expect(c.allowedOrigins).toEqual(['https://care.example.org', 'https://app.example.org']);
  });

  it('reports every problem, one line each, naming the variable', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        WEBRTC_TURN_URL: 'turn:t.example.org',
        VIDEO_CALL_MAX_DURATION_MINUTES: '-5',
        PUBLIC_ORIGIN: 'https://care.example.org/app',
        TLS_CERT_FILE: '/etc/cert.pem',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    const vars = problems.map((p) => p.split(':')[0]);
    expect(vars).toEqual(
      expect.arrayContaining(['PORT', 'DATABASE_URL', 'VIDEO_CALL_MAX_DURATION_MINUTES', 'PUBLIC_ORIGIN']),
    );
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect((error as Error).message.split('\n').length).toBe(problems.length + 1);
  });

  it('set-password links last 72 h unless configured; mail goes out only with SMTP_URL', () => {
    const d = loadConfig({});
    expect(d.setPasswordLinkHours).toBe(72);
    expect(d.mail).toBeNull();
    expect(d.rateLimits.setPasswordPerMinute).toBe(10);
    const c = loadConfig({
      PUBLIC_ORIGIN: 'https://clinic.example',
      SET_PASSWORD_LINK_HOURS: '24',
      SMTP_URL: 'smtps://u:p@mail.example:465',
    });
    expect(c.setPasswordLinkHours).toBe(24);
    expect(c.mail).toEqual({
      url: 'smtps://u:p@mail.example:465',
      from: 'carecall <no-reply@clinic.example>',
    });
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/SMTP_URL: must be an smtp/);
    expect(() => loadConfig({ SET_PASSWORD_LINK_HOURS: '0' })).toThrow(/SET_PASSWORD_LINK_HOURS/);
  });

  it('keeps the WebSocket upgrade limit at 60 a minute per IP unless raised explicitly (benchmarks)', () => {
    expect(loadConfig({}).rateLimits.wsUpgradesPerMinute).toBe(60);
    expect(loadConfig({ RATE_LIMIT_WS_UPGRADES_PER_MINUTE: '100000' }).rateLimits.wsUpgradesPerMinute).toBe(
      100_000,
    );
    expect(() => loadConfig({ RATE_LIMIT_WS_UPGRADES_PER_MINUTE: '0' })).toThrow(
      /RATE_LIMIT_WS_UPGRADES_PER_MINUTE/,
    );
  });

  it('refuses TURN without credentials and half-set pairs', () => {
    expect(() => loadConfig({ WEBRTC_TURN_URL: 'turn:t.example.org' })).toThrow(
      /WEBRTC_TURN_URL: needs WEBRTC_TURN_SECRET/,
    );
    expect(() => loadConfig({ TLS_CERT_FILE: '/x' })).toThrow(/TLS_CERT_FILE and TLS_KEY_FILE go together/);
    expect(() => loadConfig({ WEBRTC_TURN_USERNAME: 'u' })).toThrow(/go together/);
    expect(() => loadConfig({ WEBRTC_STUN_URLS: 'http://x' })).toThrow(/stun:/);
  });

  it('reads the recording settings: withdrawal discards by default, 4096 MB per recording, no key', () => {
    const c = loadConfig({});
    expect(c.recordingOnWithdraw).toBe('discard');
    expect(c.recordingMaxBytes).toBe(4096 * 1024 * 1024);
    expect(c.recordingsKey).toBeNull();
    const d = loadConfig({
      RECORDING_ON_WITHDRAW: 'keep',
      RECORDING_MAX_MB: '10',
      RECORDINGS_KEY_FILE: '/etc/k',
    });
    expect(d.recordingOnWithdraw).toBe('keep');
    expect(d.recordingMaxBytes).toBe(10 * 1024 * 1024);
    expect(d.recordingsKey).toEqual({ kind: 'file', path: '/etc/k' });
    expect(loadConfig({ RECORDINGS_KEY: 'abc' }).recordingsKey).toEqual({ kind: 'inline', value: 'abc' });
  });

  it('refuses a bad withdrawal rule; of two keys the file wins', () => {
    expect(() => loadConfig({ RECORDING_ON_WITHDRAW: 'shred' })).toThrow(/RECORDING_ON_WITHDRAW/);
    expect(loadConfig({ RECORDINGS_KEY: 'k', RECORDINGS_KEY_FILE: '/etc/k' }).recordingsKey).toEqual({
      kind: 'file',
      path: '/etc/k',
    });
  });

  it('a node that would let hospitals record refuses to start without a key, except in demo mode', () => {
    const allowed = loadConfig({ RECORDING_ALLOWED: 'true' });
    expect(recordingKeyProblem(allowed, false)).toMatch(/RECORDINGS_KEY/);
    expect(recordingKeyProblem(allowed, true)).toBeNull();
    expect(recordingKeyProblem(loadConfig({}), false)).toBeNull();
    expect(
      recordingKeyProblem(loadConfig({ RECORDING_ALLOWED: 'true', RECORDINGS_KEY: 'k' }), false),
    ).toBeNull();
  });
});

describe('configuration: /metrics', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('is off unless a token or a port is set', () => {
    expect(loadConfig({}).metrics).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'a-token-of-16-chars-or-more' }).metrics).toEqual({
      token: { kind: 'inline', value: 'a-token-of-16-chars-or-more' },
      listener: null,
    });
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics).toEqual({
      token: null,
      listener: { port: 9464, host: '127.0.0.1' },
    });
    expect(
      loadConfig({
        METRICS_PORT: '9464',
        METRICS_HOST: '0.0.0.0',
        METRICS_TOKEN_FILE: '/etc/carecall/metrics',
      }).metrics,
    ).toEqual({
      token: { kind: 'file', path: '/etc/carecall/metrics' },
      listener: { port: 9464, host: '0.0.0.0' },
    });
  });

  it('refuses a listener other machines reach without a token, a host without a port, a short token, the main port', () => {
    expect(problems({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toEqual([
      expect.stringMatching(
        /^METRICS_HOST: serving \/metrics on an address other machines reach needs METRICS_TOKEN/,
      ),
    ]);
    expect(problems({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' })).toHaveLength(1);
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect(problems({ METRICS_PORT: '9464', METRICS_HOST: host })).toEqual([]);
    }
    expect(problems({ METRICS_HOST: '127.0.0.1' })).toEqual([
      'METRICS_HOST: needs METRICS_PORT (the port to listen on)',
    ]);
    expect(problems({ METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN: must be at least 16 characters']);
    expect(problems({ PORT: '9000', METRICS_PORT: '9000' })).toEqual(['METRICS_PORT: must differ from PORT']);
    expect(problems({ METRICS_PORT: '70000' })).toHaveLength(1);
  });
});
