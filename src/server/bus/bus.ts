/**
 * Fan-out between the sockets of one room or appointment, wherever they are connected. Payloads are
 * strings so a message is serialised once per publish, not once per recipient.
 */
export type BusHandler = (payload: string) => void;

export interface Bus {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, payload: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function ends it. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
