import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { fetchMetrics, METRICS_TOKEN } from '../support/metrics.js';
import { type PrometheusServer, promtool, startPrometheus } from '../support/prometheus.js';
import { startServer, type TestServer } from '../support/server.js';
import { serviceAvailable, sqliteInMemory } from '../support/suites.js';

// What deploy/prometheus/ ships, checked by Prometheus itself: promtool validates the rules and runs their
// unit tests, lints a real node's /metrics, and a real Prometheus scrapes a node with the shipped scrape
// configuration, evaluates every alert rule on what it scraped, and notices when the node goes away.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(ROOT, 'deploy/prometheus');
const ALERTS = join(DEPLOY, 'carecall-alerts.yml');

interface RuleState {
  name: string;
  type: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  alerts?: Array<{ state: string; labels: Record<string, string> }>;
}

/**
 * The shipped prometheus.yml pointed at one local node: the same job, bearer token file and rule file,
 * plain HTTP on loopback, and a 1 s scrape and evaluation so that a test sees results in seconds.
 */
async function shippedConfigFor(node: TestServer): Promise<string> {
  const config = parseYaml(await readFile(join(DEPLOY, 'prometheus.yml'), 'utf8'));
  const job = config.scrape_configs.find((c: { job_name: string }) => c.job_name === 'carecall');
  expect(job.authorization).toMatchObject({ type: 'Bearer' });
  expect(config.rule_files).toEqual(['carecall-alerts.yml']);
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  job.scheme = 'http';
  job.authorization.credentials_file = 'carecall-metrics-token';
  job.static_configs = [{ targets: [new URL(node.url).host] }];
  return stringifyYaml(config);
}

describe.runIf(serviceAvailable('prometheus'))('deploy/prometheus, checked by Prometheus', () => {
  /** Stopped after each test, last started first; each at most once. */
  const stops: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  function once(stop: () => Promise<unknown>): () => Promise<unknown> {
    let done: Promise<unknown> | null = null;
    const run = () => {
      done ??= stop();
      return done;
    };
    stops.push(run);
    return run;
  }

  /** A node serving /metrics behind METRICS_TOKEN, and how to stop it before the test ends. */
  async function node(): Promise<{ server: TestServer; stop: () => Promise<unknown> }> {
    const db = await sqliteInMemory.open();
    once(async () => db.close());
    const server = await startServer(db, { env: { METRICS_TOKEN } });
    return { server, stop: once(() => server.close()) };
  }

  it('promtool: the alert rules are valid, and their unit tests (each alert fires, and stays quiet when healthy) pass', () => {
    const check = promtool(['check', 'rules', ALERTS]);
    expect(check.status, check.output).toBe(0);
    expect(check.output).toContain('SUCCESS: 7 rules found');
    const tests = promtool(['test', 'rules', join(DEPLOY, 'carecall-alerts.test.yml')]);
    expect(tests.status, tests.output).toBe(0);
    expect(tests.output).toContain('SUCCESS');
  });

  it('promtool: a rule unit test with a wrong expectation fails, so the passing run above means something', async () => {
    const text = await readFile(join(DEPLOY, 'carecall-alerts.test.yml'), 'utf8');
    const wrong = text.replace('takes over 496ms', 'takes over 497ms');
    expect(wrong).not.toBe(text);
    const dir = await mkdtemp(join(tmpdir(), 'carecall-rules-'));
    try {
      await copyFile(ALERTS, join(dir, 'carecall-alerts.yml'));
      await writeFile(join(dir, 'wrong.test.yml'), wrong);
      const run = promtool(['test', 'rules', join(dir, 'wrong.test.yml')]);
      expect(run.status).not.toBe(0);
      expect(run.output).toContain('FAILED');
      expect(run.output).toContain('CarecallRelayLatencyHigh');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('promtool check metrics: a real node’s /metrics follows Prometheus’s naming and format rules', async () => {
    const { server } = await node();
    const scrape = await fetchMetrics(server.url, METRICS_TOKEN);
    expect(scrape.status).toBe(200);
    const lint = promtool(['check', 'metrics'], scrape.text);
    // carecall's own families have no finding. prom-client's default Node metrics name three gauges
    // `…_total`; they stay as prom-client names them, which the usual Node.js dashboards expect.
    const PROM_CLIENT_GAUGES = [
      'nodejs_active_handles_total',
      'nodejs_active_requests_total',
      'nodejs_active_resources_total',
    ];
    const findings = lint.output.split('\n').filter(Boolean);
    expect(findings.filter((line) => line.startsWith('carecall_'))).toEqual([]);
    expect(findings).toEqual(
      PROM_CLIENT_GAUGES.map((name) => `${name} non-counter metrics should not have "_total" suffix`),
    );
  });

  it('promtool check config: the shipped scrape configuration is valid once its token file exists', async () => {
    const { server } = await node();
    const dir = await mkdtemp(join(tmpdir(), 'carecall-promconf-'));
    try {
      await writeFile(join(dir, 'prometheus.yml'), await shippedConfigFor(server));
      await copyFile(ALERTS, join(dir, 'carecall-alerts.yml'));
      await writeFile(join(dir, 'carecall-metrics-token'), METRICS_TOKEN, { mode: 0o600 });
      const check = promtool(['check', 'config', join(dir, 'prometheus.yml')]);
      expect(check.status, check.output).toBe(0);
      expect(check.output).toContain('SUCCESS: 7 rules found');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a real Prometheus scrapes a node with the shipped configuration and token, evaluates every alert rule without error, and CarecallNodeDown goes pending when the node stops', async () => {
    const { server, stop } = await node();
    const prometheus: PrometheusServer = await startPrometheus(await shippedConfigFor(server), {
      'carecall-alerts.yml': await readFile(ALERTS, 'utf8'),
      'carecall-metrics-token': METRICS_TOKEN,
    });
    once(() => prometheus.stop());
    const target = new URL(server.url).host;

    // The scrape succeeds with the token from the credentials file.
    await expect
      .poll(
        async () =>
          (await prometheus.query('up{job="carecall"}')).map((r) => [r.metric['instance'], r.value]),
        {
          timeout: 20_000,
          interval: 250,
        },
      )
      .toEqual([[target, 1]]);
    const connections = await prometheus.query('carecall_signaling_connections{job="carecall"}');
    expect(connections.map((r) => r.metric['transport']).sort()).toEqual(['long_poll', 'websocket']);
    expect(
      (await prometheus.query('process_resident_memory_bytes{job="carecall"}'))[0]?.value,
    ).toBeGreaterThan(0);

    // Every rule has been evaluated on the scraped series, and none failed (a wrong metric name would not
    // fail, so the names are checked against a real /metrics in metrics.test.ts; this catches bad PromQL,
    // bad templates and label clashes at evaluation time).
    await expect
      .poll(
        async () =>
          (await prometheus.api<{ groups: Array<{ rules: RuleState[] }> }>('rules')).groups.flatMap(
            (g) => g.rules,
          ),
        { timeout: 20_000, interval: 250 },
      )
      .toSatisfy(
        (all: RuleState[]) => all.length === 7 && all.every((r) => !r.lastEvaluation.startsWith('0001')),
      );
    const all = (await prometheus.api<{ groups: Array<{ rules: RuleState[] }> }>('rules')).groups.flatMap(
      (g) => g.rules,
    );
    expect(all.map((r) => [r.name, r.type, r.health, r.lastError ?? '']).sort()).toEqual(
      [
        'CarecallBusLatencyHigh',
        'CarecallDatabaseSlow',
        'CarecallErrorRateHigh',
        'CarecallEventLoopLagHigh',
        'CarecallNodeDown',
        'CarecallRelayLatencyHigh',
        'CarecallSignalingErrorsHigh',
      ].map((name) => [name, 'alerting', 'ok', '']),
    );
    expect(all.flatMap((r) => r.alerts ?? [])).toEqual([]);

    // The node goes away: the next scrape fails, up turns 0 and the node-down alert is pending for it.
    await stop();
    await expect
      .poll(
        async () =>
          (
            await prometheus.api<{ alerts: Array<{ state: string; labels: Record<string, string> }> }>(
              'alerts',
            )
          ).alerts.map((a) => [a.labels['alertname'], a.labels['instance'], a.state]),
        { timeout: 20_000, interval: 250 },
      )
      .toEqual([['CarecallNodeDown', target, 'pending']]);
  }, 90_000);
});
