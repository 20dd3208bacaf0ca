/**
 * Idle capacity (issue 6, item 2): how many authenticated call connections one node (in-process bus,
 * SQLite) holds while they sit idle, and the server memory each costs. Sockets join their call rooms
 * as the call page does (subscribe + join), then only heartbeat (ping every 25 s, the server's WebSocket
 * pings, acks). The server runs with --inspect on loopback so every figure is taken after a full GC.
 */
import { readFileSync } from 'node:fs';
import { freePort } from '../test/support/processes.js';
import { exitWithUsageError, parseOptions } from './lib/args.js';
import { type HeapFigures, Inspector } from './lib/inspector.js';
import { type Distribution, distribution, fmtMs } from './lib/latency.js';
import { LoadGenerator } from './lib/load.js';
import { ENTRY_OPTION, LOAD_GENERATOR_OPTIONS, RESULTS_NAME_OPTION } from './lib/node-options.js';
import { BENCH_ORIGIN, cleanUpOnInterrupt, startBenchNodes } from './lib/nodes.js';
import { mib, now, readProc, sleep } from './lib/proc.js';
import { describeMachine, failureText, machineInfo, runBenchmark, writeResults } from './lib/results.js';
import { CallSeeder } from './lib/seed.js';
import { formatTable } from './lib/table.js';

const SOCKETS_PER_SOURCE_ADDRESS = 25_000;

function options() {
  const name = 'bench:idle';
  const values = parseOptions({
    name,
    usage: 'npm run bench:idle -- [options]',
    options: {
      counts: {
        type: 'numbers',
        default: [1000, 5000, 10000],
        env: 'BENCH_IDLE_COUNTS',
        help: 'sockets held at each step, cumulative',
      },
      settle: {
        type: 'number',
        default: 40,
        env: 'BENCH_IDLE_SETTLE_S',
        value: 'S',
        help: 'seconds idle before each measurement\n(a ping round, a server heartbeat and presence refreshes included)',
      },
      ...LOAD_GENERATOR_OPTIONS,
      entry: ENTRY_OPTION,
      name: { ...RESULTS_NAME_OPTION, default: 'idle' },
    },
    notes:
      'Above ~19,000 sockets raise the open-files limit first (ulimit -n); above ~28,000 the sockets are spread\n' +
      'over several loopback source addresses (127.0.0.1, 127.0.0.2, …) for enough ephemeral ports.',
  });
  const counts = values.counts.map((c) => 2 * Math.ceil(c / 2));
  if (counts.length === 0 || counts.some((c) => c <= 0))
    exitWithUsageError(name, '--counts must list positive numbers');
  return {
    counts: counts.sort((a, b) => a - b),
    settleMs: values.settle * 1000,
    workers: Math.max(1, values.workers),
    maxInFlight: Math.max(1, values['max-in-flight']),
    entry: values.entry,
    name: values.name,
  };
}

function openFilesLimit(): number {
  const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return Number(line?.[1] ?? 1024);
}

interface IdleStep {
  sockets: number;
  joined: number;
  failed: number;
  /** Opening and joining the sockets added at this step. */
  openMs: number;
  join: Distribution;
  errors: Record<string, number>;
  server: HeapFigures;
  serverRssProc: number | null;
  generatorRss: number | null;
  /** Growth over the baseline divided by the sockets held. */
  perSocket: { rss: number; heapUsed: number; external: number };
}

async function main(): Promise<void> {
  const o = options();
  const machine = machineInfo();
  const started = new Date();
  const limit = openFilesLimit();
  const counts = o.counts.filter((c) => c + 500 <= limit);
  if (counts.length < o.counts.length) {
    process.stdout.write(
      `open-files limit ${limit}: skipping ${o.counts.filter((c) => !counts.includes(c)).join(', ')} sockets (raise ulimit -n)\n`,
    );
  }
  process.stdout.write(
    `idle capacity: ${counts.join(', ')} sockets, settle ${o.settleMs / 1000} s\n` +
      `machine: ${describeMachine(machine)}\n`,
  );
  const inspectPort = await freePort();
  const cluster = await startBenchNodes({
    count: 1,
    postgresUrl: '',
    redis: '',
    entry: o.entry,
    nodeArgs: () => [`--inspect=127.0.0.1:${inspectPort}`],
  });
  const node = cluster.nodes[0];
  if (!node) throw new Error('no node');
  const inspector = await Inspector.connect(inspectPort);
  const generator = new LoadGenerator(o.workers);
  cleanUpOnInterrupt(async () => {
    inspector.close();
    await generator.terminate();
    await cluster.stop();
  });
  const seeder = new CallSeeder(cluster.store, { concurrency: 1 });
  const steps: IdleStep[] = [];
  let baseline: HeapFigures | null = null;
  let failure: unknown = null;
  /** Opens the calls [from, to) idle and waits until `expect` sockets in all have joined or failed. */
  const openCalls = async (from: number, to: number, expect: number) => {
    const calls = (await seeder.ensure(to)).slice(from);
    const sources = Math.max(1, Math.ceil(expect / SOCKETS_PER_SOURCE_ADDRESS));
    generator.open(calls, {
      t0: now(),
      rampMs: 0,
      maxInFlight: o.maxInFlight,
      doctorUrl: node.wsUrl,
      patientUrl: node.wsUrl,
      origin: BENCH_ORIGIN,
      mode: 'idle',
      joinTimeoutMs: 60_000,
      localAddresses: Array.from({ length: sources }, (_, i) => `127.0.0.${i + 1}`),
    });
    await generator.settled(expect, now() + 600_000);
  };
  try {
    // Warm-up: the first sockets load code paths and caches that every later socket shares.
    await openCalls(0, 50, 100);
    await generator.report(false, 0);
    await generator.close();
    await sleep(2_000);
    baseline = await inspector.settledMemory();
    process.stdout.write(
      `baseline after warm-up and GC: RSS ${mib(baseline.rss)}, heap ${mib(baseline.heapUsed)}\n`,
    );
    let held = 0;
    const warmUp = 50;
    for (const sockets of counts) {
      await seeder.ensure(warmUp + sockets / 2);
      const t = now();
      // The warm-up's calls are not reused: their rooms have history the new ones do not.
      await openCalls(warmUp + held / 2, warmUp + sockets / 2, sockets);
      const openMs = now() - t;
      held = sockets;
      await sleep(o.settleMs);
      const report = await generator.report(false, 0);
      const server = await inspector.settledMemory();
      const proc = readProc(node.pid);
      const gen = readProc(process.pid);
      const step: IdleStep = {
        sockets,
        joined: report.joined,
        failed: report.failed,
        openMs,
        join: distribution(report.joinMs),
        errors: report.errors,
        server,
        serverRssProc: proc?.rssBytes ?? null,
        generatorRss: gen?.rssBytes ?? null,
        perSocket: {
          rss: (server.rss - baseline.rss) / sockets,
          heapUsed: (server.heapUsed - baseline.heapUsed) / sockets,
          external:
            (server.external + server.arrayBuffers - baseline.external - baseline.arrayBuffers) / sockets,
        },
      };
      steps.push(step);
      process.stdout.write(
        `${sockets} sockets: ${report.joined} joined, ${report.failed} failed in ${(openMs / 1000).toFixed(1)} s; ` +
          `RSS ${mib(server.rss)} (${(step.perSocket.rss / 1024).toFixed(1)} KiB/socket), heap ${mib(server.heapUsed)} ` +
          `(${(step.perSocket.heapUsed / 1024).toFixed(1)} KiB/socket); errors ${JSON.stringify(report.errors)}\n`,
      );
      if (report.failed > 0) {
        process.stdout.write('sockets failed: stopping here\n');
        break;
      }
      if (!node.alive()) throw new Error(`the node died:\n${node.logs()}`);
    }
    await generator.close();
  } catch (err) {
    failure = err;
  } finally {
    inspector.close();
    await generator.terminate();
    await cluster.stop();
  }
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const table = formatTable(
    [
      'sockets held',
      'joined (failed)',
      'open + join',
      'join ms p50/p99',
      'server RSS',
      'heap used',
      'RSS / socket',
      'heap / socket',
      'external / socket',
    ],
    steps.map((s) => [
      String(s.sockets),
      `${s.joined} (${s.failed})`,
      `${(s.openMs / 1000).toFixed(1)} s`,
      `${fmtMs(s.join.p50)} / ${fmtMs(s.join.p99)}`,
      mib(s.server.rss),
      mib(s.server.heapUsed),
      kib(s.perSocket.rss),
      kib(s.perSocket.heapUsed),
      kib(s.perSocket.external),
    ]),
  );
  process.stdout.write(
    `\n1 node, in-process bus, SQLite, ${machine.cpus} cores, Node ${machine.node}, ${started.toISOString()}\n` +
      `baseline (after warm-up, GC): RSS ${baseline ? mib(baseline.rss) : '—'}, heap ${baseline ? mib(baseline.heapUsed) : '—'}\n${table}\n`,
  );
  const file = writeResults(o.name, {
    benchmark: 'idle',
    startedAt: started.toISOString(),
    machine,
    options: o,
    openFilesLimit: limit,
    baseline,
    steps,
    error: failureText(failure),
  });
  process.stdout.write(`results: ${file}\n`);
  if (failure) throw failure;
}

runBenchmark('bench:idle', main);
