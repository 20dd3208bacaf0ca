import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ZodError } from 'zod';
import { CLOSE_CODES } from '../protocol/close-codes.js';
import { MAX_FRAME_BYTES } from '../protocol/messages.js';
import type { Principal } from './access/principal.js';
import { accountRoutes } from './accounts/account-routes.js';
import { peopleRoutes } from './accounts/people-routes.js';
import { linkSettings, PeopleService } from './accounts/people-service.js';
import { RevocationService } from './accounts/revocation-service.js';
import { AnalyticsRepo } from './analytics/analytics-repo.js';
import { analyticsRoutes } from './analytics/analytics-routes.js';
import { AnalyticsService } from './analytics/analytics-service.js';
import { appointmentAdminRoutes } from './appointments/appointment-admin-routes.js';
import { AppointmentImport } from './appointments/appointment-import.js';
import { appointmentRoutes } from './appointments/appointment-routes.js';
import { AppointmentService } from './appointments/appointment-service.js';
import { auditRoutes } from './audit/audit-routes.js';
import { isAuditedRefusal, recordRefusal } from './audit/audit-service.js';
import type { Bus } from './bus/bus.js';
import { CallGrantsService } from './calls/call-grants-service.js';
import { callRoutes } from './calls/call-routes.js';
import { CallService } from './calls/call-service.js';
import { CallSweeper } from './calls/call-sweeper.js';
import { WaitingRoomService } from './calls/waiting-room-service.js';
import { chatRoutes } from './chat/chat-routes.js';
import { ChatService } from './chat/chat-service.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { DashboardService } from './dashboard/dashboard-service.js';
import type { Db } from './db/database.js';
import { AppError, errorBody } from './errors.js';
import { originAllowed } from './http/auth.js';
import { capConnections, httpTimeouts } from './http/connection-limits.js';
import { loggerOptions } from './http/logging.js';
import { openApiRoute, registerOpenApi, schemaValidationMessage } from './http/openapi.js';
import { pageRoutes } from './http/pages.js';
import { findPrincipal } from './http/principal.js';
import { appointmentIdOf, hospitalIdOf } from './http/refusals.js';
import { type Mailer, smtpMailer } from './mail/mailer.js';
import { loadMetricsToken, MetricsListener } from './metrics/metrics-exposure.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import { NodeMetrics, queryKind } from './metrics/node-metrics.js';
import { policyRoutes } from './policy/policy-routes.js';
import { PolicyService } from './policy/policy-service.js';
import { qualityRoutes } from './quality/quality-routes.js';
import { Broadcaster } from './realtime/broadcaster.js';
import { FileRecordingVault } from './recordings/file-vault.js';
import { loadRecordingsKey } from './recordings/recording-crypto.js';
import { recordingRoutes } from './recordings/recording-routes.js';
import { RecordingService } from './recordings/recording-service.js';
import type { RecordingVault } from './recordings/vault.js';
import { signalFallbackRoutes } from './signaling/fallback-routes.js';
import { type HubLimits, SignalingHub } from './signaling/hub.js';
import { attachWebSocket } from './signaling/ws-transport.js';
import { createStore } from './store.js';

declare module 'fastify' {
  interface FastifyRequest {
    carecallPrincipal: Principal | null;
  }
}

export interface AppDeps {
  db: Db;
  bus: Bus;
  clock?: Clock;
  hubLimits?: Partial<HubLimits>;
  /** Where the built client lives; tests that need no pages may point anywhere. */
  clientDir?: string;
  logger?: FastifyServerOptions['logger'];
  /** How often this node sweeps for calls to warn about or end (tests run sweeps themselves). */
  sweepIntervalMs?: number;
  /** Replaces the SMTP mailer built from the configuration. */
  mailer?: Mailer;
  /** Replaces the vault built from the configuration (null: this node records nothing). */
  vault?: RecordingVault | null;
  /** Told of every route as it is added (the API document's test lists them). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

const BODY_LIMIT = 64 * 1024;
const APP_VERSION = '0.1.0';

/**
 * The allowed origins as WebSocket sources for CSP `connect-src`. The page's own origin is `'self'`,
 * which covers its ws:/wss: too; an IPv6 literal (`[::1]`) is no valid CSP source, and browsers report
 * an error for the whole directive on every page that carries one.
 */
function webSocketSources(origins: readonly string[]): string[] {
  return origins.filter((o) => !new URL(o).hostname.startsWith('[')).map((o) => o.replace(/^http/, 'ws'));
}
// Compiled: dist/node/server/app.js → dist/client. From source (tsx, tests): src/server → dist/client.
const defaultClientDir = fileURLToPath(
  new URL(import.meta.url.includes('/dist/node/') ? '../../client/' : '../../dist/client/', import.meta.url),
);

/**
 * The vault over RECORDINGS_DIR with the operator's key, or null without a key (nothing is recorded).
 * A key that cannot be read or parsed stops the start: the message names the variable, never the key.
 */
function fileVault(config: Config, log: FastifyBaseLogger): RecordingVault | null {
  const source = config.recordingsKey;
  if (!source) return null;
  const loaded = loadRecordingsKey(source.kind === 'file' ? { keyFile: source.path } : { key: source.value });
  if (!loaded) return null;
  if (loaded.fileReadableByOthers) {
    log.warn(
      'RECORDINGS_KEY_FILE can be read by other users: make it readable by this user only (chmod 600)',
    );
  }
  return new FileRecordingVault({
    dir: config.recordingsDir,
    operatorKey: loaded.key,
    maxBytesPerRecording: config.recordingMaxBytes,
  });
}

/** Builds the whole server from a validated configuration and the resources it runs on. */
export async function buildApp(
  config: Config,
  deps: AppDeps,
): Promise<{ app: FastifyInstance; ctx: AppContext }> {
  const clock = deps.clock ?? systemClock;
  const timeouts = httpTimeouts(config);
  const app = Fastify({
    logger: loggerOptions(config, deps.logger),
    bodyLimit: BODY_LIMIT,
    trustProxy: config.trustProxy,
    ...timeouts.fastify,
    http: timeouts.node,
    ...(config.tls
      ? {
          https: {
            cert: readFileSync(config.tls.certFile),
            key: readFileSync(config.tls.keyFile),
            ...timeouts.node,
          },
        }
      : {}),
  }) as unknown as FastifyInstance;

  // Always counted (a few increments per message); served only as config.metrics says.
  const metricsToken = config.metrics ? loadMetricsToken(config.metrics) : null;
  const metrics = new NodeMetrics((err) => app.log.warn({ err }, 'a metric could not be read'));
  if (config.metrics) metrics.collectDefaults();
  const stopObservingQueries = deps.db.observeQueries((kind, ms) => metrics.query(queryKind(kind), ms));
  const onRoute = deps.onRoute;
  if (onRoute) app.addHook('onRoute', (route) => onRoute(route));
  capConnections(app.server, config);
  const store = createStore(deps.db, clock);
  const broadcaster = new Broadcaster(deps.bus);
  const maxDurationMs = config.maxCallMinutes * 60_000;
  const idleTimeoutMs = config.idleTimeoutMinutes * 60_000;
  const vault = deps.vault !== undefined ? deps.vault : fileVault(config, app.log);
  const policy = new PolicyService(store, config, clock, vault !== null);
  const recordings = new RecordingService({ store, clock, broadcaster, policy, vault, log: app.log });
  const calls = new CallService(
    store,
    clock,
    broadcaster,
    { maxDurationMs, idleTimeoutMs, linkTtlMs: config.tokenExpiryHours * 3_600_000 },
    policy,
  );
  calls.onSessionEnded = (callSessionId) =>
    recordings
      .callEnded(callSessionId)
      .catch((err: unknown) => app.log.error({ err }, 'could not stop the recordings of an ended call'));
  const callGrants = new CallGrantsService(store, clock, calls);
  const waitingRoom = new WaitingRoomService({
    store,
    bus: deps.bus,
    broadcaster,
    clock,
    policy,
  });
  const chat = new ChatService(store.chat, broadcaster);
  const hub = new SignalingHub({
    store,
    bus: deps.bus,
    broadcaster,
    calls,
    callGrants,
    chat,
    waitingRoom,
    recordings,
    clock,
    log: app.log,
    metrics,
    limits: {
      maxConnectionsPerUser: config.signaling.maxConnectionsPerUser,
      maxConnectionsPerCallCookie: config.signaling.maxConnectionsPerCallCookie,
      ...deps.hubLimits,
    },
  });
  const sweeper = new CallSweeper(
    { store, bus: deps.bus, calls, waitingRoom, broadcaster, recordings, clock, log: app.log },
    {
      intervalMs: deps.sweepIntervalMs ?? 5_000,
      maxDurationMs,
      warnBeforeMs: 5 * 60_000,
      idleTimeoutMs,
    },
  );
  const revocation = new RevocationService(store, broadcaster, clock);
  const mailer: Mailer | null = deps.mailer ?? (config.mail ? smtpMailer(config.mail) : null);
  const people = new PeopleService({
    store,
    clock,
    revocation,
    mailer,
    ...linkSettings(config),
    log: app.log,
  });
  const ctx: AppContext = {
    config,
    store,
    bus: deps.bus,
    clock,
    calls,
    callGrants,
    waitingRoom,
    chat,
    hub,
    sweeper,
    revocation,
    people,
    policy,
    appointments: new AppointmentService(store, clock, broadcaster),
    appointmentImport: new AppointmentImport(store, clock, broadcaster),
    dashboard: new DashboardService({ store, calls, waitingRoom, clock }),
    recordings,
    analytics: new AnalyticsService({ repo: new AnalyticsRepo(store.db.kysely), clock }),
    metrics,
    metricsListener: config.metrics?.listener
      ? new MetricsListener(metrics, metricsToken, config.metrics.listener, (err) =>
          app.log.error({ err }, 'metrics scrape failed'),
        )
      : null,
  };
  metrics.observe({ signaling: hub, countCalls: () => store.appointments.countLiveCalls() });

  app.setErrorHandler(async (err, req, reply) => {
    if (err instanceof AppError) {
      if (err.category === 'server') req.log.error({ err }, err.message);
      const action = req.routeOptions.config.audit;
      if (action && isAuditedRefusal(err)) {
        const principal = await findPrincipal(req, ctx).catch(() => null);
        await recordRefusal(store.audit, {
          actorId: principal?.user.id ?? null,
          action,
          appointmentId: appointmentIdOf(req),
          ...hospitalIdOf(req),
          err,
        }).catch((auditErr: unknown) => req.log.error({ err: auditErr }, 'could not audit a refusal'));
      }
      return reply.code(err.status).send(errorBody(err.code, err.message, err.details));
    }
    if (err instanceof ZodError) return reply.code(400).send(errorBody('validation_failed'));
    const shape = schemaValidationMessage(err);
    if (shape !== null) return reply.code(400).send(errorBody('validation_failed', shape));
    const e = err as { code?: string; statusCode?: number };
    switch (e.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send(errorBody('payload_too_large'));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send(errorBody('invalid_json'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply
          .code(e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400)
          .send(errorBody('bad_request', 'Send a JSON body with content-type application/json.'));
    }
    if (e.statusCode === 429) return reply.code(429).send(errorBody('rate_limited'));
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send(errorBody('bad_request'));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody('internal'));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody('not_found')));
  metricsRoutes(app, config, metrics, metricsToken);

  await registerOpenApi(app, APP_VERSION);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'", ...webSocketSources(config.allowedOrigins)],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // frame-ancestors 'none' says the same to browsers that read CSP; SAMEORIGIN would contradict it.
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header(
      'permissions-policy',
      'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
    );
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  await app.register(fastifyCookie);
  // With Redis the counters are shared, so a client cannot multiply its allowance by switching nodes.
  await app.register(fastifyRateLimit, {
    global: false,
    ...(deps.bus.rateLimitRedis ? { redis: deps.bus.rateLimitRedis, nameSpace: 'carecall:rl:' } : {}),
  });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false },
    // A frame over the limit, bad UTF-8 or a reset is the client's doing: noted, not an error with a stack.
    errorHandler: (err, socket, req) => {
      req.log.info(
        { code: (err as { code?: string }).code ?? 'unknown' },
        'websocket closed on a client error',
      );
      socket.terminate();
    },
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await Promise.all([deps.db.ping(), deps.bus.ping()]);
      return { status: 'ready', database: deps.db.kind, bus: deps.bus.kind };
    } catch (err) {
      app.log.warn({ err }, 'not ready');
      return reply.code(503).send(errorBody('unavailable'));
    }
  });

  app.decorateRequest('carecallPrincipal', null);
  app.get(
    '/ws',
    {
      websocket: true,
      config: { rateLimit: { max: config.rateLimits.wsUpgradesPerMinute, timeWindow: '1 minute' } },
      preValidation: async (req, reply) => {
        if (!originAllowed(req, config)) {
          return reply.code(403).send(errorBody('origin_not_allowed'));
        }
        const principal = await findPrincipal(req, ctx);
        if (!principal) return reply.code(401).send(errorBody('unauthenticated'));
        const refusal = await hub.refusal(principal);
        if (refusal) return reply.code(429).send(errorBody(refusal));
        req.carecallPrincipal = principal;
        return undefined;
      },
    },
    (socket, req) => {
      if (req.carecallPrincipal) attachWebSocket(hub, socket, req.socket, req.carecallPrincipal);
      else socket.close(CLOSE_CODES.unauthenticated, 'unauthenticated');
    },
  );

  await accountRoutes(app, ctx);
  await peopleRoutes(app, ctx);
  await appointmentRoutes(app, ctx);
  await appointmentAdminRoutes(app, ctx);
  await chatRoutes(app, ctx);
  await policyRoutes(app, ctx);
  await dashboardRoutes(app, ctx);
  await analyticsRoutes(app, ctx);
  await auditRoutes(app, ctx);
  await callRoutes(app, ctx);
  await recordingRoutes(app, ctx);
  await qualityRoutes(app, ctx);
  await signalFallbackRoutes(app, ctx);
  openApiRoute(app);
  await pageRoutes(app, ctx, deps.clientDir ?? defaultClientDir);

  sweeper.start();
  app.addHook('onClose', async () => {
    await sweeper.stop();
    await hub.close();
    mailer?.close();
    await ctx.metricsListener?.close();
    stopObservingQueries();
    metrics.close();
  });
  return { app, ctx };
}
