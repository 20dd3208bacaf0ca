import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config.js';

/**
 * The timeouts Fastify and Node's HTTP server take from the configuration. A request must arrive whole
 * (headers and body) within `requestTimeout`, its headers within `headersTimeout`; a connection with no
 * traffic either way is closed after the idle timeout, an idle keep-alive one sooner. Node checks the
 * first two every `connectionsCheckingInterval` (30 s by default, which would let a slow client hold a
 * connection for up to half a minute past its limit).
 */
export function httpTimeouts(config: Config) {
  const h = config.http;
  const nodeOptions = {
    headersTimeout: h.headersTimeoutMs,
    requestTimeout: h.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(250, Math.min(h.headersTimeoutMs, h.requestTimeoutMs) / 4),
  };
  return {
    fastify: {
      requestTimeout: h.requestTimeoutMs,
      connectionTimeout: h.idleTimeoutMs,
      keepAliveTimeout: h.keepAliveTimeoutMs,
    },
    node: nodeOptions,
  };
}

/**
 * Caps the connections the server holds: in all (Node refuses those over `maxConnections`) and per client
 * address, counted on the TCP connection, so that one address cannot take every slot. A connection over
 * the cap is closed before a byte of it is read. Returns the number of open connections per address.
 */
export function capConnections(server: Server, config: Config): ReadonlyMap<string, number> {
  server.maxConnections = config.http.maxConnections;
  const open = new Map<string, number>();
  const max = config.http.maxConnectionsPerAddress;
  if (max <= 0) return open;
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= max) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  return open;
}
