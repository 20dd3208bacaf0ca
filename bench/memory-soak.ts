/**
 * Memory over many calls (the finding that streams outlived their calls on the in-process bus): one node
 * (in-process bus, SQLite) with a short resume window. One doctor starts a call over HTTP, both parties
 * join over WebSocket, the doctor relays a run of large offers to the patient, ends the call, and does it
 * again, as often as asked. The patient never acknowledges (an attacker holding both accounts, or a client
 * whose acks are lost), so the server keeps what it relayed for as long as the bus lets it. The node's
 * memory is read after a full GC (through --inspect on loopback) before the calls, after each call,
 * and after idling past the resume window and a sweep: it must come back to where it started.
 */
import { MAX_SDP_CHARS } from '../src/protocol/messages.js';
import { DEFAULT_SWEEP_INTERVAL_MS } from '../src/server/bus/memory-bus.js';
import { systemClock } from '../src/server/clock.js';
import { DEFAULT_HUB_LIMITS } from '../src/server/signaling/hub.js';
import { TokenBucket } from '../src/server/signaling/token-bucket.js';
import { freePort } from '../test/support/processes.js';
import { Agent, type SocketClient, type TestServer } from '../test/support/server.js';
import { parseOptions } from './lib/args.js';
import { type HeapFigures, Inspector } from './lib/inspector.js';
import { ENTRY_OPTION, RESULTS_NAME_OPTION } from './lib/node-options.js';
import { BENCH_ORIGIN, cleanUpOnInterrupt, startBenchNodes } from './lib/nodes.js';
import { mib, now, ProcSampler, sleep } from './lib/proc.js';
import { describeMachine, failureText, machineInfo, runBenchmark, writeResults } from './lib/results.js';
import { makeSdp } from './lib/sdp.js';
import { CallSeeder } from './lib/seed.js';
import { formatTable } from './lib/table.js';

/** Past the resume window and one sweep, this much longer before the last reading. */
const IDLE_MARGIN_MS = 5_000;

const POSITIVE_WHOLE = { type: 'number', integer: true, min: 1 } as const;

function options() {
  const values = parseOptions({
    name: 'bench:memory-soak',
    usage: 'npm run bench:memory-soak -- [options]',
    options: {
      calls: {
        ...POSITIVE_WHOLE,
        default: 40,
        env: 'BENCH_SOAK_CALLS',
        help: 'calls, one after another, by the same doctor and patient',
      },
      offers: {
        ...POSITIVE_WHOLE,
        default: 256,
        env: 'BENCH_SOAK_OFFERS',
        help: 'offers the doctor sends in each call',
      },
      'sdp-kb': {
        ...POSITIVE_WHOLE,
        default: 32,
        env: 'BENCH_SOAK_SDP_KB',
        help: "size of each offer's SDP in KiB, at most 32",
      },
      'resume-window': {
        ...POSITIVE_WHOLE,
        default: 20,
        env: 'BENCH_SOAK_RESUME_WINDOW_S',
        value: 'S',
        help: "the node's SIGNALING_RESUME_WINDOW_SECONDS",
      },
      entry: ENTRY_OPTION,
      name: { ...RESULTS_NAME_OPTION, default: 'memory-soak' },
    },
    notes: `Offers are paced under the server's per-socket limit (burst ${DEFAULT_HUB_LIMITS.burst}, ${DEFAULT_HUB_LIMITS.ratePerSecond}/s), so a call of 256 offers takes about 7 s.`,
  });
  return {
    calls: values.calls,
    offers: values.offers,
    sdpChars: Math.min(MAX_SDP_CHARS, values['sdp-kb'] * 1024),
    resumeWindowS: values['resume-window'],
    entry: values.entry,
    name: values.name,
  };
}

/** Bus bytes are small next to RSS: one decimal. */
const mib1 = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** An offer of exactly `chars` characters: a browser's SDP padded with attribute lines. */
function paddedSdp(chars: number): string {
  let sdp = makeSdp('offer', 0);
  while (sdp.length < chars) sdp += `a=x-bench-pad:${'x'.repeat(Math.min(1000, chars - sdp.length))}\r\n`;
  return sdp.slice(0, chars);
}

interface BusUsage {
  streams: number;
  bytes: number;
  maps: number;
  flags: number;
}

/**
 * What the node's bus holds, read through the inspector: no endpoint reports it, so the bus is found as
 * the `bus` variable of main.ts's serve(), in the scope of its SIGTERM handler. A memory bus from before
 * usage() existed (the soak's "before" run) is measured from its fields; anything else gives null.
 * Inspector calls made from the main thread answer synchronously, so this is one evaluation.
 */
const READ_BUS_USAGE = `(() => {
  const session = new (process.getBuiltinModule('node:inspector').Session)();
  session.connect();
  const post = (method, params) => {
    let answer;
    session.post(method, params, (err, r) => {
      if (err) throw err;
      answer = r;
    });
    return answer;
  };
  const usage = function () {
    if (typeof this.usage === 'function') return this.usage();
    if (!(this.streams instanceof Map)) return null;
    let bytes = 0;
    for (const s of this.streams.values()) for (const e of s.entries) bytes += e.payload.length;
    return { streams: this.streams.size, bytes, maps: this.maps.size, flags: this.flags.size };
  };
  try {
    for (const listener of process.listeners('SIGTERM')) {
      globalThis.__benchListener = listener;
      const fn = post('Runtime.evaluate', { expression: 'globalThis.__benchListener' }).result.objectId;
      const scopes = post('Runtime.getProperties', { objectId: fn }).internalProperties?.find(
        (p) => p.name === '[[Scopes]]',
      );
      if (!scopes) continue;
      for (const scope of post('Runtime.getProperties', { objectId: scopes.value.objectId }).result) {
        if (!scope.value?.objectId) continue;
        const vars = post('Runtime.getProperties', { objectId: scope.value.objectId }).result;
        const bus = vars.find((v) => v.name === 'bus')?.value?.objectId;
        if (!bus) continue;
        return post('Runtime.callFunctionOn', {
          objectId: bus,
          functionDeclaration: usage.toString(),
          returnByValue: true,
        }).result.value;
      }
    }
    return null;
  } finally {
    delete globalThis.__benchListener;
    session.disconnect();
  }
})()`;

async function busUsage(inspector: Inspector): Promise<BusUsage | null> {
  try {
    return await inspector.evaluate<BusUsage | null>(READ_BUS_USAGE);
  } catch {
    return null;
  }
}

interface Reading {
  label: string;
  /** Seconds since the first call started. */
  at: number;
  memory: HeapFigures;
  bus: BusUsage | null;
}

async function expectOk(answer: Promise<{ status: number; body: unknown }>, what: string): Promise<void> {
  const r = await answer;
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
}

/** Opens a socket, waits for `welcome`, joins the call room. */
async function joinRoom(agent: Agent, wsUrl: string, appointmentId: string): Promise<SocketClient> {
  const socket = await agent.socket(BENCH_ORIGIN, wsUrl);
  await socket.next('welcome');
  const reply = await socket.call({ type: 'join', appointmentId });
  if (reply.type !== 'ack') throw new Error(`join refused: ${JSON.stringify(reply)}`);
  return socket;
}

/** Start (HTTP), join (both), `offers` offers doctor → patient, end (HTTP), close. */
async function oneCall(
  doctor: Agent,
  patient: Agent,
  wsUrl: string,
  appointmentId: string,
  offers: number,
  sdp: string,
): Promise<void> {
  const base = `/api/appointments/${appointmentId}/call`;
  const origin = { origin: BENCH_ORIGIN };
  await expectOk(doctor.request('POST', `${base}/start`, undefined, origin), 'call start');
  await expectOk(patient.request('POST', `${base}/join`, undefined, origin), 'call join');
  const d = await joinRoom(doctor, wsUrl, appointmentId);
  const p = await joinRoom(patient, wsUrl, appointmentId);
  try {
    // Just under the server's own bucket, so no offer is refused as rate_limited.
    const bucket = new TokenBucket(
      DEFAULT_HUB_LIMITS.burst - 10,
      DEFAULT_HUB_LIMITS.ratePerSecond - 3,
      systemClock,
    );
    const send = async () => {
      for (let i = 0; i < offers; i++) {
        while (!bucket.take()) await sleep(10);
        d.send({ type: 'offer', sdp });
      }
    };
    const receive = async () => {
      for (let i = 0; i < offers; i++) {
        await p.next('offer', undefined, 15_000).catch((err: unknown) => {
          const refused = d.received.filter((m) => m.type === 'error');
          throw new Error(
            `offer ${i + 1} of ${offers} not relayed (${String(err)}): ${JSON.stringify(refused)}`,
          );
        });
      }
    };
    await Promise.all([send(), receive()]);
    await expectOk(doctor.request('POST', `${base}/end`, undefined, origin), 'call end');
  } finally {
    d.close();
    p.close();
    await Promise.all([d.closed(), p.closed()]);
  }
}

async function main(): Promise<void> {
  const o = options();
  const machine = machineInfo();
  const started = new Date();
  const idleMs = o.resumeWindowS * 1000 + DEFAULT_SWEEP_INTERVAL_MS + IDLE_MARGIN_MS;
  process.stdout.write(
    `memory soak: ${o.calls} calls × ${o.offers} offers of ${(o.sdpChars / 1024).toFixed(0)} KiB, resume window ${o.resumeWindowS} s\n` +
      `machine: ${describeMachine(machine)}\n`,
  );
  const inspectPort = await freePort();
  const cluster = await startBenchNodes({
    count: 1,
    postgresUrl: '',
    redis: '',
    entry: o.entry,
    env: { SIGNALING_RESUME_WINDOW_SECONDS: String(o.resumeWindowS) },
    nodeArgs: () => [`--inspect=127.0.0.1:${inspectPort}`],
  });
  const node = cluster.nodes[0];
  if (!node) throw new Error('no node');
  const inspector = await Inspector.connect(inspectPort);
  cleanUpOnInterrupt(async () => {
    inspector.close();
    await cluster.stop();
  });
  const sampler = new ProcSampler({ node: node.pid }, 500);
  const readings: Reading[] = [];
  let t0 = now();
  let peakRss: number | null = null;
  let failure: unknown = null;
  const read = async (label: string) => {
    const memory = await inspector.settledMemory();
    const reading: Reading = { label, at: (now() - t0) / 1000, memory, bus: await busUsage(inspector) };
    readings.push(reading);
    return reading;
  };
  const busText = (b: BusUsage | null) =>
    b ? `bus ${b.streams} streams, ${mib1(b.bytes)}` : 'bus usage unknown';
  try {
    const [call] = await new CallSeeder(cluster.store, { concurrency: 1 }).ensure(1);
    if (!call) throw new Error('no call seeded');
    // Agent only uses the server's url and wsUrl; the cookies are the seeded sign-in sessions.
    const server = { url: node.url, wsUrl: node.wsUrl } as TestServer;
    const [doctor, patient] = [call.doctorCookie, call.patientCookie].map((cookie) => {
      const agent = new Agent(server);
      agent.cookie = cookie.split('; ')[0] ?? '';
      return agent;
    }) as [Agent, Agent];
    for (const agent of [doctor, patient]) await expectOk(agent.request('GET', '/api/session'), 'session');
    // The seeder started the call; each soak call starts its own (a restart: a new room, new streams).
    await expectOk(
      doctor.request('POST', `/api/appointments/${call.appointmentId}/call/end`, undefined, {
        origin: BENCH_ORIGIN,
      }),
      'end the seeded call',
    );
    const sdp = paddedSdp(o.sdpChars);
    // Warm-up: code paths, caches and the JIT that every later call shares.
    await oneCall(doctor, patient, node.wsUrl, call.appointmentId, 10, sdp);
    const before = await read('before (after a warm-up call)');
    process.stdout.write(
      `before: RSS ${mib(before.memory.rss)}, heap ${mib(before.memory.heapUsed)}, ${busText(before.bus)}\n`,
    );
    sampler.start();
    t0 = now();
    for (let i = 1; i <= o.calls; i++) {
      await oneCall(doctor, patient, node.wsUrl, call.appointmentId, o.offers, sdp);
      const r = await read(`after call ${i}`);
      process.stdout.write(
        `call ${i}/${o.calls}: RSS ${mib(r.memory.rss)}, heap ${mib(r.memory.heapUsed)}, ${busText(r.bus)}\n`,
      );
      if (!node.alive()) throw new Error(`the node died:\n${node.logs()}`);
    }
    sampler.sample();
    peakRss = sampler.window('node', t0, now()).rssPeakBytes;
    process.stdout.write(`idle ${(idleMs / 1000).toFixed(0)} s (resume window + a sweep + margin)…\n`);
    await sleep(idleMs);
    await read(`after ${(idleMs / 1000).toFixed(0)} s idle`);
  } catch (err) {
    failure = err;
  } finally {
    sampler.stop();
    inspector.close();
    await cluster.stop();
  }
  const before = readings[0];
  const afterIdle = readings.length > o.calls + 1 ? readings[readings.length - 1] : undefined;
  const afterCalls = readings[Math.min(o.calls, readings.length - 1)];
  const vsBefore = (rss: number | null | undefined) => {
    if (typeof rss !== 'number' || !before) return '—';
    const d = rss - before.memory.rss;
    return `${d >= 0 ? '+' : '-'}${mib(Math.abs(d))}`;
  };
  const row = (label: string, r: Reading | undefined) =>
    r
      ? [
          label,
          mib(r.memory.rss),
          vsBefore(r.memory.rss),
          mib(r.memory.heapUsed),
          mib(r.memory.external),
          r.bus ? String(r.bus.streams) : '—',
          r.bus ? mib1(r.bus.bytes) : '—',
        ]
      : [label, '—', '—', '—', '—', '—', '—'];
  const table = formatTable(
    ['moment', 'RSS', 'RSS vs before', 'heap used', 'external', 'bus streams', 'bus bytes'],
    [
      row('before (after a warm-up call)', before),
      ['peak during the calls (sampled)', mib(peakRss), vsBefore(peakRss), '', '', '', ''],
      row('after the last call', afterCalls === before ? undefined : afterCalls),
      row(`after ${(idleMs / 1000).toFixed(0)} s idle`, afterIdle),
    ],
  );
  process.stdout.write(
    `\n1 node, in-process bus, SQLite, ${machine.cpus} cores, Node ${machine.node}, ${started.toISOString()}\n` +
      `${o.calls} calls × ${o.offers} offers of ${(o.sdpChars / 1024).toFixed(0)} KiB, resume window ${o.resumeWindowS} s\n` +
      `${table}\n` +
      'RSS, heap and external are read after a full GC. RSS still includes heap V8 keeps for reuse and\n' +
      'memory the allocator has not given back to the system, so it settles above what is live.\n',
  );
  const file = writeResults(o.name, {
    benchmark: 'memory-soak',
    startedAt: started.toISOString(),
    machine,
    options: o,
    idleMs,
    peakRss,
    readings,
    error: failureText(failure),
  });
  process.stdout.write(`results: ${file}\n`);
  if (failure) throw failure;
}

runBenchmark('bench:memory-soak', main);
