import type { NumberOption, OptionSpec, StringOption } from './args.js';

/** Options shared by the benchmarks that run real `carecall serve` nodes (bench/lib/nodes.ts). */

export const ENTRY_OPTION = {
  type: 'string',
  default: 'source',
  choices: ['source', 'built'],
  env: 'BENCH_ENTRY',
  help: 'run src/server/main.ts via tsx, or bin/carecall.js',
} as const satisfies StringOption;

/** The results file name; each benchmark adds its default. */
export const RESULTS_NAME_OPTION = {
  type: 'string',
  env: 'BENCH_NAME',
  value: 'NAME',
  help: 'results file name',
} as const satisfies StringOption;

/** The load generator's threads and pacing (bench/lib/load.ts). */
export const LOAD_GENERATOR_OPTIONS = {
  workers: {
    type: 'number',
    default: 2,
    min: 0,
    env: 'BENCH_WORKERS',
    help: 'load generator threads',
  } satisfies NumberOption,
  'max-in-flight': {
    type: 'number',
    default: 100,
    min: 0,
    env: 'BENCH_MAX_IN_FLIGHT',
    help: 'sockets connecting/joining at once per worker (when arrivals are not ramped)',
  } satisfies NumberOption,
} as const satisfies Record<string, OptionSpec>;
