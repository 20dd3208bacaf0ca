import { z } from 'zod';
import { POLL_TIMEOUT_MS } from '../protocol/messages.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

const positiveInt = (max: number) => z.coerce.number().int().positive().max(max);

const origin = z.url({ protocol: /^https?$/ }).transform((v, ctx) => {
  const u = new URL(v);
  if (u.pathname !== '/' || u.search || u.hash) {
    ctx.addIssue({ code: 'custom', message: 'must be an origin like https://care.example.org (no path)' });
  }
  return u.origin;
});

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres:// or sqlite:')
      .default('sqlite:./data/carecall.db'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    WEBRTC_STUN_URLS: list
      .pipe(z.array(z.string().regex(/^stuns?:/, 'each must start with stun: or stuns:')))
      .default([]),
    WEBRTC_TURN_URL: list
      .pipe(z.array(z.string().regex(/^turns?:/, 'each must start with turn: or turns:')))
      .default([]),
    WEBRTC_TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    WEBRTC_TURN_USERNAME: z.string().min(1).optional(),
    WEBRTC_TURN_PASSWORD: z.string().min(1).optional(),
    WEBRTC_ICE_TRANSPORT_POLICY: z.enum(['all', 'relay']).default('all'),
    VIDEO_CALL_TOKEN_EXPIRY_HOURS: positiveInt(24 * 30).default(24),
    VIDEO_CALL_MAX_DURATION_MINUTES: positiveInt(24 * 60).default(60),
    VIDEO_CALL_CHECK_IN_MINUTES: positiveInt(24 * 60).default(15),
    VIDEO_CALL_IDLE_TIMEOUT_MINUTES: positiveInt(24 * 60).default(10),
    RECORDING_ALLOWED: bool.default(false),
    RECORDING_PATIENT_ACCESS: bool.default(false),
    RECORDING_RETENTION_DAYS: positiveInt(3650).default(90),
    RECORDING_ON_WITHDRAW: z.enum(['keep', 'discard']).default('discard'),
    RECORDING_MAX_MB: positiveInt(1024 * 1024).default(4096),
    RECORDINGS_KEY: z.string().min(1).optional(),
    RECORDINGS_KEY_FILE: z.string().min(1).optional(),
    ADMIN_CHAT_ACCESS: bool.default(false),
    SESSION_TTL_HOURS: positiveInt(24 * 30).default(12),
    SIGNALING_RESUME_WINDOW_SECONDS: positiveInt(24 * 3600).default(600),
    PUBLIC_ORIGIN: origin.optional(),
    ALLOWED_ORIGINS: list.pipe(z.array(origin)).default([]),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    RECORDINGS_DIR: z.string().min(1).default('./data/recordings'),
    TRUST_PROXY: bool.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    RATE_LIMIT_WS_UPGRADES_PER_MINUTE: positiveInt(10_000_000).default(60),
    RATE_LIMIT_CHAT_PER_MINUTE: positiveInt(10_000_000).default(60),
    RATE_LIMIT_SIGN_IN_PER_MINUTE: positiveInt(10_000_000).default(10),
    RATE_LIMIT_SIGN_IN_PER_ADDRESS_PER_MINUTE: positiveInt(10_000_000).default(100),
    HTTP_REQUEST_TIMEOUT_SECONDS: positiveInt(3600).default(30),
    HTTP_HEADERS_TIMEOUT_SECONDS: positiveInt(3600).default(10),
    HTTP_IDLE_TIMEOUT_SECONDS: positiveInt(3600).default(60),
    HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: positiveInt(3600).default(10),
    MAX_CONNECTIONS: positiveInt(10_000_000).default(20_000),
    MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).max(10_000_000).optional(),
    MAX_SIGNALING_CONNECTIONS_PER_USER: positiveInt(10_000).default(20),
    MAX_SIGNALING_CONNECTIONS_PER_CALL_COOKIE: positiveInt(10_000).default(4),
    DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
    SET_PASSWORD_LINK_HOURS: positiveInt(24 * 30).default(72),
    RATE_LIMIT_SET_PASSWORD_PER_MINUTE: positiveInt(10_000_000).default(10),
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
    SMTP_FROM: z.string().min(3).max(320).optional(),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    METRICS_TOKEN_FILE: z.string().min(1).optional(),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    METRICS_HOST: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_KEY_FILE'],
        message: 'TLS_CERT_FILE and TLS_KEY_FILE go together',
      });
    }
    if (env.WEBRTC_TURN_URL.length > 0) {
      const staticCreds = Boolean(env.WEBRTC_TURN_USERNAME) && Boolean(env.WEBRTC_TURN_PASSWORD);
      if (!env.WEBRTC_TURN_SECRET && !staticCreds) {
        ctx.addIssue({
          code: 'custom',
          path: ['WEBRTC_TURN_URL'],
          message: 'needs WEBRTC_TURN_SECRET or both WEBRTC_TURN_USERNAME and WEBRTC_TURN_PASSWORD',
        });
      }
    }
    if (env.WEBRTC_ICE_TRANSPORT_POLICY === 'relay' && env.WEBRTC_TURN_URL.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBRTC_ICE_TRANSPORT_POLICY'],
        message: 'relay needs a TURN server (WEBRTC_TURN_URL): without one no call could connect',
      });
    }
    if (env.HTTP_HEADERS_TIMEOUT_SECONDS > env.HTTP_REQUEST_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_HEADERS_TIMEOUT_SECONDS'],
        message: 'must not be longer than HTTP_REQUEST_TIMEOUT_SECONDS (the request includes its headers)',
      });
    }
    if (env.HTTP_IDLE_TIMEOUT_SECONDS * 1000 <= POLL_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_IDLE_TIMEOUT_SECONDS'],
        message: `must be longer than the signaling fallback's ${POLL_TIMEOUT_MS / 1000} s long poll`,
      });
    }
    if (Boolean(env.WEBRTC_TURN_USERNAME) !== Boolean(env.WEBRTC_TURN_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBRTC_TURN_PASSWORD'],
        message: 'WEBRTC_TURN_USERNAME and WEBRTC_TURN_PASSWORD go together',
      });
    }
    metricsProblems(env, ctx);
  });

const LOOPBACK = /^(localhost|::1|\[::1\]|127(\.\d{1,3}){3})$/;

/** /metrics (docs/operations.md, "Monitoring"): a listener reachable from elsewhere needs the token. */
function metricsProblems(
  env: {
    METRICS_TOKEN?: string | undefined;
    METRICS_TOKEN_FILE?: string | undefined;
    METRICS_PORT?: number | undefined;
    METRICS_HOST?: string | undefined;
    PORT: number;
  },
  ctx: z.RefinementCtx,
): void {
  const token = Boolean(env.METRICS_TOKEN) || Boolean(env.METRICS_TOKEN_FILE);
  if (env.METRICS_HOST !== undefined && env.METRICS_PORT === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['METRICS_HOST'],
      message: 'needs METRICS_PORT (the port to listen on)',
    });
  }
  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: 'must differ from PORT' });
  }
  if (env.METRICS_HOST !== undefined && !LOOPBACK.test(env.METRICS_HOST) && !token) {
    ctx.addIssue({
      code: 'custom',
      path: ['METRICS_HOST'],
      message:
        'serving /metrics on an address other machines reach needs METRICS_TOKEN or METRICS_TOKEN_FILE (or a loopback METRICS_HOST such as 127.0.0.1)',
    });
  }
}

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };
  redisUrl: string | null;
  ice: {
    stunUrls: string[];
    turnUrls: string[];
    turnSecret: string | null;
    turnUsername: string | null;
    turnPassword: string | null;
    /** `relay`: browsers use only TURN candidates (media never goes directly between the parties). */
    transportPolicy: 'all' | 'relay';
  };
  tokenExpiryHours: number;
  maxCallMinutes: number;
  checkInMinutes: number;
  idleTimeoutMinutes: number;
  /** Defaults of the per-hospital policy (policy/policy-service.ts); a hospital's admin may change them. */
  recordingAllowed: boolean;
  patientsSeeRecordings: boolean;
  recordingRetentionDays: number;
  /** What a patient's withdrawal does to what was recorded (the hospital may choose otherwise). */
  recordingOnWithdraw: 'keep' | 'discard';
  /** The largest one recording may grow to, in bytes. */
  recordingMaxBytes: number;
  /**
   * The operator's key that wraps every recording's data key: given inline or as a file (never logged).
   * With neither, nothing can be recorded (the effective policy says so, S29).
   */
  recordingsKey: { kind: 'inline'; value: string } | { kind: 'file'; path: string } | null;
  adminsReadChat: boolean;
  sessionTtlHours: number;
  /** How long a room's messages are kept for a reconnecting client (S17): the bus's stream TTL. */
  resumeWindowMs: number;
  publicOrigin: string;
  allowedOrigins: string[];
  tls: { certFile: string; keyFile: string } | null;
  secureCookies: boolean;
  recordingsDir: string;
  trustProxy: boolean;
  logLevel: Env['LOG_LEVEL'];
  demoPassword: string | null;
  /** How long a one-time "set your password" link works. */
  setPasswordLinkHours: number;
  /** Where mail goes out (set-password links); null: links are only shown to the admin. */
  mail: { url: string; from: string } | null;
  /** Per client IP, or per user for chat (shared by every node when Redis is used). */
  rateLimits: {
    wsUpgradesPerMinute: number;
    chatPerMinute: number;
    /** Sign-in attempts for one email from one client address. */
    signInPerMinute: number;
    /** All sign-in attempts from one client address (a clinic's staff behind one NAT address). */
    signInPerAddressPerMinute: number;
    /** Set-password attempts from one client address. */
    setPasswordPerMinute: number;
  };
  /** What one client may hold of this node's sockets and time (docs/security.md, slow clients). */
  http: {
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    idleTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
    /** 0: no per-address cap (behind a reverse proxy every connection comes from the proxy). */
    maxConnectionsPerAddress: number;
  };
  /** WebSockets and fallback connections on one node, per user and per call cookie. */
  signaling: { maxConnectionsPerUser: number; maxConnectionsPerCallCookie: number };
  /** Prometheus metrics for the operators; off unless METRICS_TOKEN(_FILE) or METRICS_PORT is set. */
  metrics: MetricsConfig | null;
}

/**
 * Where and how `/metrics` is served (null: not at all). With a listener it is served there only; with a
 * token every request must carry it.
 */
export interface MetricsConfig {
  token: { kind: 'inline'; value: string } | { kind: 'file'; path: string } | null;
  listener: { port: number; host: string } | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment. Every problem is reported, one line each, so an operator fixes them in one go. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((k) => {
      const v = source[k];
      return v === undefined || v === '' ? [] : [[k, v]];
    }),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'environment'}: ${i.message}`),
    );
  }
  const env = parsed.data;
  const scheme = env.TLS_CERT_FILE ? 'https' : 'http';
  const publicOrigin = env.PUBLIC_ORIGIN ?? `${scheme}://localhost:${env.PORT}`;
  // Without a configured origin the app is being tried on this machine: accept every loopback spelling.
  const loopback = env.PUBLIC_ORIGIN
    ? []
    : ['127.0.0.1', '[::1]'].map((host) => `${scheme}://${host}:${env.PORT}`);
  const allowedOrigins = [...new Set([publicOrigin, ...loopback, ...env.ALLOWED_ORIGINS])];
  const database = env.DATABASE_URL.startsWith('sqlite:')
    ? { kind: 'sqlite' as const, file: env.DATABASE_URL.slice('sqlite:'.length) || './data/carecall.db' }
    : { kind: 'postgres' as const, url: env.DATABASE_URL };
  return {
    port: env.PORT,
    host: env.HOST,
    database,
    redisUrl: env.REDIS_URL ?? null,
    ice: {
      stunUrls: env.WEBRTC_STUN_URLS,
      turnUrls: env.WEBRTC_TURN_URL,
      turnSecret: env.WEBRTC_TURN_SECRET ?? null,
      turnUsername: env.WEBRTC_TURN_USERNAME ?? null,
      turnPassword: env.WEBRTC_TURN_PASSWORD ?? null,
      transportPolicy: env.WEBRTC_ICE_TRANSPORT_POLICY,
    },
    tokenExpiryHours: env.VIDEO_CALL_TOKEN_EXPIRY_HOURS,
    maxCallMinutes: env.VIDEO_CALL_MAX_DURATION_MINUTES,
    checkInMinutes: env.VIDEO_CALL_CHECK_IN_MINUTES,
    idleTimeoutMinutes: env.VIDEO_CALL_IDLE_TIMEOUT_MINUTES,
    recordingAllowed: env.RECORDING_ALLOWED,
    patientsSeeRecordings: env.RECORDING_PATIENT_ACCESS,
    recordingRetentionDays: env.RECORDING_RETENTION_DAYS,
    recordingOnWithdraw: env.RECORDING_ON_WITHDRAW,
    recordingMaxBytes: env.RECORDING_MAX_MB * 1024 * 1024,
    // The file wins when both are set (docs/recordings.md, "Encryption at rest").
    recordingsKey: env.RECORDINGS_KEY_FILE
      ? { kind: 'file', path: env.RECORDINGS_KEY_FILE }
      : env.RECORDINGS_KEY
        ? { kind: 'inline', value: env.RECORDINGS_KEY }
        : null,
    adminsReadChat: env.ADMIN_CHAT_ACCESS,
    sessionTtlHours: env.SESSION_TTL_HOURS,
    resumeWindowMs: env.SIGNALING_RESUME_WINDOW_SECONDS * 1000,
    publicOrigin,
    allowedOrigins,
    tls:
      env.TLS_CERT_FILE && env.TLS_KEY_FILE
        ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE }
        : null,
    secureCookies: publicOrigin.startsWith('https:'),
    recordingsDir: env.RECORDINGS_DIR,
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    demoPassword: env.DEMO_PASSWORD ?? null,
    setPasswordLinkHours: env.SET_PASSWORD_LINK_HOURS,
    mail: env.SMTP_URL
      ? { url: env.SMTP_URL, from: env.SMTP_FROM ?? `carecall <no-reply@${new URL(publicOrigin).hostname}>` }
      : null,
    rateLimits: {
      wsUpgradesPerMinute: env.RATE_LIMIT_WS_UPGRADES_PER_MINUTE,
      chatPerMinute: env.RATE_LIMIT_CHAT_PER_MINUTE,
      signInPerMinute: env.RATE_LIMIT_SIGN_IN_PER_MINUTE,
      signInPerAddressPerMinute: env.RATE_LIMIT_SIGN_IN_PER_ADDRESS_PER_MINUTE,
      setPasswordPerMinute: env.RATE_LIMIT_SET_PASSWORD_PER_MINUTE,
    },
    http: {
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      idleTimeoutMs: env.HTTP_IDLE_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      maxConnections: env.MAX_CONNECTIONS,
      maxConnectionsPerAddress: env.MAX_CONNECTIONS_PER_ADDRESS ?? (env.TRUST_PROXY ? 0 : 500),
    },
    signaling: {
      maxConnectionsPerUser: env.MAX_SIGNALING_CONNECTIONS_PER_USER,
      maxConnectionsPerCallCookie: env.MAX_SIGNALING_CONNECTIONS_PER_CALL_COOKIE,
    },
    metrics: metricsConfig(env),
  };
}

function metricsConfig(env: Env): MetricsConfig | null {
  // The file wins when both are set, as for the recordings key.
  const token: MetricsConfig['token'] = env.METRICS_TOKEN_FILE
    ? { kind: 'file', path: env.METRICS_TOKEN_FILE }
    : env.METRICS_TOKEN
      ? { kind: 'inline', value: env.METRICS_TOKEN }
      : null;
  const listener =
    env.METRICS_PORT === undefined ? null : { port: env.METRICS_PORT, host: env.METRICS_HOST ?? '127.0.0.1' };
  return token || listener ? { token, listener } : null;
}

/**
 * Why this node must not start as configured, for recording: RECORDING_ALLOWED=true promises recording to
 * every hospital, which needs the key that encrypts recordings. Demo mode makes its own key instead
 * (main.ts), so it is never refused here.
 */
export function recordingKeyProblem(config: Config, demo: boolean): string | null {
  if (demo || !config.recordingAllowed || config.recordingsKey !== null) return null;
  return 'RECORDING_ALLOWED: recording needs an encryption key: set RECORDINGS_KEY or RECORDINGS_KEY_FILE (or RECORDING_ALLOWED=false)';
}
