import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { RedisBus } from '../../src/server/bus/redis-bus.js';
import { EMAIL, type Person, seedWorld } from '../support/fixtures.js';
import { fetchMetrics, METRICS_TOKEN, Scrape, scrape } from '../support/metrics.js';
import { Agent, type SocketClient, startServer, type TestServer } from '../support/server.js';
import { redisUrl, serviceAvailable, sqliteInMemory } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';
const candidate = (i: number) => ({
  candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

/** The carecall families a node always serves, whatever it has done yet. */
const CARECALL_FAMILIES = [
  'carecall_signaling_connections',
  'carecall_signaling_rooms',
  'carecall_calls',
  'carecall_signaling_messages_relayed_total',
  'carecall_signaling_relay_latency_seconds',
  'carecall_bus_delivery_latency_seconds',
  'carecall_errors_total',
  'carecall_db_query_duration_seconds',
  'carecall_http_requests_total',
];

describe('/metrics on the main port, behind METRICS_TOKEN', () => {
  const setup = useWorld({ env: { METRICS_TOKEN } });

  it('answers 401 with WWW-Authenticate without the token or with a wrong one, and never says why', async () => {
    const { server } = await setup.open();
    for (const token of [undefined, 'wrong-token-0123456789abcdef', `${METRICS_TOKEN}x`, '']) {
      const r = await fetchMetrics(server.url, token);
      expect({ token, status: r.status }).toEqual({ token, status: 401 });
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(r.text).not.toContain('carecall_');
    }
    const basic = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}` },
    });
    expect(basic.status).toBe(401);
  });

  it('the token never reaches the log, whether it was right or wrong', async () => {
    let logged = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logged += chunk.toString();
        cb();
      },
    });
    const { server } = await setup.open({ logger: { level: 'trace', stream } });
    expect((await fetchMetrics(server.url, METRICS_TOKEN)).status).toBe(200);
    expect((await fetchMetrics(server.url, 'a-wrong-token-that-is-long-enough')).status).toBe(401);
    expect(logged).toContain('/metrics');
    expect(logged).not.toContain(METRICS_TOKEN);
    expect(logged).not.toContain('a-wrong-token-that-is-long-enough');
  });

  it('with the token, every family parses with its HELP and TYPE, the process and event-loop ones too', async () => {
    const { server } = await setup.open();
    const r = await fetchMetrics(server.url, METRICS_TOKEN);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const s = new Scrape(r.text);
    for (const name of [
      ...CARECALL_FAMILIES,
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(s.families.has(name), name).toBe(true);
    }
    // Every family in the text has both comment lines, and the parser found the same families.
    const helped = new Set([...r.text.matchAll(/^# HELP (\S+) \S/gm)].map((m) => m[1]));
    const typed = new Set(
      [...r.text.matchAll(/^# TYPE (\S+) (counter|gauge|histogram|summary)$/gm)].map((m) => m[1]),
    );
    expect([...s.families.keys()].sort()).toEqual([...helped].sort());
    expect([...typed].sort()).toEqual([...helped].sort());
    for (const f of s.families.values()) expect(f.help.length, f.name).toBeGreaterThan(0);
  });

  it('counters move with a call: sockets, rooms, calls by state, relays, relay and bus latency, errors, queries', async () => {
    const { server, world } = await setup.open();
    const { doctor, patient } = await setup.signInAll('doctor', 'patient');
    const before = await scrape(server.url);

    expect(
      (await doctor.request('POST', `/api/appointments/${world.appointment.id}/call/start`, {})).status,
    ).toBe(200);
    await patient.request('POST', `/api/appointments/${world.appointment.id}/call/join`, {});
    const started = await scrape(server.url);
    expect(started.value('carecall_calls', { state: 'waiting' })).toBe(
      before.value('carecall_calls', { state: 'waiting' }) + 1,
    );

    const d = await setup.socket(doctor);
    const p = await setup.socket(patient);
    expect(await d.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    expect(await p.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    expect(await p.call({ type: 'offer', sdp: SDP })).toMatchObject({ type: 'ack' });
    await d.next('offer');
    expect(await d.call({ type: 'answer', sdp: SDP })).toMatchObject({ type: 'ack' });
    await p.next('answer');
    for (const i of [1, 2, 3]) d.send({ type: 'ice-candidate', candidate: candidate(i) });
    for (const _ of [1, 2, 3]) await p.next('ice-candidate');
    expect(await p.call({ type: 'media-state', audioMuted: true, videoOff: false })).toMatchObject({
      type: 'ack',
    });
    await d.next('media-state');
    // A message of a type nobody knows, and one that does not parse: two errors by their codes.
    expect(await p.call({ type: 'teleport' })).toMatchObject({ type: 'error', code: 'unknown_message' });
    p.send('{not json');
    await p.next('error', (m) => m.code === 'invalid_json');
    // An HTTP error reply is counted by its code too.
    expect((await doctor.request('GET', `/api/appointments/${randomUUID()}`)).status).toBe(404);

    const during = await scrape(server.url);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      during.value(name, labels) - before.value(name, labels);
    const countDelta = (name: string, labels: Record<string, string> = {}) =>
      during.count(name, labels) - before.count(name, labels);
    expect(delta('carecall_signaling_connections', { transport: 'websocket' })).toBe(2);
    expect(delta('carecall_signaling_connections', { transport: 'long_poll' })).toBe(0);
    expect(delta('carecall_signaling_rooms')).toBe(1);
    expect(during.value('carecall_calls', { state: 'in_progress' })).toBe(
      before.value('carecall_calls', { state: 'in_progress' }) + 1,
    );
    expect(during.value('carecall_calls', { state: 'waiting' })).toBe(
      before.value('carecall_calls', { state: 'waiting' }),
    );
    const relayed = (type: string) => delta('carecall_signaling_messages_relayed_total', { type });
    expect({
      offer: relayed('offer'),
      answer: relayed('answer'),
      ice: relayed('ice-candidate'),
      media: relayed('media-state'),
      chat: relayed('chat'),
    }).toEqual({ offer: 1, answer: 1, ice: 3, media: 1, chat: 0 });
    // Each of the six relays was written to one socket; the bus carried them and more (joins, statuses).
    expect(countDelta('carecall_signaling_relay_latency_seconds')).toBe(6);
    expect(countDelta('carecall_bus_delivery_latency_seconds')).toBeGreaterThanOrEqual(6);
    expect(delta('carecall_errors_total', { transport: 'ws', code: 'unknown_message' })).toBe(1);
    expect(delta('carecall_errors_total', { transport: 'ws', code: 'invalid_json' })).toBe(1);
    expect(delta('carecall_errors_total', { transport: 'http', code: 'not_found' })).toBe(1);
    expect(countDelta('carecall_db_query_duration_seconds', { kind: 'select' })).toBeGreaterThan(0);
    expect(countDelta('carecall_db_query_duration_seconds', { kind: 'update' })).toBeGreaterThan(0);
    expect(
      delta('carecall_http_requests_total', {
        route: '/api/appointments/:id/call/start',
        method: 'POST',
        status: '200',
      }),
    ).toBe(1);
    // Route patterns only: no id of the call's appointment reaches a label.
    expect(during.text).not.toContain(world.appointment.id);

    expect(await d.call({ type: 'leave' })).toMatchObject({ type: 'ack' });
    expect(await p.call({ type: 'leave' })).toMatchObject({ type: 'ack' });
    d.close();
    p.close();
    await Promise.all([d.closed(), p.closed()]);
    await waitFor(
      async () =>
        (await scrape(server.url)).value('carecall_signaling_connections', { transport: 'websocket' }) === 0,
    );
    const after = await scrape(server.url);
    expect(after.value('carecall_signaling_rooms')).toBe(0);
  });
});

describe('/metrics: the long-poll fallback (S22)', () => {
  const setup = useWorld({ env: { METRICS_TOKEN } });

  it('a fallback connection counts as long_poll, and its requests by route pattern, never by id', async () => {
    const { server } = await setup.open();
    const { patient } = await setup.signInAll('patient');
    const before = await scrape(server.url);
    const opened = await patient.request('POST', '/api/signal', {});
    expect(opened.status).toBe(200);
    const id = (opened.body as { connectionId: string }).connectionId;
    expect(
      (await patient.request('POST', `/api/signal/${id}/send`, { message: { type: 'ping' } })).status,
    ).toBe(202);
    const after = await scrape(server.url);
    const delta = (transport: string) =>
      after.value('carecall_signaling_connections', { transport }) -
      before.value('carecall_signaling_connections', { transport });
    expect({ longPoll: delta('long_poll'), websocket: delta('websocket') }).toEqual({
      longPoll: 1,
      websocket: 0,
    });
    expect(
      after.value('carecall_http_requests_total', {
        route: '/api/signal/:id/send',
        method: 'POST',
        status: '202',
      }),
    ).toBe(1);
    expect(after.text).not.toContain(id);
  });
});

describe('/metrics is off unless configured', () => {
  const setup = useWorld();

  it('a node without METRICS_TOKEN or METRICS_PORT has no /metrics (404), but still counts', async () => {
    const { server } = await setup.open();
    expect((await fetchMetrics(server.url)).status).toBe(404);
    expect((await fetchMetrics(server.url, METRICS_TOKEN)).status).toBe(404);
    expect(server.ctx.metricsListener).toBeNull();
    const s = new Scrape((await server.ctx.metrics.scrape()).body);
    expect(s.families.has('carecall_errors_total')).toBe(true);
    // The process metrics and the event-loop monitor run only where the metrics are served.
    expect(s.families.has('process_cpu_seconds_total')).toBe(false);
  });
});

describe('METRICS_PORT: a listener of its own', () => {
  const setup = useWorld();

  it('on loopback it answers without a token, and the main port has no /metrics', async () => {
    const { server } = await setup.open({ env: { METRICS_PORT: '0' } });
    expect((await fetchMetrics(server.url, METRICS_TOKEN)).status).toBe(404);
    const listener = server.ctx.metricsListener;
    if (!listener) throw new Error('no metrics listener');
    const at = await listener.listen();
    expect(at.host).toBe('127.0.0.1');
    const url = `http://127.0.0.1:${at.port}`;
    const s = await scrape(url, undefined);
    for (const name of CARECALL_FAMILIES) expect(s.families.has(name), name).toBe(true);
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('with a token file, the listener asks for the token too; the file is read once, trimmed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'carecall-metrics-'));
    try {
      const file = join(dir, 'token');
      await writeFile(file, `${METRICS_TOKEN}\n`, { mode: 0o600 });
      const { server } = await setup.open({ env: { METRICS_PORT: '0', METRICS_TOKEN_FILE: file } });
      const at = await server.ctx.metricsListener?.listen();
      const url = `http://127.0.0.1:${at?.port}`;
      const r = await fetchMetrics(url);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect((await fetchMetrics(url, 'another-token-0123456789abcdef')).status).toBe(401);
      expect((await fetchMetrics(url, METRICS_TOKEN)).status).toBe(200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a token file that cannot be read stops the start, naming the variable and never a token', async () => {
    const db = await sqliteInMemory.open();
    try {
      await expect(
        startServer(db, { env: { METRICS_TOKEN_FILE: '/nonexistent/carecall-metrics-token' } }),
      ).rejects.toThrow(/^METRICS_TOKEN_FILE: cannot read \/nonexistent\/carecall-metrics-token \(ENOENT\)$/);
    } finally {
      await db.close();
    }
  });
});

describe.runIf(serviceAvailable('redis'))('metrics of two nodes over Redis', () => {
  const setup = useWorld();

  it('a relay from node B to node A is counted by B and timed across the bus by A, each in its own registry', async () => {
    const db = setup.track(await sqliteInMemory.open());
    const prefix = `carecall-test-${randomUUID()}:`;
    const nodes: TestServer[] = [];
    for (const _ of [1, 2]) {
      const bus = setup.track(new RedisBus(redisUrl() as string, () => {}, prefix));
      nodes.push(setup.track(await startServer(db, { bus, env: { METRICS_TOKEN } })));
    }
    const [a, b] = nodes as [TestServer, TestServer];
    const world = await seedWorld(a.ctx.store);
    const signIn = (node: TestServer, who: Person) => Agent.signIn(node, EMAIL[who]);
    const socketOf = async (agent: Agent): Promise<SocketClient> => {
      const s = setup.track(await agent.socket());
      await s.next('welcome');
      return s;
    };
    const doctor = await signIn(a, 'doctor');
    const patient = await signIn(b, 'patient');
    await doctor.request('POST', `/api/appointments/${world.appointment.id}/call/start`, {});
    await patient.request('POST', `/api/appointments/${world.appointment.id}/call/join`, {});
    const d = await socketOf(doctor);
    const p = await socketOf(patient);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    await d.next('peer-joined');
    const [beforeA, beforeB] = await Promise.all([scrape(a.url), scrape(b.url)]);

    expect(await p.call({ type: 'offer', sdp: SDP })).toMatchObject({ type: 'ack' });
    await d.next('offer');
    const [afterA, afterB] = await Promise.all([scrape(a.url), scrape(b.url)]);

    const relayedOffers = (s: Scrape) =>
      s.value('carecall_signaling_messages_relayed_total', { type: 'offer' });
    expect(relayedOffers(afterB) - relayedOffers(beforeB)).toBe(1);
    expect(relayedOffers(afterA) - relayedOffers(beforeA)).toBe(0);
    const relayTimed = (s: Scrape) => s.count('carecall_signaling_relay_latency_seconds');
    expect(relayTimed(afterA) - relayTimed(beforeA)).toBe(1);
    expect(relayTimed(afterB) - relayTimed(beforeB)).toBe(0);
    const busTimed = (s: Scrape) => s.count('carecall_bus_delivery_latency_seconds');
    expect(busTimed(afterA) - busTimed(beforeA)).toBeGreaterThanOrEqual(1);
    // Each node sees one socket of its own; both read the same call from the database.
    for (const s of [afterA, afterB]) {
      expect(s.value('carecall_signaling_connections', { transport: 'websocket' })).toBe(1);
      expect(s.value('carecall_signaling_rooms')).toBe(1);
      expect(s.value('carecall_calls', { state: 'in_progress' })).toBe(1);
    }
  });
});

describe('deploy/: the dashboard and the alert rules use only metrics a node serves', () => {
  const setup = useWorld({ env: { METRICS_TOKEN } });

  it('the Grafana JSON and the Prometheus YAML parse, and every metric they name is in a real /metrics', async () => {
    const { server } = await setup.open();
    const served = (await scrape(server.url)).seriesNames();
    // Prometheus adds `up` to every target itself.
    served.add('up');

    const dashboard = JSON.parse(
      await readFile(join(ROOT, 'deploy/grafana/carecall-dashboard.json'), 'utf8'),
    );
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.templating.list.some((v: { type: string }) => v.type === 'datasource')).toBe(true);
    const panelExprs: string[] = dashboard.panels.flatMap((panel: { targets?: Array<{ expr: string }> }) =>
      (panel.targets ?? []).map((t) => t.expr),
    );
    expect(panelExprs.length).toBeGreaterThan(8);

    const rules = parseYaml(await readFile(join(ROOT, 'deploy/prometheus/carecall-alerts.yml'), 'utf8'));
    const alerts: Array<{ alert: string; expr: string; for?: string }> = rules.groups.flatMap(
      (g: { rules: unknown[] }) => g.rules,
    );
    expect(alerts.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'CarecallNodeDown',
        'CarecallRelayLatencyHigh',
        'CarecallErrorRateHigh',
        'CarecallEventLoopLagHigh',
      ]),
    );
    for (const r of alerts) expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
    const scrapeConfig = parseYaml(await readFile(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    expect(scrapeConfig.rule_files).toContain('carecall-alerts.yml');
    expect(JSON.stringify(scrapeConfig.scrape_configs)).toContain('credentials_file');

    const used = new Set<string>();
    for (const expr of [...panelExprs, ...alerts.map((r) => r.expr)]) {
      for (const m of expr.matchAll(/\b(carecall_[a-z_]+|process_[a-z_]+|nodejs_[a-z_0-9]+|up)\b/g))
        used.add(m[1] as string);
    }
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
