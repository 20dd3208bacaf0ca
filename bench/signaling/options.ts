import { parseOptions } from '../lib/args.js';
import { ENTRY_OPTION, LOAD_GENERATOR_OPTIONS, RESULTS_NAME_OPTION } from '../lib/node-options.js';

/** The command line of `npm run bench:signaling`; each option also reads the BENCH_* variable named. */
export function signalingOptions() {
  const values = parseOptions({
    name: 'bench:signaling',
    usage: 'npm run bench:signaling -- [options]',
    options: {
      nodes: {
        type: 'number',
        default: 1,
        choices: [1, 2],
        env: 'BENCH_NODES',
        help:
          '1: one node, in-process bus, SQLite. 2: two nodes on Redis and PostgreSQL,\n' +
          'doctors on node A and patients on node B, so every relay crosses Redis.',
      },
      steps: {
        type: 'numbers',
        default: [100, 500, 1000, 2000, 5000],
        min: 0,
        env: 'BENCH_STEPS',
        help: 'calls per step',
      },
      ramp: {
        type: 'number',
        default: 25,
        min: 0,
        env: 'BENCH_RAMP_S',
        value: 'S',
        help: 'arrivals spread over S seconds per step; 0 = as fast as --max-in-flight allows',
      },
      steady: {
        type: 'number',
        default: 30,
        min: 0,
        env: 'BENCH_STEADY_S',
        value: 'S',
        help: 'seconds of steady traffic after the ramp',
      },
      ...LOAD_GENERATOR_OPTIONS,
      'join-timeout': {
        type: 'number',
        default: 30,
        min: 0,
        env: 'BENCH_JOIN_TIMEOUT_S',
        value: 'S',
        help: 'a socket not joined this long after it started counts as failed',
      },
      redis: {
        type: 'string',
        default: 'local',
        env: 'BENCH_REDIS',
        value: 'local|URL',
        help: 'two nodes: a redis-server of its own on a free port, or this URL',
      },
      postgres: {
        type: 'string',
        default: 'postgres://postgres@127.0.0.1:5432/test',
        env: ['BENCH_POSTGRES', 'DATABASE_URL_TEST'],
        value: 'URL',
        help: 'two nodes: PostgreSQL base URL; a fresh schema is made and dropped',
      },
      entry: ENTRY_OPTION,
      'cpu-prof': { type: 'boolean', help: 'run the nodes with --cpu-prof and print where their CPU went' },
      metrics: {
        type: 'boolean',
        help: 'serve /metrics (a METRICS_TOKEN of its own), so the process and event-loop metrics run too',
      },
      'sql-stats': {
        type: 'boolean',
        help: "count and time the nodes' SQLite statements (one node) and print the costliest",
      },
      name: { ...RESULTS_NAME_OPTION, defaultText: 'signaling-<nodes>node' },
    },
  });
  return {
    nodes: values.nodes,
    steps: values.steps,
    rampMs: values.ramp * 1000,
    steadyMs: values.steady * 1000,
    workers: Math.max(1, values.workers),
    maxInFlight: Math.max(1, values['max-in-flight']),
    joinTimeoutMs: values['join-timeout'] * 1000,
    redis: values.redis,
    postgres: values.postgres,
    entry: values.entry,
    cpuProf: values['cpu-prof'],
    sqlStats: values['sql-stats'],
    metrics: values.metrics,
    name: values.name ?? `signaling-${values.nodes}node`,
  };
}

export type SignalingOptions = ReturnType<typeof signalingOptions>;
