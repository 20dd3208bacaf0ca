/**
 * Signaling load (issue 6, item 1): N simulated calls, each a doctor's and a patient's authenticated
 * WebSocket doing what the call page does, against real `carecall serve` processes. Ramps N and reports
 * per step: join time and latency, relayed messages per second, relay latency, errors by kind, server
 * RSS/CPU per node and the generator's CPU. `npm run bench:signaling -- --help` lists the options.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/processes.js';
import { mainThreadProfile, summarizeProfile } from './lib/cpu-profile.js';
import { Inspector } from './lib/inspector.js';
import { type Distribution, distribution, fmtMs, totalCount } from './lib/latency.js';
import { LoadGenerator, type LoadReport } from './lib/load.js';
import { BENCH_ORIGIN, cleanUpOnInterrupt, startBenchNodes } from './lib/nodes.js';
import { listenOverflows, MACHINE, mib, now, ProcSampler, type ProcWindow, pct } from './lib/proc.js';
import { machineInfo, RESULTS_DIR, runBenchmark, writeResults } from './lib/results.js';
import { CallSeeder } from './lib/seed.js';
import { formatTable } from './lib/table.js';

const USAGE = `npm run bench:signaling -- [options]   (each option also reads the BENCH_* variable named)

  --nodes 1|2          1: one node, in-process bus, SQLite. 2: two nodes on Redis and PostgreSQL,
                       doctors on node A and patients on node B, so every relay crosses Redis. (BENCH_NODES, 1)
  --steps LIST         calls per step (BENCH_STEPS, 100,500,1000,2000,5000)
  --ramp S             arrivals spread over S seconds per step; 0 = as fast as --max-in-flight allows (BENCH_RAMP_S, 25)
  --steady S           seconds of steady traffic after the ramp (BENCH_STEADY_S, 30)
  --workers N          load generator threads (BENCH_WORKERS, 2)
  --max-in-flight N    sockets connecting/joining at once per worker with --ramp 0 (BENCH_MAX_IN_FLIGHT, 100)
  --join-timeout S     a socket not joined this long after it started counts as failed (BENCH_JOIN_TIMEOUT_S, 30)
  --redis local|URL    two nodes: a redis-server of its own on a free port, or this URL (BENCH_REDIS, local)
  --postgres URL       two nodes: PostgreSQL base URL; a fresh schema is made and dropped
                       (BENCH_POSTGRES, $DATABASE_URL_TEST or postgres://postgres@127.0.0.1:5432/test)
  --entry source|built run src/server/main.ts via tsx, or bin/carecall.js (BENCH_ENTRY, source)
  --cpu-prof           run the nodes with --cpu-prof and print where their CPU went
  --sql-stats          count and time the nodes' SQLite statements (one node) and print the costliest
  --name NAME          results file name (BENCH_NAME, signaling-<nodes>node)`;

function options() {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string' },
      steps: { type: 'string' },
      ramp: { type: 'string' },
      steady: { type: 'string' },
      workers: { type: 'string' },
      'max-in-flight': { type: 'string' },
      'join-timeout': { type: 'string' },
      redis: { type: 'string' },
      postgres: { type: 'string' },
      entry: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'sql-stats': { type: 'boolean', default: false },
      name: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const env = process.env;
  const num = (v: string | undefined, fallback: number) => {
    const n = Number(v ?? fallback);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${v}`);
    return n;
  };
  const nodes = num(values.nodes ?? env['BENCH_NODES'], 1);
  if (nodes !== 1 && nodes !== 2) throw new Error('--nodes is 1 or 2');
  const entry = values.entry ?? env['BENCH_ENTRY'] ?? 'source';
  if (entry !== 'source' && entry !== 'built') throw new Error('--entry is source or built');
  return {
    nodes: nodes as 1 | 2,
    steps: (values.steps ?? env['BENCH_STEPS'] ?? '100,500,1000,2000,5000').split(',').map((s) => num(s, 0)),
    rampMs: num(values.ramp ?? env['BENCH_RAMP_S'], 25) * 1000,
    steadyMs: num(values.steady ?? env['BENCH_STEADY_S'], 30) * 1000,
    workers: Math.max(1, num(values.workers ?? env['BENCH_WORKERS'], 2)),
    maxInFlight: Math.max(1, num(values['max-in-flight'] ?? env['BENCH_MAX_IN_FLIGHT'], 100)),
    joinTimeoutMs: num(values['join-timeout'] ?? env['BENCH_JOIN_TIMEOUT_S'], 30) * 1000,
    redis: values.redis ?? env['BENCH_REDIS'] ?? 'local',
    postgres:
      values.postgres ??
      env['BENCH_POSTGRES'] ??
      env['DATABASE_URL_TEST'] ??
      'postgres://postgres@127.0.0.1:5432/test',
    entry: entry as 'source' | 'built',
    cpuProf: values['cpu-prof'] ?? false,
    sqlStats: values['sql-stats'] ?? false,
    name: values.name ?? env['BENCH_NAME'] ?? `signaling-${nodes}node`,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

interface StepResult {
  calls: number;
  sockets: number;
  seedMs: number;
  joined: number;
  failed: number;
  /** From the first arrival to the last `joined`. */
  joinedWithinMs: number | null;
  connect: Distribution;
  join: Distribution;
  relay: Distribution;
  chat: Distribution;
  windowMs: number;
  relayedPerSecond: number;
  peakRelayedPerSecond: number;
  relayedByType: Record<string, number>;
  sentByType: Record<string, number>;
  lost: Record<string, number>;
  errors: Record<string, number>;
  processes: Record<string, ProcWindow>;
  /** The machine's 1-minute load average at the end of the step (the machine is shared). */
  loadAverage: number;
  /** Connections the kernel dropped because an accept queue was full (machine-wide), during the step. */
  listenOverflows: number | null;
  /** Each node's event-loop delay over the step, ms: how long the server was busy in one go. */
  loopDelay: Record<string, { p50: number; p99: number; max: number; mean: number } | null>;
}

function summarizeStep(
  calls: number,
  seedMs: number,
  t0: number,
  end: number,
  r: LoadReport,
  closeErrors: Record<string, number>,
  sampler: ProcSampler,
): Omit<StepResult, 'loopDelay' | 'listenOverflows'> {
  const windowMs = end - t0;
  const relayedTotal = totalCount(r.relayed);
  const errors = { ...r.errors };
  for (const [k, v] of Object.entries(r.lost)) if (v > 0) errors[`lost:${k}`] = v;
  for (const [k, v] of Object.entries(closeErrors)) errors[`closing:${k}`] = v;
  const processes: Record<string, ProcWindow> = {};
  for (const name of sampler.names()) processes[name] = sampler.window(name, t0, end);
  return {
    calls,
    sockets: r.sockets,
    seedMs,
    joined: r.joined,
    failed: r.failed,
    joinedWithinMs: r.lastJoinAt === null ? null : r.lastJoinAt - t0,
    connect: distribution(r.connectMs),
    join: distribution(r.joinMs),
    relay: distribution(r.relayMs),
    chat: distribution(r.chatMs),
    windowMs,
    relayedPerSecond: relayedTotal / (windowMs / 1000),
    peakRelayedPerSecond: Math.max(0, ...r.relayedPerSecond),
    relayedByType: r.relayed,
    sentByType: r.sent,
    lost: r.lost,
    errors,
    processes,
    loadAverage: loadavg()[0] ?? 0,
  };
}

/** CPU the rest of the machine used meanwhile (other engineers' tests on a shared box), % of one core. */
function othersCpu(s: StepResult): number | null {
  const machine = s.processes['machine']?.cpuPercent;
  if (typeof machine !== 'number') return null;
  let ours = 0;
  for (const [name, w] of Object.entries(s.processes)) if (name !== 'machine') ours += w.cpuPercent ?? 0;
  return Math.max(0, machine - ours);
}

function printSteps(steps: StepResult[]): void {
  const names = Object.keys(steps[0]?.processes ?? {});
  const nodes = names.filter((n) => n.startsWith('node'));
  const extra = names.filter((n) => !n.startsWith('node') && n !== 'machine');
  const rows = steps.map((s) => [
    String(s.calls),
    String(s.sockets),
    s.joinedWithinMs === null ? '—' : `${(s.joinedWithinMs / 1000).toFixed(1)} s`,
    `${fmtMs(s.join.p50)} / ${fmtMs(s.join.p95)} / ${fmtMs(s.join.p99)}`,
    `${Math.round(s.relayedPerSecond)} (${s.peakRelayedPerSecond})`,
    `${fmtMs(s.relay.p50)} / ${fmtMs(s.relay.p95)} / ${fmtMs(s.relay.p99)} / ${fmtMs(s.relay.max)}`,
    `${fmtMs(s.chat.p50)} / ${fmtMs(s.chat.p99)}`,
    String(totalCount(s.errors)),
    ...nodes.map(
      (n) =>
        `${pct(s.processes[n]?.cpuPercent)} (${pct(s.processes[n]?.peakCpuPercent)}), ${mib(s.processes[n]?.rssEndBytes)}, ${fmtMs(s.loopDelay[n]?.p99)} / ${fmtMs(s.loopDelay[n]?.max)}`,
    ),
    ...extra.map((n) => pct(s.processes[n]?.cpuPercent)),
    `${pct(othersCpu(s))}, ${s.loadAverage.toFixed(1)}`,
  ]);
  process.stdout.write(
    `\n${formatTable(
      [
        'calls',
        'sockets',
        'all joined',
        'join ms p50/p95/p99',
        'relayed/s (peak)',
        'relay ms p50/p95/p99/max',
        'chat ms p50/p99',
        'errors',
        ...nodes.map((n) => `${n} CPU (peak), RSS, loop delay p99/max`),
        ...extra.map((n) => `${n} CPU`),
        'other CPU, load',
      ],
      rows,
    )}\n`,
  );
  for (const s of steps) {
    if (totalCount(s.errors) > 0) {
      process.stdout.write(
        `errors at ${s.calls} calls: ${JSON.stringify(s.errors)}; accept-queue overflows: ${s.listenOverflows ?? '?'}\n`,
      );
    }
  }
}

/** What bench/lib/sql-stats-preload.mjs wrote for each node: its costliest statements. */
function printSqlStats(dir: string, pids: Record<string, number>): void {
  for (const [name, pid] of Object.entries(pids)) {
    let rows: Array<{ sql: string; count: number; ms: number }>;
    try {
      rows = JSON.parse(readFileSync(join(dir, `${pid}.json`), 'utf8'));
    } catch {
      process.stdout.write(`no SQL statistics from ${name}\n`);
      continue;
    }
    const total = rows.reduce((t, r) => t + r.ms, 0);
    process.stdout.write(
      `\nSQL statements of ${name}: ${rows.reduce((t, r) => t + r.count, 0)} run, ${(total / 1000).toFixed(1)} s in SQLite\n${formatTable(
        ['SQL', 'count', 'µs each', '% of SQL time'],
        rows
          .slice(0, 15)
          .map((r) => [
            r.sql.replace(/\s+/g, ' ').slice(0, 100),
            String(r.count),
            ((1000 * r.ms) / r.count).toFixed(1),
            ((100 * r.ms) / total).toFixed(1),
          ]),
      )}\n`,
    );
  }
}

async function main(): Promise<void> {
  const o = options();
  const machine = machineInfo();
  const started = new Date();
  const profileDir = join(
    RESULTS_DIR,
    'profiles',
    `${o.name}-${started.toISOString().replace(/[:.]/g, '-')}`,
  );
  if (o.cpuProf) mkdirSync(profileDir, { recursive: true });
  const sqlStatsDir = join(profileDir, 'sql');
  if (o.sqlStats) mkdirSync(sqlStatsDir, { recursive: true });
  process.stdout.write(
    `signaling load: ${o.nodes} node(s), steps ${o.steps.join(', ')} calls, ramp ${o.rampMs / 1000} s, steady ${o.steadyMs / 1000} s, ${o.workers} generator threads\n` +
      `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}\n`,
  );
  const inspectPorts: Record<string, number> = { a: await freePort(), b: await freePort() };
  const cluster = await startBenchNodes({
    count: o.nodes,
    postgresUrl: o.postgres,
    redis: o.redis,
    entry: o.entry,
    ...(o.sqlStats ? { env: { CARECALL_BENCH_SQL_STATS: sqlStatsDir } } : {}),
    nodeArgs: (name: string) => [
      ...(o.sqlStats
        ? ['--import', fileURLToPath(new URL('./lib/sql-stats-preload.mjs', import.meta.url))]
        : []),
      // Loopback only: the benchmark reads each node's event-loop delay through the inspector.
      `--inspect=127.0.0.1:${inspectPorts[name]}`,
      // One folder per node: Node writes a profile per thread (the module loader has one too).
      ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `node-${name}`)}`] : []),
    ],
  });
  const inspectors = await Promise.all(
    cluster.nodes.map(async (n) => ({
      name: `node ${n.name.toUpperCase()}`,
      inspector: await Inspector.connect(inspectPorts[n.name] ?? 0),
    })),
  );
  process.stdout.write(`servers: ${cluster.description} (pids ${JSON.stringify(cluster.pids)})\n`);
  const generator = new LoadGenerator(o.workers);
  cleanUpOnInterrupt(async () => {
    for (const i of inspectors) i.inspector.close();
    await generator.terminate();
    await cluster.stop();
  });
  const sampler = new ProcSampler({ ...cluster.pids, generator: process.pid, machine: MACHINE }, 1000);
  const seeder = new CallSeeder(cluster.store, { concurrency: o.nodes === 1 ? 1 : 8 });
  const steps: StepResult[] = [];
  const doctorNode = cluster.nodes[0];
  const patientNode = cluster.nodes[cluster.nodes.length - 1];
  if (!doctorNode || !patientNode) throw new Error('no nodes');
  let failure: unknown = null;
  const nodeWarnings: Record<string, string[]> = {};
  try {
    sampler.start();
    for (const n of o.steps) {
      const seedStart = now();
      const calls = await seeder.ensure(n);
      const seedMs = now() - seedStart;
      process.stdout.write(`step ${n} calls: seeded in ${(seedMs / 1000).toFixed(1)} s; running…\n`);
      await sleep(2000);
      const t0 = now() + 500;
      await Promise.all(inspectors.map((i) => i.inspector.resetLoopDelay()));
      const overflowsBefore = listenOverflows();
      generator.open(calls, {
        t0,
        rampMs: o.rampMs,
        maxInFlight: o.maxInFlight,
        doctorUrl: doctorNode.wsUrl,
        patientUrl: patientNode.wsUrl,
        origin: BENCH_ORIGIN,
        mode: 'active',
        joinTimeoutMs: o.joinTimeoutMs,
        localAddresses: [],
      });
      await generator.settled(2 * n, t0 + o.rampMs + o.joinTimeoutMs + 5000);
      const end = Math.max(now(), t0 + o.rampMs) + o.steadyMs;
      await sleep(end - now());
      sampler.sample();
      const loopDelay: StepResult['loopDelay'] = {};
      for (const i of inspectors) loopDelay[i.name] = await i.inspector.loopDelay();
      const report = await generator.report(true, 2000);
      const closeErrors = await generator.close();
      const overflowsAfter = listenOverflows();
      const step = {
        ...summarizeStep(n, seedMs, t0, end, report, closeErrors, sampler),
        loopDelay,
        listenOverflows:
          overflowsBefore === null || overflowsAfter === null ? null : overflowsAfter - overflowsBefore,
      };
      steps.push(step);
      printSteps([step]);
      for (const node of cluster.nodes) {
        if (!node.alive()) throw new Error(`node ${node.name} died:\n${node.logs()}`);
      }
      await sleep(3000);
    }
  } catch (err) {
    failure = err;
  } finally {
    sampler.stop();
    // What the nodes logged at warn level or above (their last 400 lines are kept), for the results.
    for (const node of cluster.nodes) {
      nodeWarnings[node.name] = node
        .logs()
        .split('\n')
        .filter((l) => /"level":(4|5|6)0/.test(l) || (!l.startsWith('{') && l.trim() !== ''))
        .slice(-50);
    }
    for (const i of inspectors) i.inspector.close();
    await generator.terminate();
    await cluster.stop();
  }
  if (o.sqlStats) printSqlStats(sqlStatsDir, cluster.pids);
  const profiles: Record<string, ReturnType<typeof summarizeProfile>> = {};
  if (o.cpuProf) {
    for (const name of cluster.nodes.map((n) => n.name)) {
      try {
        const file = mainThreadProfile(join(profileDir, `node-${name}`));
        const summary = summarizeProfile(file);
        profiles[name] = summary;
        process.stdout.write(
          `\nCPU profile of node ${name.toUpperCase()} (${file}), self time, % of busy:\n`,
        );
        process.stdout.write(
          `${formatTable(
            ['function', '% busy'],
            summary.functions.map((f) => [f.name, f.busyPercent.toFixed(1)]),
          )}\n\n${formatTable(
            ['package / folder', '% busy'],
            summary.modules.map((f) => [f.name, f.busyPercent.toFixed(1)]),
          )}\n`,
        );
      } catch (err) {
        process.stdout.write(`no CPU profile for node ${name}: ${String(err)}\n`);
      }
    }
  }
  if (steps.length > 0) {
    process.stdout.write(
      `\n${cluster.description}, ${machine.cpus} cores, Node ${machine.node}, ${started.toISOString()}`,
    );
    printSteps(steps);
  }
  const file = writeResults(o.name, {
    benchmark: 'signaling',
    startedAt: started.toISOString(),
    machine,
    setup: cluster.description,
    options: o,
    steps,
    nodeWarnings,
    profiles,
    error: failure === null ? null : String(failure instanceof Error ? failure.stack : failure),
  });
  process.stdout.write(`\nresults: ${file}\n`);
  if (failure) throw failure;
}

runBenchmark('bench:signaling', main);
