import type { ErrorCode } from '../../protocol/errors.js';
import type { ChatMessageView, ClientMessage, ServerMessage } from '../../protocol/messages.js';
import type { PROTOCOL_VERSION } from '../../protocol/version.js';
import { Emitter } from '../lib/emitter.js';
import type { Timers } from '../lib/timers.js';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { CLOSE, closeReasonWords, isFatalClose } from './close-reasons.js';

const CLIENT_PROTOCOL_VERSION: typeof PROTOCOL_VERSION = 1;

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number, reason: string): void;
}

export interface SocketConnection {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketConnection;

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'failed';

export interface FatalClose {
  code: number;
  reason: string;
  /** What to tell the user. */
  message: string;
}

export interface SocketEvents {
  state: ConnectionState;
  /** The server said welcome: messages may flow. `reconnected` is false the first time. */
  ready: { reconnected: boolean };
  /** A ready connection was lost; a reconnect is scheduled. */
  down: undefined;
  fatal: FatalClose;
  message: ServerMessage;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type RequestMessage = WithoutId<ClientMessage>;

export interface Ack {
  message: ChatMessageView | null;
}

export type RequestErrorCode = ErrorCode | 'disconnected' | 'timeout';

export class SocketRequestError extends Error {
  override readonly name = 'SocketRequestError';
  readonly code: RequestErrorCode;

  constructor(code: RequestErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** The message may not have reached the server; sending it again another way is safe to try. */
  get isTransient(): boolean {
    return this.code === 'disconnected' || this.code === 'timeout';
  }
}

/** What the peer call and chat need from the signaling socket. */
export interface SignalingChannel {
  readonly isReady: boolean;
  readonly events: Pick<Emitter<SocketEvents>, 'on'>;
  send(message: ClientMessage): boolean;
  request(message: RequestMessage, timeoutMs?: number): Promise<Ack>;
  /** Replaces the connection with a new one at once, e.g. so its upgrade carries a cookie set since. */
  reconnect(): void;
}

export interface ReconnectingSocketOptions {
  url: string;
  createSocket: SocketFactory;
  timers: Timers;
  now: () => number;
  random: () => number;
  backoff?: BackoffOptions;
  /** How often to ping a quiet connection. */
  heartbeatMs?: number;
  /** A connection with no inbound frame for this long is treated as dead. */
  staleAfterMs?: number;
  /** How long to wait for `welcome` after connecting. */
  readyTimeoutMs?: number;
  requestTimeoutMs?: number;
}

interface Pending {
  resolve(ack: Ack): void;
  reject(error: SocketRequestError): void;
  timer: unknown;
}

function parseServerMessage(data: string): ServerMessage | null {
  try {
    const value: unknown = JSON.parse(data);
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { type?: unknown }).type === 'string'
    ) {
      return value as ServerMessage;
    }
  } catch {
    // fall through: a frame we cannot read is dropped
  }
  return null;
}

/**
 * The signaling WebSocket: waits for `welcome`, re-sends retained messages (subscribe, join) after every
 * reconnect, reconnects with backoff unless the close code is fatal, and matches acks to requests.
 */
export class ReconnectingSocket implements SignalingChannel {
  readonly events = new Emitter<SocketEvents>();
  readonly #options: Required<ReconnectingSocketOptions>;
  #state: ConnectionState = 'idle';
  #connection: SocketConnection | null = null;
  #generation = 0;
  #attempt = 0;
  #everReady = false;
  #ready = false;
  #lastInbound = 0;
  #reconnectTimer: unknown = null;
  #readyTimer: unknown = null;
  #heartbeat: unknown = null;
  #seq = 0;
  readonly #pending = new Map<string, Pending>();
  readonly #retained = new Map<string, ClientMessage>();

  constructor(options: ReconnectingSocketOptions) {
    this.#options = {
      backoff: DEFAULT_BACKOFF,
      heartbeatMs: 25_000,
      staleAfterMs: 60_000,
      readyTimeoutMs: 10_000,
      requestTimeoutMs: 10_000,
      ...options,
    };
  }

  get state(): ConnectionState {
    return this.#state;
  }

  get isReady(): boolean {
    return this.#ready;
  }

  connect(): void {
    if (this.#state !== 'idle') return;
    this.#open();
  }

  /** Skip the backoff wait, e.g. when the browser reports it is back online. */
  reconnectNow(): void {
    if (this.#state !== 'reconnecting' || this.#reconnectTimer === null) return;
    this.#options.timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#open();
  }

  reconnect(): void {
    if (this.#state === 'idle') {
      this.connect();
      return;
    }
    if (this.#state === 'closed' || this.#state === 'failed') return;
    const connection = this.#connection;
    this.#teardown();
    try {
      connection?.close(CLOSE.client_reconnecting, 'reconnecting');
    } catch {
      // dropped either way
    }
    this.#open();
  }

  send(message: ClientMessage): boolean {
    if (!this.#ready || !this.#connection) return false;
    try {
      this.#connection.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  request(message: RequestMessage, timeoutMs = this.#options.requestTimeoutMs): Promise<Ack> {
    if (!this.#ready) {
      return Promise.reject(new SocketRequestError('disconnected', 'Not connected.'));
    }
    const id = `c${++this.#seq}`;
    return new Promise<Ack>((resolve, reject) => {
      const timer = this.#options.timers.setTimeout(() => {
        this.#pending.delete(id);
        reject(new SocketRequestError('timeout', 'The server did not answer in time.'));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      if (!this.send({ ...message, id } as ClientMessage)) {
        this.#settle(id, null, new SocketRequestError('disconnected', 'Not connected.'));
      }
    });
  }

  /** Sends `message` now if connected and again after every reconnect, until the returned function runs. */
  retain(key: string, message: ClientMessage): () => void {
    this.#retained.set(key, message);
    this.send(message);
    return () => {
      if (this.#retained.get(key) === message) this.#retained.delete(key);
    };
  }

  close(): void {
    if (this.#state === 'closed') return;
    const connection = this.#connection;
    this.#teardown();
    this.#setState('closed');
    try {
      connection?.close(1000, 'client closed');
    } catch {
      // already closing
    }
  }

  #open(): void {
    const generation = ++this.#generation;
    this.#setState(this.#everReady ? 'reconnecting' : 'connecting');
    const current = () => generation === this.#generation;
    this.#readyTimer = this.#options.timers.setTimeout(() => {
      this.#readyTimer = null;
      if (current()) this.#lost();
    }, this.#options.readyTimeoutMs);
    try {
      this.#connection = this.#options.createSocket(this.#options.url, {
        open: () => {
          if (current()) this.#lastInbound = this.#options.now();
        },
        message: (data) => {
          if (current()) this.#receive(data);
        },
        close: (code, reason) => {
          if (!current()) return;
          if (isFatalClose(code)) this.#fail(code, reason);
          else this.#lost();
        },
      });
    } catch {
      this.#lost();
    }
  }

  #receive(data: string): void {
    this.#lastInbound = this.#options.now();
    const message = parseServerMessage(data);
    if (!message) return;
    if (message.type === 'welcome') {
      if (message.v !== CLIENT_PROTOCOL_VERSION) {
        this.#fail(CLOSE.protocol_version, 'protocol version');
        return;
      }
      this.#becomeReady();
    } else if (message.type === 'ack') {
      this.#settle(message.id, { message: message.message ?? null }, null);
    } else if (message.type === 'error' && message.id !== undefined) {
      this.#settle(message.id, null, new SocketRequestError(message.code, message.message));
    }
    this.events.emit('message', message);
  }

  #becomeReady(): void {
    if (this.#readyTimer !== null) this.#options.timers.clearTimeout(this.#readyTimer);
    this.#readyTimer = null;
    const reconnected = this.#everReady;
    this.#ready = true;
    this.#everReady = true;
    this.#attempt = 0;
    this.#heartbeat = this.#options.timers.setInterval(() => this.#beat(), this.#options.heartbeatMs);
    this.#setState('open');
    for (const message of this.#retained.values()) this.send(message);
    this.events.emit('ready', { reconnected });
  }

  #beat(): void {
    if (this.#options.now() - this.#lastInbound >= this.#options.staleAfterMs) {
      this.#lost();
      return;
    }
    this.send({ type: 'ping' });
  }

  #settle(id: string, ack: Ack | null, error: SocketRequestError | null): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    this.#options.timers.clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else if (ack) pending.resolve(ack);
  }

  #teardown(): void {
    this.#generation++;
    const wasReady = this.#ready;
    this.#ready = false;
    this.#connection = null;
    const { timers } = this.#options;
    if (this.#readyTimer !== null) timers.clearTimeout(this.#readyTimer);
    if (this.#reconnectTimer !== null) timers.clearTimeout(this.#reconnectTimer);
    if (this.#heartbeat !== null) timers.clearInterval(this.#heartbeat);
    this.#readyTimer = null;
    this.#reconnectTimer = null;
    this.#heartbeat = null;
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, null, new SocketRequestError('disconnected', 'The connection was lost.'));
    }
    if (wasReady) this.events.emit('down', undefined);
  }

  #lost(): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    const connection = this.#connection;
    this.#teardown();
    try {
      connection?.close(CLOSE.client_reconnecting, 'reconnecting');
    } catch {
      // a dead socket may refuse to close; it is dropped either way
    }
    this.#setState(this.#everReady ? 'reconnecting' : 'connecting');
    const delay = backoffDelay(this.#attempt++, this.#options.random, this.#options.backoff);
    this.#reconnectTimer = this.#options.timers.setTimeout(() => {
      this.#reconnectTimer = null;
      this.#open();
    }, delay);
  }

  #fail(code: number, reason: string): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    const connection = this.#connection;
    this.#teardown();
    try {
      connection?.close(1000, 'fatal');
    } catch {
      // already closed by the server
    }
    this.#setState('failed');
    this.events.emit('fatal', { code, reason, message: closeReasonWords(code, reason) });
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.events.emit('state', state);
  }
}
