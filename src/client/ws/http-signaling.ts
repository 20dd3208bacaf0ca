import type { SignalOpenResult, SignalPollResult } from '../../protocol/api.js';
import type { ErrorCode } from '../../protocol/errors.js';
import type { ClientMessage, ServerMessage } from '../../protocol/messages.js';
import { ApiError } from '../api/api-error.js';
import type { Timers } from '../lib/timers.js';
import { CLOSE } from './close-reasons.js';
import type { SocketConnection, SocketFactory, SocketHandlers } from './reconnecting-socket.js';

/** What the HTTP fallback needs from the API client. */
export interface SignalApi {
  openSignal(): Promise<SignalOpenResult>;
  sendSignal(connectionId: string, message: ClientMessage): Promise<void>;
  pollSignal(connectionId: string, cursor: number, signal: AbortSignal): Promise<SignalPollResult>;
  closeSignal(connectionId: string): Promise<void>;
}

export interface HttpSignalingOptions {
  api: SignalApi;
  timers: Timers;
  /** A poll with no answer this long after the server's own long-poll timeout is treated as lost. */
  pollGraceMs?: number;
}

/** Closes like a network loss, which the reconnecting socket retries (and then resumes, S17). */
export const HTTP_SIGNAL_LOST = 1006;

/** The close code a WebSocket would have seen for an HTTP refusal. */
function closeFor(error: unknown): { code: number; reason: string } {
  if (error instanceof ApiError) {
    if (error.code === 'session_expired') return { code: CLOSE.session_expired, reason: error.message };
    if (error.status === 401) return { code: CLOSE.unauthenticated, reason: error.message };
    if (error.code === 'origin_not_allowed') return { code: CLOSE.origin_not_allowed, reason: error.message };
    return { code: HTTP_SIGNAL_LOST, reason: error.code };
  }
  return { code: HTTP_SIGNAL_LOST, reason: 'signal request failed' };
}

/** Refusals of one message that a WebSocket would have answered with an `error` frame. */
function isMessageRefusal(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    error.code !== 'signal_connection_unknown' &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 401
  );
}

/**
 * One signaling connection over HTTP (docs/protocol.md S22), behind the same interface as a WebSocket:
 * `POST /api/signal` opens it, one long poll at a time brings the server's messages, sends are posted in
 * order, each after the previous one was answered.
 */
class HttpSignalConnection implements SocketConnection {
  readonly #api: SignalApi;
  readonly #handlers: SocketHandlers;
  readonly #timers: Timers;
  readonly #pollGraceMs: number;
  readonly #abort = new AbortController();
  #connectionId: string | null = null;
  #closed = false;
  #sending: Promise<void> = Promise.resolve();

  constructor(handlers: SocketHandlers, options: HttpSignalingOptions) {
    this.#api = options.api;
    this.#handlers = handlers;
    this.#timers = options.timers;
    this.#pollGraceMs = options.pollGraceMs ?? 10_000;
    void this.#run();
  }

  send(data: string): void {
    if (this.#closed || this.#connectionId === null) throw new Error('The signaling connection is not open.');
    const connectionId = this.#connectionId;
    const message = JSON.parse(data) as ClientMessage;
    this.#sending = this.#sending.then(() => this.#post(connectionId, message));
  }

  close(): void {
    if (this.#closed) return;
    this.#stop();
    if (this.#connectionId !== null) void this.#api.closeSignal(this.#connectionId).catch(() => undefined);
  }

  #stop(): void {
    this.#closed = true;
    this.#abort.abort();
  }

  async #run(): Promise<void> {
    let opened: SignalOpenResult;
    try {
      opened = await this.#api.openSignal();
    } catch (error) {
      this.#end(closeFor(error));
      return;
    }
    if (this.#closed) {
      void this.#api.closeSignal(opened.connectionId).catch(() => undefined);
      return;
    }
    this.#connectionId = opened.connectionId;
    this.#handlers.open();
    this.#deliver(opened.welcome);
    let cursor = 0;
    while (!this.#closed) {
      let result: SignalPollResult;
      try {
        result = await this.#poll(opened.connectionId, cursor, opened.pollTimeoutMs);
      } catch (error) {
        this.#end(closeFor(error));
        return;
      }
      for (const message of result.messages) {
        if (this.#closed) return;
        this.#deliver(message);
      }
      cursor = result.cursor;
      if (result.closed) {
        this.#end(result.closed);
        return;
      }
    }
  }

  async #poll(connectionId: string, cursor: number, pollTimeoutMs: number): Promise<SignalPollResult> {
    const timer = this.#timers.setTimeout(() => this.#abort.abort(), pollTimeoutMs + this.#pollGraceMs);
    try {
      return await this.#api.pollSignal(connectionId, cursor, this.#abort.signal);
    } finally {
      this.#timers.clearTimeout(timer);
    }
  }

  async #post(connectionId: string, message: ClientMessage): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#api.sendSignal(connectionId, message);
    } catch (error) {
      if (this.#closed) return;
      if (isMessageRefusal(error)) {
        // The server refused this one message, as it would answer over a WebSocket.
        if (message.type !== 'ack' && message.id !== undefined) {
          this.#deliver({
            type: 'error',
            code: error.code as ErrorCode,
            message: error.message,
            id: message.id,
          });
        }
        return;
      }
      this.#end(closeFor(error));
    }
  }

  #deliver(message: ServerMessage): void {
    if (!this.#closed) this.#handlers.message(JSON.stringify(message));
  }

  /** The connection is over from the server's side (or unreachable): nothing to delete there. */
  #end(close: { code: number; reason: string }): void {
    if (this.#closed) return;
    this.#stop();
    this.#handlers.close(close.code, close.reason);
  }
}

export function httpSignalingFactory(options: HttpSignalingOptions): SocketFactory {
  return (_url, handlers) => new HttpSignalConnection(handlers, options);
}

export interface FallbackOptions {
  /** null when the browser has no WebSocket. */
  webSocket: SocketFactory | null;
  http: SocketFactory;
  /** WebSocket attempts that never open before signaling moves to HTTP for the rest of the page's life. */
  failuresBeforeFallback?: number;
}

/**
 * WebSockets first; HTTP when there are none, or when they never opened `failuresBeforeFallback` times in
 * a row (a firewall or proxy that blocks the upgrade). A WebSocket that opened once proves the path works:
 * later losses are network trouble, which the reconnecting socket retries as before.
 */
export function fallbackSocketFactory(options: FallbackOptions): SocketFactory {
  const limit = options.failuresBeforeFallback ?? 3;
  let failures = 0;
  let everOpened = false;
  let useHttp = options.webSocket === null;
  return (url, handlers) => {
    const webSocket = options.webSocket;
    if (useHttp || !webSocket) return options.http(url, handlers);
    let settled = false;
    const failed = () => {
      if (settled) return;
      settled = true;
      if (everOpened) return;
      failures++;
      if (failures >= limit) useHttp = true;
    };
    let connection: SocketConnection;
    try {
      connection = webSocket(url, {
        open: () => {
          settled = true;
          everOpened = true;
          failures = 0;
          handlers.open();
        },
        message: (data) => handlers.message(data),
        close: (code, reason) => {
          failed();
          handlers.close(code, reason);
        },
      });
    } catch (error) {
      failed();
      throw error;
    }
    return {
      send: (data) => connection.send(data),
      close: (code, reason) => {
        failed();
        connection.close(code, reason);
      },
    };
  };
}
