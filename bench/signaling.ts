/**
 * Signaling load (issue 6, item 1): N simulated calls, each a doctor's and a patient's authenticated
 * WebSocket doing what the call page does, against real `carecall serve` processes. Ramps N and reports
 * per step: join time and latency, relayed messages per second, relay latency, errors by kind, server
 * RSS/CPU per node and the generator's CPU. `npm run bench:signaling -- --help` lists the options.
 * bench/signaling/: options.ts (the command line), report.ts (each step's figures and their tables).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/processes.js';
import { Inspector } from './lib/inspector.js';
import { LoadGenerator } from './lib/load.js';
import { BENCH_ORIGIN, cleanUpOnInterrupt, startBenchNodes } from './lib/nodes.js';
import { listenOverflows, MACHINE, now, ProcSampler, sleep } from './lib/proc.js';
import {
  describeMachine,
  failureText,
  machineInfo,
  RESULTS_DIR,
  runBenchmark,
  writeResults,
} from './lib/results.js';
import { CallSeeder } from './lib/seed.js';
import { signalingOptions } from './signaling/options.js';
import {
  printCpuProfiles,
  printSqlStats,
  printSteps,
  type StepResult,
  summarizeStep,
} from './signaling/report.js';

async function main(): Promise<void> {
  const o = signalingOptions();
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
      `machine: ${describeMachine(machine)}\n`,
  );
  const inspectPorts: Record<string, number> = { a: await freePort(), b: await freePort() };
  const cluster = await startBenchNodes({
    count: o.nodes,
    postgresUrl: o.postgres,
    redis: o.redis,
    entry: o.entry,
    env: {
      ...(o.sqlStats ? { CARECALL_BENCH_SQL_STATS: sqlStatsDir } : {}),
      // Never printed or kept: /metrics is only served so that everything it costs is running.
      ...(o.metrics ? { METRICS_TOKEN: randomBytes(24).toString('hex') } : {}),
    },
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
  const profiles = o.cpuProf
    ? printCpuProfiles(
        profileDir,
        cluster.nodes.map((n) => n.name),
      )
    : {};
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
    error: failureText(failure),
  });
  process.stdout.write(`\nresults: ${file}\n`);
  if (failure) throw failure;
}

runBenchmark('bench:signaling', main);
