/**
 * What the bus alone adds to a relay: publish → handler, through the in-process bus and through Redis,
 * for a message on its own and for the last messages of a burst (an ICE burst is 10-20 relays issued at
 * once). The two sides of the Redis bus are two RedisBus instances, as on two nodes, in one process, so
 * one clock times them; nothing else runs, which separates Redis's own cost from the contention of the
 * full two-node benchmark (docs/benchmarks.md, "Signaling load").
 */
import type { Bus } from '../src/server/bus/bus.js';
import { MemoryBus } from '../src/server/bus/memory-bus.js';
import { RedisBus } from '../src/server/bus/redis-bus.js';
import { parseOptions } from './lib/args.js';
import { machineInfo, runBenchmark, writeResults } from './lib/results.js';
import { percentile } from './lib/stats.js';
import { formatTable } from './lib/table.js';

const { redis, rounds, burst } = parseOptions({
  name: 'bench:bus',
  usage: 'node --import tsx bench/bus-latency.ts [options]',
  options: {
    redis: {
      type: 'string',
      default: 'redis://127.0.0.1:6379',
      // As the test suites find their Redis (test/support/suites.ts).
      env: ['REDIS_URL_TEST', 'REDIS_URL'],
      value: 'URL',
      help: 'the Redis both bus clients use',
    },
    rounds: { type: 'number', default: 200, help: 'single messages per pass (and rounds/4 bursts)' },
    burst: { type: 'number', default: 20, help: 'messages in each burst' },
  },
  notes: 'publish → handler latency of the in-process bus and of Redis, single messages and bursts',
});
const PAYLOAD = 'x'.repeat(300); // an ICE candidate in its envelope is about this size

async function measure(publisher: Bus, subscriber: Bus): Promise<{ single: number[]; burst: number[] }> {
  const channel = `bench:${process.pid}:${Date.now()}`;
  const stream = `${channel}:patient`;
  let sink: number[] = [];
  const unsubscribe = await subscriber.subscribe(channel, (payload) => {
    sink.push(performance.now() - Number(payload.slice(0, payload.indexOf(' '))));
  });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await pause(100);
  const single: number[] = [];
  sink = single;
  for (let i = 0; i < rounds; i++) {
    void publisher.publishSequenced(channel, stream, `${performance.now()} ${PAYLOAD}`);
    await pause(5);
  }
  const bursts: number[] = [];
  sink = bursts;
  for (let i = 0; i < rounds / 4; i++) {
    for (let j = 0; j < burst; j++)
      void publisher.publishSequenced(channel, stream, `${performance.now()} ${PAYLOAD}`);
    await pause(20);
  }
  await pause(200);
  await unsubscribe();
  return { single, burst: bursts };
}

async function main(): Promise<void> {
  const memory = new MemoryBus();
  const prefix = `carecall-bench-${process.pid}:`;
  const nodeA = new RedisBus(redis, () => {}, prefix);
  const nodeB = new RedisBus(redis, () => {}, prefix);
  const results: Record<string, { single: number[]; burst: number[] }> = {};
  try {
    // In turn, twice each, so that both see the same moments of a shared machine.
    for (let i = 0; i < 2; i++) {
      for (const [name, a, b] of [
        ['in-process bus', memory, memory],
        ['Redis (two bus clients)', nodeA, nodeB],
      ] as const) {
        const r = await measure(a, b);
        const all = results[name] ?? { single: [], burst: [] };
        all.single.push(...r.single);
        all.burst.push(...r.burst);
        results[name] = all;
      }
    }
  } finally {
    await Promise.all([memory.close(), nodeA.close(), nodeB.close()]);
  }
  const ms = (xs: number[], p: number) => (percentile(xs, p) ?? Number.NaN).toFixed(2);
  const rows = Object.entries(results).flatMap(([name, r]) => [
    [name, 'one message', String(r.single.length), ms(r.single, 50), ms(r.single, 99)],
    [name, `bursts of ${burst}`, String(r.burst.length), ms(r.burst, 50), ms(r.burst, 99)],
  ]);
  const machine = machineInfo();
  process.stdout.write(
    `bus latency, publish → handler, ${machine.cpus} cores, Node ${machine.node}, load ${machine.loadAverage.join(' ')}\n` +
      `${formatTable(['bus', 'messages', 'count', 'p50 ms', 'p99 ms'], rows)}\n`,
  );
  const file = writeResults('bus-latency', { benchmark: 'bus-latency', machine, rounds, burst, results });
  process.stdout.write(`results: ${file}\n`);
}

runBenchmark('bus-latency', main);
