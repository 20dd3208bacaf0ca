/**
 * Server CPU per signaling operation, in one process: the real hub, store (SQLite file) and in-process
 * bus, with in-memory sockets instead of WebSockets. It measures CPU time (process.cpuUsage), not wall
 * time, so other work on a shared machine barely moves it: the before/after figure of each fix found by
 * the load benchmark (docs/benchmarks.md). Socket I/O (the write system calls) is not included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../src/server/access/principal.js';
import { migrateToLatest, openDatabase } from '../src/server/db/database.js';
import { findPrincipal } from '../src/server/http/principal.js';
import type { Connection } from '../src/server/signaling/connection.js';
import type { SignalingHub } from '../src/server/signaling/hub.js';
import { startServer } from '../test/support/server.js';
import { parseOptions } from './lib/args.js';
import { BENCH_ORIGIN } from './lib/nodes.js';
import { sleep } from './lib/proc.js';
import { machineInfo, runBenchmark, writeResults } from './lib/results.js';
import { makeCandidate, makeSdp } from './lib/sdp.js';
import { CallSeeder } from './lib/seed.js';
import { recordStatements } from './lib/statement-stats.mjs';
import { percentile } from './lib/stats.js';
import { formatTable } from './lib/table.js';

const {
  calls,
  rounds,
  'sweep-calls': sweepCalls,
  statements,
  name,
} = parseOptions({
  name: 'bench/signaling-cpu.ts',
  usage: 'node --import tsx bench/signaling-cpu.ts [options]',
  options: {
    calls: { type: 'number', default: 300, help: 'calls per round, both parties joining at once' },
    rounds: {
      type: 'number',
      default: 5,
      help: 'rounds, each with fresh calls; the median round is printed',
    },
    'sweep-calls': {
      type: 'number',
      default: 0,
      help: 'then hold N calls joined and time the periodic sweeps over them (0: skip)',
    },
    statements: {
      type: 'boolean',
      help: 'also print the SQL statements run while sockets joined, with their count and CPU',
    },
    name: { type: 'string', default: 'signaling-cpu', value: 'NAME', help: 'results file name' },
  },
});

/** Every SQL statement run, counted and timed by its text (a fraction of a µs each). */
const sqlStats = recordStatements();

function cookie(header: string, name: string): string {
  const value = new RegExp(`(?:^|; )${name}=([^;]+)`).exec(header)?.[1];
  if (!value) throw new Error(`no ${name} cookie`);
  return value;
}

/** The longest time a timer due every millisecond waited while `run` ran: the longest block of the loop. */
async function longestBlock(run: () => Promise<void>): Promise<{ blockMs: number; cpuMs: number }> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
  }, 1);
  await sleep(20);
  last = performance.now();
  const c0 = process.cpuUsage();
  await run();
  const c = process.cpuUsage(c0);
  await sleep(20);
  clearInterval(timer);
  return { blockMs: longest, cpuMs: (c.user + c.system) / 1000 };
}

interface Op {
  name: string;
  cpuUs: number[];
  statements: number[];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'carecall-cpu-'));
  const db = openDatabase({ kind: 'sqlite', file: join(dir, 'carecall.db') });
  await migrateToLatest(db);
  const server = await startServer(db, {
    env: { PUBLIC_ORIGIN: BENCH_ORIGIN },
    // The operations are replayed far faster than any client may send; the limits are not measured here.
    hubLimits: { burst: 1e9, ratePerSecond: 1e9 },
  });
  const { ctx } = server;
  const hub = ctx.hub as SignalingHub;
  const ops = new Map<string, Op>();
  const sweeps: Array<{ name: string; runs: Array<{ blockMs: number; cpuMs: number }> }> = [];
  const measure = async (name: string, count: number, run: () => Promise<void>) => {
    const op = ops.get(name) ?? { name, cpuUs: [], statements: [] };
    ops.set(name, op);
    const s0 = sqlStats.count;
    const c0 = process.cpuUsage();
    await run();
    const c = process.cpuUsage(c0);
    op.cpuUs.push((c.user + c.system) / count);
    op.statements.push((sqlStats.count - s0) / count);
  };
  const transport = () => ({
    kind: 'websocket' as const,
    send() {},
    close() {},
    ping() {},
    terminate() {},
    isOpen: true,
  });
  const settle = (conns: Connection[]) => Promise.all(conns.map((c) => c.queue));
  try {
    const specs = await new CallSeeder(ctx.store, { concurrency: 1 }).ensure(calls * rounds);
    // What the WebSocket upgrade looks up: the session and the call cookie (`findPrincipal`), then the
    // abuse flag (S21). The request carries only the cookies: nothing else of it is read.
    const upgrade = async (header: string): Promise<Principal> => {
      const cookies = {
        carecall_session: cookie(header, 'carecall_session'),
        carecall_call: cookie(header, 'carecall_call'),
      };
      const principal = await findPrincipal({ cookies } as unknown as FastifyRequest, ctx);
      if (!principal?.grant || (await hub.refusal(principal)) !== null) {
        throw new Error('seeded cookies do not authenticate');
      }
      return principal;
    };
    const offer = JSON.stringify({ type: 'offer', sdp: makeSdp('offer', 1) });
    const candidate = JSON.stringify({ type: 'ice-candidate', candidate: makeCandidate(1, 'abcd', 1) });
    const media = JSON.stringify({ type: 'media-state', audioMuted: true, videoOff: false });
    let chatN = 0;
    for (let round = 0; round < rounds; round++) {
      // Fresh calls each round: both parties of every call arrive at once, as under load.
      const batch = specs.slice(round * calls, (round + 1) * calls);
      const pairs: Connection[][] = [];
      const principals: Principal[][] = [];
      await measure('upgrade: session + call cookie (per socket)', 2 * calls, async () => {
        const all = batch.map((spec) =>
          Promise.all([upgrade(spec.doctorCookie), upgrade(spec.patientCookie)]),
        );
        principals.push(...(await Promise.all(all)));
      });
      // Copies: the recorded entries go on changing.
      const before = new Map([...sqlStats.bySql].map(([text, e]) => [text, { ...e }]));
      await measure('open + subscribe + join (per socket)', 2 * calls, async () => {
        for (const [i, spec] of batch.entries()) {
          const pair = (principals[i] ?? []).map((p) => hub.attach(transport(), p));
          for (const conn of pair) {
            hub.receive(
              conn,
              JSON.stringify({ type: 'subscribe', id: 's', appointmentId: spec.appointmentId }),
            );
            hub.receive(conn, JSON.stringify({ type: 'join', id: 'j', appointmentId: spec.appointmentId }));
          }
          pairs.push(pair);
        }
        await settle(pairs.flat());
      });
      if (statements) {
        const top = [...sqlStats.bySql]
          .map(([text, e]): [string, { count: number; ns: bigint }] => {
            const was = before.get(text);
            return [text, { count: e.count - (was?.count ?? 0), ns: e.ns - (was?.ns ?? 0n) }];
          })
          .filter(([, e]) => e.count > 0)
          .sort((a, b) => Number(b[1].ns - a[1].ns));
        process.stdout.write(
          `round ${round + 1}: statements while ${2 * calls} sockets subscribed and joined\n${formatTable(
            ['SQL', 'per socket', 'µs each (mean)', 'share of SQL time'],
            top.map(([sqlText, e]) => [
              sqlText.replace(/\s+/g, ' ').slice(0, 110),
              (e.count / (2 * calls)).toFixed(2),
              (Number(e.ns) / e.count / 1000).toFixed(1),
              `${((100 * Number(e.ns)) / Number(top.reduce((t, [, x]) => t + x.ns, 0n))).toFixed(0)}%`,
            ]),
          )}\n`,
        );
      }
      const joined = pairs.flat().filter((c) => c.room).length;
      if (joined !== 2 * calls) throw new Error(`only ${joined} of ${2 * calls} sockets joined`);
      const doctors = pairs.map((p) => p[0] as Connection);
      const patients = pairs.map((p) => p[1] as Connection);
      const relay = async (name: string, message: string) =>
        measure(name, 10 * calls, async () => {
          for (let r = 0; r < 10; r++) {
            for (const d of doctors) hub.receive(d, message);
            await settle(doctors);
          }
        });
      await relay('relay offer (5 KB SDP)', offer);
      await relay('relay ice-candidate', candidate);
      await relay('relay media-state', media);
      await measure('ack (trims the stream)', calls, async () => {
        for (const p of patients)
          hub.receive(p, JSON.stringify({ type: 'ack', seq: p.room?.deliveredSeq ?? 0 }));
        await settle(patients);
      });
      await measure('ping', 10 * calls, async () => {
        for (let r = 0; r < 10; r++) {
          for (const d of doctors) hub.receive(d, '{"type":"ping"}');
          await settle(doctors);
        }
      });
      await measure('chat (stored, to both parties)', calls, async () => {
        for (const d of doctors) {
          const appointmentId = d.room?.appointmentId ?? '';
          hub.receive(
            d,
            JSON.stringify({ type: 'chat', appointmentId, clientId: `c${chatN++}`, body: 'How are you?' }),
          );
        }
        await settle(doctors);
      });
      await measure('leave by closing (per socket)', 2 * calls, async () => {
        for (const c of pairs.flat()) hub.disconnected(c, 1000);
        // Departures run detached from any message queue: give them time to finish.
        await sleep(200);
      });
    }
    if (sweepCalls > 0) {
      // The periodic work of a node holding many calls: every call's sockets joined and left in place.
      const more = await new CallSeeder(ctx.store, { concurrency: 1 }).ensure(sweepCalls);
      const held: Connection[] = [];
      for (const spec of more) {
        for (const header of [spec.doctorCookie, spec.patientCookie]) {
          const conn = hub.attach(transport(), await upgrade(header));
          hub.receive(conn, JSON.stringify({ type: 'subscribe', appointmentId: spec.appointmentId }));
          hub.receive(conn, JSON.stringify({ type: 'join', appointmentId: spec.appointmentId }));
          held.push(conn);
        }
        if (held.length % 1000 === 0) await settle(held.slice(-1000));
      }
      await settle(held);
      const periodic = hub as unknown as Record<
        'refreshPresence' | 'heartbeat' | 'checkCredentials',
        () => unknown
      >;
      const tasks: Array<[string, () => Promise<void>]> = [
        ['call sweep (every 5 s)', () => ctx.sweeper.runOnce()],
        ['presence refresh (every 10 s)', async () => void (await periodic.refreshPresence())],
        ['heartbeat (every 30 s)', async () => void (await periodic.heartbeat())],
        ['credential check (every 15 s)', async () => void (await periodic.checkCredentials())],
      ];
      for (const [name, run] of tasks) {
        const runs = [];
        for (let i = 0; i < 3; i++) {
          runs.push(await longestBlock(run));
          for (const c of held) c.alive = true;
        }
        sweeps.push({ name, runs });
      }
    }
  } finally {
    await server.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = [...ops.values()].map((op) => [
    op.name,
    (percentile(op.cpuUs, 50) ?? 0).toFixed(1),
    `${(Math.min(...op.cpuUs)).toFixed(1)}–${Math.max(...op.cpuUs).toFixed(1)}`,
    (percentile(op.statements, 50) ?? 0).toFixed(1),
  ]);
  const machine = machineInfo();
  process.stdout.write(
    `server CPU per operation: ${calls} calls × ${rounds} rounds, SQLite + in-process bus, ${machine.cpus} cores, Node ${machine.node}\n` +
      `${formatTable(['operation', 'CPU µs (median)', 'range', 'SQL statements'], rows)}\n`,
  );
  if (sweeps.length > 0) {
    process.stdout.write(
      `periodic work with ${sweepCalls} calls (${2 * sweepCalls} sockets) held, 3 runs each\n${formatTable(
        ['task', 'CPU ms (median)', 'longest loop block ms (median)', 'longest block ms (max)'],
        sweeps.map((t) => [
          t.name,
          (
            percentile(
              t.runs.map((r) => r.cpuMs),
              50,
            ) ?? 0
          ).toFixed(1),
          (
            percentile(
              t.runs.map((r) => r.blockMs),
              50,
            ) ?? 0
          ).toFixed(1),
          Math.max(...t.runs.map((r) => r.blockMs)).toFixed(1),
        ]),
      )}\n`,
    );
  }
  const file = writeResults(name, {
    benchmark: 'signaling-cpu',
    machine,
    calls,
    rounds,
    operations: [...ops.values()],
    sweepCalls,
    sweeps,
  });
  process.stdout.write(`results: ${file}\n`);
}

runBenchmark('signaling-cpu', main);
