import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config, MetricsConfig } from '../config.js';
import type { NodeMetrics } from './node-metrics.js';

/**
 * Who may read `/metrics`, and where (docs/operations.md, "Monitoring"): with METRICS_PORT on a listener of
 * its own (loopback unless a token guards it), otherwise on the main port; with a token (METRICS_TOKEN or
 * METRICS_TOKEN_FILE) only for `Authorization: Bearer <token>`. Without any of them there is no `/metrics`.
 */

/** The token's digest: requests are compared with it in constant time, whatever their length. */
export type TokenDigest = Buffer;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The operator's token, read once at start. A file that cannot be read or is empty stops the start with a
 * line that names the variable, never the token.
 */
export function loadMetricsToken(metrics: MetricsConfig): TokenDigest | null {
  const source = metrics.token;
  if (!source) return null;
  if (source.kind === 'inline') return digest(source.value);
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (err) {
    throw new Error(
      `METRICS_TOKEN_FILE: cannot read ${source.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const token = text.trim();
  if (token.length < 16)
    throw new Error('METRICS_TOKEN_FILE: the file must hold a token of at least 16 characters');
  return digest(token);
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Whether the request's `Authorization` header carries the token (compared in constant time). */
export function bearerMatches(header: string | undefined, token: TokenDigest): boolean {
  const m = header === undefined ? null : BEARER.exec(header);
  // A missing header is compared too, so the answer takes as long either way.
  return timingSafeEqual(digest(m?.[1] ?? ''), token) && m !== null;
}

export interface MetricsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const UNAUTHORIZED: MetricsAnswer = {
  status: 401,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'www-authenticate': 'Bearer realm="carecall metrics"',
  },
  body: JSON.stringify({
    error: { code: 'unauthenticated', message: 'Send the metrics token as a bearer token.' },
  }),
};

/** The answer to a GET of `/metrics`. */
export async function answerScrape(
  metrics: NodeMetrics,
  token: TokenDigest | null,
  authorization: string | undefined,
): Promise<MetricsAnswer> {
  if (token && !bearerMatches(authorization, token)) return UNAUTHORIZED;
  const { contentType, body } = await metrics.scrape();
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
}

function send(res: ServerResponse, answer: MetricsAnswer): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

const NOT_FOUND: MetricsAnswer = {
  status: 404,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } }),
};

/** The listener of METRICS_PORT: `GET /metrics` and nothing else. */
export class MetricsListener {
  private server: Server | null = null;

  constructor(
    private readonly metrics: NodeMetrics,
    private readonly token: TokenDigest | null,
    private readonly where: { port: number; host: string },
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Resolves with the address it listens on; a port that cannot be bound rejects (the start fails). */
  async listen(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.where.port, this.where.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      send(res, NOT_FOUND);
      return;
    }
    try {
      send(res, await answerScrape(this.metrics, this.token, req.headers.authorization));
    } catch (err) {
      this.onError(err);
      res.writeHead(500).end();
    }
  }
}

/** How `/metrics` is served by this configuration: for the start's log line and the demo's print-out. */
export function describeMetrics(config: Config): string | null {
  const m = config.metrics;
  if (!m) return null;
  const auth = m.token ? ' with the bearer token' : '';
  return m.listener
    ? `metrics: http://${m.listener.host.includes(':') ? `[${m.listener.host}]` : m.listener.host}:${m.listener.port}/metrics${auth}`
    : `metrics: ${config.publicOrigin}/metrics${auth}`;
}
