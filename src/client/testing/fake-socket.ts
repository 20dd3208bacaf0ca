import type { ClientMessage, ServerMessage } from '../../protocol/messages.js';
import type { SocketConnection, SocketFactory, SocketHandlers } from '../ws/reconnecting-socket.js';

export class FakeConnection implements SocketConnection {
  readonly sent: ClientMessage[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | null = null;
  readonly url: string;
  readonly handlers: SocketHandlers;

  constructor(url: string, handlers: SocketHandlers) {
    this.url = url;
    this.handlers = handlers;
  }

  send(data: string): void {
    if (this.closedWith) throw new Error('closed');
    this.sent.push(JSON.parse(data) as ClientMessage);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  open(): void {
    this.handlers.open();
  }

  receive(message: ServerMessage | Record<string, unknown>): void {
    this.handlers.message(JSON.stringify(message));
  }

  welcome(v = 1): void {
    this.open();
    this.receive({ type: 'welcome', v, user: { id: 'u1', role: 'doctor', displayName: 'Dr. A' } });
  }

  serverClose(code: number, reason = ''): void {
    this.handlers.close(code, reason);
  }
}

export function fakeSocketFactory(): { factory: SocketFactory; connections: FakeConnection[] } {
  const connections: FakeConnection[] = [];
  return {
    connections,
    factory: (url, handlers) => {
      const connection = new FakeConnection(url, handlers);
      connections.push(connection);
      return connection;
    },
  };
}
