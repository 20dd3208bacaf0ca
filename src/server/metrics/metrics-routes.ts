import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { answerScrape, type TokenDigest } from './metrics-exposure.js';
import type { NodeMetrics } from './node-metrics.js';

/** An error body's code, which errorBody writes just before its message; only error replies are read. */
const ERROR_CODE = /"code":"([a-z_]{1,64})","message":/;

/**
 * Counts every HTTP answer by route pattern and status, and every error reply by its code (whichever part
 * of the app sent it: the error handler, a route, a hook); serves `/metrics` on the main port when the
 * configuration puts it there (with the token).
 */
export function metricsRoutes(
  app: FastifyInstance,
  config: Config,
  metrics: NodeMetrics,
  token: TokenDigest | null,
): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      const code = ERROR_CODE.exec(payload)?.[1];
      metrics.error('http', code ?? 'other');
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.httpRequest(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode);
  });
  // Off, or on a listener of its own (METRICS_PORT): the main port has no /metrics, so it answers 404.
  if (!config.metrics || config.metrics.listener) return;
  app.get('/metrics', async (req, reply) => {
    const answer = await answerScrape(metrics, token, req.headers.authorization);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
}
