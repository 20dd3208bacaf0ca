import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { CALL_STATUSES, type CallStatus } from '../../protocol/call-status.js';
import { ERRORS, type ErrorCode } from '../../protocol/errors.js';
import { RELAYED_TYPES } from '../../protocol/messages.js';
import { HotCounter, HotHistogram } from './hot-metrics.js';

/**
 * One node's Prometheus metrics (docs/operations.md, "Monitoring"). Each node has its own registry, never
 * prom-client's global one, so two nodes in one process (the tests) keep their figures apart.
 *
 * Label values come from closed sets only (error codes, message types, route patterns, query kinds):
 * never an id, a user or a path with an id in it, so the number of series stays fixed.
 */

/** The client messages passed on to the other party (chat too, through the appointment's channel). */
export const COUNTED_RELAYS = [...RELAYED_TYPES, 'chat'] as const;
export type CountedRelay = (typeof COUNTED_RELAYS)[number];

export type TransportKind = 'websocket' | 'long_poll';
export type ErrorTransport = 'http' | 'ws';
export type QueryKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

/** The call states a call is counted in while it lasts; ended and never-started calls are history. */
const LIVE_CALL_STATES = CALL_STATUSES.filter((s) => s === 'waiting' || s === 'in_progress');

/** What the hub tells the metrics when they are scraped (this node's view, counted then). */
export interface SignalingGauges {
  connectionsByTransport(): Record<TransportKind, number>;
  /** Rooms with at least one member connected to this node. */
  readonly roomCount: number;
}

/** How many calls are in each live state, across the cluster (read from the database at scrape time). */
export type CallCounter = () => Promise<Partial<Record<CallStatus, number>>>;

/** What the signaling stack reports: per message, so everything it calls is a cached child. */
export interface SignalingMetrics {
  relayed(type: CountedRelay): void;
  /** From the client's frame received to the message handed to the other party's socket. */
  relayDelivered(ms: number): void;
  /** From a bus publish to its delivery on this node. */
  busDelivered(ms: number): void;
  error(transport: ErrorTransport, code: string): void;
}

/** Latencies of a message through the node and the bus: from a fraction of a millisecond to seconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const QUERY_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

const OTHER = 'other';
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(ERRORS));
const ERROR_TRANSPORTS: readonly ErrorTransport[] = ['http', 'ws'];
const ERROR_LABELS: ReadonlyArray<ErrorCode | 'other'> = [...(Object.keys(ERRORS) as ErrorCode[]), OTHER];
const QUERY_KIND_LIST: readonly QueryKind[] = ['select', 'insert', 'update', 'delete', 'other'];

/** An error code as a label: one of ERRORS, or `other`, so a stray value never adds a series. */
export function errorLabel(code: string): ErrorCode | 'other' {
  return KNOWN_CODES.has(code) ? (code as ErrorCode) : OTHER;
}

const QUERY_KINDS: ReadonlyMap<string, QueryKind> = new Map([
  ['SelectQueryNode', 'select'],
  ['InsertQueryNode', 'insert'],
  ['UpdateQueryNode', 'update'],
  ['DeleteQueryNode', 'delete'],
]);

/** The kind of a Kysely query node (`SelectQueryNode`…); raw SQL and anything else is `other`. */
export function queryKind(nodeKind: string): QueryKind {
  return QUERY_KINDS.get(nodeKind) ?? OTHER;
}

/** An HTTP status as a label: the exact code (a closed set in practice), or `other` outside 100–599. */
function statusLabel(status: number): string {
  return status >= 100 && status <= 599 ? String(status) : OTHER;
}

export class NodeMetrics implements SignalingMetrics {
  readonly registry = new Registry();
  private readonly relayedCounter: HotCounter;
  private readonly relayIndex: Record<CountedRelay, number>;
  private readonly relayLatency: HotHistogram;
  private readonly busLatency: HotHistogram;
  private readonly errors: HotCounter;
  /** `transport:code` to its series in `errors`. */
  private readonly errorIndex = new Map<string, number>();
  private readonly queries: HotHistogram;
  private readonly queryIndex: Record<QueryKind, number>;
  private readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  private signaling: SignalingGauges | null = null;
  private countCalls: CallCounter | null = null;
  private defaultsOn = false;

  constructor(
    /** Told when a scrape could not read something (the calls' count); the scrape still answers. */
    private readonly onCollectError: (err: unknown) => void = () => {},
  ) {
    const registry = this.registry;
    const registers = [registry];
    this.relayedCounter = new HotCounter(
      registry,
      'carecall_signaling_messages_relayed_total',
      'Client messages this node relayed to the other party of a call, by message type.',
      COUNTED_RELAYS.map((type) => ({ type })),
    );
    this.relayIndex = Object.fromEntries(COUNTED_RELAYS.map((t, i) => [t, i])) as Record<
      CountedRelay,
      number
    >;
    this.relayLatency = new HotHistogram(
      registry,
      'carecall_signaling_relay_latency_seconds',
      "From a client's signaling message received (on any node) to its delivery to the other party's socket on this node.",
      LATENCY_BUCKETS,
    );
    this.busLatency = new HotHistogram(
      registry,
      'carecall_bus_delivery_latency_seconds',
      'From a message published on the bus (by any node) to its delivery to this node.',
      LATENCY_BUCKETS,
    );
    const errorSeries: Array<{ transport: string; code: string }> = [];
    for (const transport of ERROR_TRANSPORTS) {
      for (const code of ERROR_LABELS) {
        this.errorIndex.set(`${transport}:${code}`, errorSeries.length);
        errorSeries.push({ transport, code });
      }
    }
    this.errors = new HotCounter(
      registry,
      'carecall_errors_total',
      'Error replies sent, by transport (http, ws) and error code.',
      errorSeries,
      true,
    );
    this.queries = new HotHistogram(
      registry,
      'carecall_db_query_duration_seconds',
      'Database query time as this node saw it, by kind of statement.',
      QUERY_BUCKETS,
      QUERY_KIND_LIST.map((kind) => ({ kind })),
    );
    this.queryIndex = Object.fromEntries(QUERY_KIND_LIST.map((k, i) => [k, i])) as Record<QueryKind, number>;
    this.httpRequests = new Counter({
      name: 'carecall_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'carecall_signaling_connections',
      help: 'Signaling connections open on this node, by transport (websocket, long_poll fallback).',
      labelNames: ['transport'] as const,
      registers,
      collect() {
        const byTransport = metrics.signaling?.connectionsByTransport();
        this.set({ transport: 'websocket' }, byTransport?.websocket ?? 0);
        this.set({ transport: 'long_poll' }, byTransport?.long_poll ?? 0);
      },
    });
    new Gauge({
      name: 'carecall_signaling_rooms',
      help: 'Call rooms with at least one party connected to this node.',
      registers,
      collect() {
        this.set(metrics.signaling?.roomCount ?? 0);
      },
    });
    new Gauge({
      name: 'carecall_calls',
      help: 'Calls in each live state across the whole cluster (from the database; every node reports the same).',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const count = metrics.countCalls;
        if (!count) return;
        try {
          const counts = await count();
          for (const state of LIVE_CALL_STATES) this.set({ state }, counts[state] ?? 0);
        } catch (err) {
          // The series go away for this scrape rather than repeat a stale figure.
          this.reset();
          metrics.onCollectError(err);
        }
      },
    });
  }

  /**
   * Process metrics (CPU, memory, handles, GC) and the event-loop delay, sampled by prom-client's monitor.
   * Only for a node whose metrics are served: the monitor's timer wakes the process every 10 ms.
   */
  collectDefaults(): void {
    if (this.defaultsOn) return;
    this.defaultsOn = true;
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  /** The hub and the database, read at each scrape. */
  observe(sources: { signaling: SignalingGauges; countCalls: CallCounter }): void {
    this.signaling = sources.signaling;
    this.countCalls = sources.countCalls;
  }

  relayed(type: CountedRelay): void {
    this.relayedCounter.inc(this.relayIndex[type]);
  }

  relayDelivered(ms: number): void {
    this.relayLatency.observe(0, ms > 0 ? ms / 1000 : 0);
  }

  busDelivered(ms: number): void {
    this.busLatency.observe(0, ms > 0 ? ms / 1000 : 0);
  }

  error(transport: ErrorTransport, code: string): void {
    const series =
      this.errorIndex.get(`${transport}:${errorLabel(code)}`) ??
      (this.errorIndex.get(`${transport}:${OTHER}`) as number);
    this.errors.inc(series);
  }

  query(kind: QueryKind, ms: number): void {
    this.queries.observe(this.queryIndex[kind], ms / 1000);
  }

  /** `route` is the route's pattern (`/api/appointments/:id`), or `unmatched`; never the path itself. */
  httpRequest(route: string, method: string, status: number): void {
    this.httpRequests.labels(route, method, statusLabel(status)).inc();
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.registry.clear();
  }
}
