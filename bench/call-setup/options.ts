import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithUsageError, parseOptions } from '../lib/args.js';
import type { SenderExperiment } from '../lib/call-probe.js';

/** This working tree: its dist/ is the app the bench runs unless --dist names another. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const NAME = 'bench:call-setup';

export interface Options {
  runs: number;
  warmup: number;
  settleMs: number;
  watchMs: number;
  tune: SenderExperiment | null;
  tuneText: string | null;
  build: string;
  /** Where the built app (dist/) to run lives. */
  appRoot: string;
  merge: string[];
  label: string | null;
}

function parseTune(text: string): SenderExperiment {
  const tune: SenderExperiment = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [key, value = ''] = part.split('=');
    switch (key) {
      case 'degradation':
        if (!['maintain-resolution', 'maintain-framerate', 'balanced'].includes(value)) {
          throw new Error(`degradation must be maintain-resolution, maintain-framerate or balanced`);
        }
        tune.degradationPreference = value as RTCDegradationPreference;
        break;
      case 'max-bitrate':
        tune.maxBitrate = Number(value);
        break;
      case 'start-kbps':
        tune.startBitrateKbps = Number(value);
        break;
      case 'min-kbps':
        tune.minBitrateKbps = Number(value);
        break;
      case 'hint':
        tune.contentHint = value;
        break;
      default:
        throw new Error(`unknown --tune key "${key}"`);
    }
  }
  for (const [key, value] of Object.entries(tune)) {
    if (typeof value === 'number' && !(value > 0)) throw new Error(`--tune ${key} must be a positive number`);
  }
  return tune;
}

export function callSetupOptions(argv: readonly string[]): Options {
  const values = parseOptions(
    {
      name: NAME,
      usage: 'npm run bench:call-setup -- [options]',
      options: {
        runs: { type: 'number', default: 10, integer: true, min: 1, help: 'measured repetitions' },
        warmup: {
          type: 'number',
          default: 1,
          integer: true,
          min: 0,
          help: "unmeasured repetitions first: Chromium's first call pays one-off costs",
        },
        settle: {
          type: 'number',
          default: 1000,
          integer: true,
          min: 0,
          value: 'MS',
          help: 'pause after the doctor is waiting, before the patient clicks Join',
        },
        watch: {
          type: 'number',
          default: 30_000,
          integer: true,
          min: 1,
          value: 'MS',
          help: 'how long after the click to wait for 1280x720 on both sides',
        },
        tune: {
          type: 'string',
          value: 'LIST',
          help:
            'bench-only sender experiment applied in the page, e.g.\n' +
            'degradation=maintain-resolution,max-bitrate=2500000,start-kbps=1500,min-kbps=600,hint=detail',
        },
        build: {
          type: 'string',
          default: 'auto',
          choices: ['auto', 'always', 'never'],
          env: 'CARECALL_BENCH_BUILD',
          value: 'MODE',
          help: 'auto: npm run build when dist/ is older than src/; always; never',
        },
        label: {
          type: 'string',
          value: 'TEXT',
          help: 'a note stored with the results (e.g. "before HD tuning")',
        },
        merge: {
          type: 'string',
          value: 'A,B,…',
          help: 'no runs: one report over the runs of earlier result files (e.g. interleaved rounds)',
        },
        dist: {
          type: 'string',
          value: 'DIR',
          help:
            "run the app built in DIR/dist instead of this tree's (e.g. an older commit, for A/B);\n" +
            'DIR is not built by the bench',
        },
      },
    },
    argv,
  );
  let tune: SenderExperiment | null = null;
  try {
    tune = values.tune ? parseTune(values.tune) : null;
  } catch (error) {
    exitWithUsageError(NAME, error instanceof Error ? error.message : String(error));
  }
  return {
    runs: values.runs,
    warmup: values.warmup,
    settleMs: values.settle,
    watchMs: values.watch,
    tune,
    tuneText: values.tune ?? null,
    build: values.build,
    appRoot: values.dist ? resolve(values.dist) : ROOT,
    merge: values.merge ? values.merge.split(',').filter(Boolean) : [],
    label: values.label ?? null,
  };
}
