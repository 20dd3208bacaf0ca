import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Daemon, freePort, startDaemon } from './processes.js';

/**
 * Debian's Prometheus and promtool (apt-get install prometheus) for a test: the server on loopback with a
 * configuration and storage of its own, removed when it stops.
 */
export const PROMETHEUS = '/usr/bin/prometheus';
export const PROMTOOL = '/usr/bin/promtool';
const READY_TIMEOUT_MS = 20_000;

/** promtool with these arguments (and `input` on its stdin): its exit status and what it printed. */
export function promtool(args: readonly string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

/** One answer of Prometheus's HTTP API (`/api/v1/...`): its `data`, or an error naming what it said. */
export interface PrometheusServer {
  readonly url: string;
  readonly daemon: Daemon;
  /** The `data` of GET `/api/v1/<path>`. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  /** An instant query's vector: each series' labels and value. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus with `config` (the YAML text of prometheus.yml) written beside `files` (more files
 * the configuration names, such as rule files and a token file: name → content). Resolves once `/-/ready`
 * answers 200.
 */
export async function startPrometheus(
  config: string,
  files: Record<string, string> = {},
): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'carecall-prometheus-'));
  for (const [name, content] of Object.entries(files))
    await writeFile(join(dir, name), content, { mode: 0o600 });
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const daemon = startDaemon(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cleanup: () => rm(dir, { recursive: true, force: true }) },
  );
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data?: T; error?: string };
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`Prometheus /api/v1/${path}: ${response.status} ${body.error ?? body.status}`);
    }
    return body.data;
  };
  const server: PrometheusServer = {
    url,
    daemon,
    api,
    query: async (expr) => {
      const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
        'query',
        { query: expr },
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    stop: () => daemon.stop(),
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!daemon.alive()) {
      await daemon.stop();
      throw new Error(`prometheus exited (${daemon.exitStatus()}):\n${daemon.logs()}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await daemon.stop();
  throw new Error(`prometheus was not ready on ${url} within ${READY_TIMEOUT_MS} ms:\n${daemon.logs()}`);
}
