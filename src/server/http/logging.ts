import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

/** A request target without its query string: a token pasted into `?token=` must not reach the log. */
export function withoutQuery<T>(target: T): T {
  if (typeof target !== 'string') return target;
  const q = target.indexOf('?');
  return (q < 0 ? target : target.slice(0, q)) as T;
}

/**
 * The server's logger: cookies, credentials and CSRF tokens redacted, request targets logged without
 * their query string (also under `path`, where the WebSocket plugin logs one). `override` (tests) may
 * change the level and the destination; redaction and serializers always apply.
 */
export function loggerOptions(
  config: Config,
  override: FastifyServerOptions['logger'] | undefined,
): Exclude<FastifyServerOptions['logger'], undefined> {
  if (override === false) return false;
  return {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: withoutQuery(req.url),
        remoteAddress: req.ip,
        ...(req.socket?.remotePort === undefined ? {} : { remotePort: req.socket.remotePort }),
      }),
      url: withoutQuery,
      path: withoutQuery,
    },
    ...(typeof override === 'object' ? override : {}),
  };
}
