import type { ClientMessage, Peer, ServerMessage } from '../../protocol/messages.js';
import { Emitter } from '../lib/emitter.js';
import {
  type Ack,
  type RequestMessage,
  type SignalingChannel,
  type SocketEvents,
  SocketRequestError,
} from '../ws/reconnecting-socket.js';

/** A signaling server for one appointment's room, delivering asynchronously and in order like a socket. */
export class FakeRoomServer {
  readonly appointmentId: string;
  active = true;
  readonly #room = new Map<string, FakeSignalingChannel>();

  constructor(appointmentId = 'a1') {
    this.appointmentId = appointmentId;
  }

  connect(self: Peer): FakeSignalingChannel {
    return new FakeSignalingChannel(this, self);
  }

  inRoom(): string[] {
    return [...this.#room.keys()];
  }

  broadcast(message: ServerMessage): void {
    for (const member of this.#room.values()) member.deliver(message);
  }

  handle(from: FakeSignalingChannel, message: ClientMessage): SocketRequestError | null {
    const self = from.self;
    switch (message.type) {
      case 'join': {
        if (!this.active) return new SocketRequestError('call_not_active', 'The call is not active.');
        const peers = [...this.#room.values()].filter((c) => c !== from).map((c) => c.self);
        for (const other of this.#room.values()) {
          if (other.self.userId !== self.userId) other.deliver({ type: 'peer-joined', peer: self });
        }
        this.#room.set(self.userId, from);
        from.deliver({ type: 'joined', appointmentId: this.appointmentId, roomId: 'r1', self, peers });
        return null;
      }
      case 'leave':
        this.drop(from);
        return null;
      case 'offer':
      case 'answer':
      case 'ice-candidate':
      case 'media-state': {
        const { id: _id, ...rest } = message;
        for (const other of this.#room.values()) {
          if (other !== from) other.deliver({ ...rest, from: self } as ServerMessage);
        }
        return null;
      }
      default:
        return null;
    }
  }

  drop(channel: FakeSignalingChannel): void {
    if (this.#room.get(channel.self.userId) !== channel) return;
    this.#room.delete(channel.self.userId);
    for (const other of this.#room.values()) other.deliver({ type: 'peer-left', peer: channel.self });
  }
}

export class FakeSignalingChannel implements SignalingChannel {
  readonly events = new Emitter<SocketEvents>();
  readonly sent: ClientMessage[] = [];
  readonly self: Peer;
  isReady = true;
  readonly #server: FakeRoomServer;
  #seq = 0;

  constructor(server: FakeRoomServer, self: Peer) {
    this.#server = server;
    this.self = self;
  }

  send(message: ClientMessage): boolean {
    if (!this.isReady) return false;
    this.sent.push(message);
    this.#server.handle(this, message);
    return true;
  }

  request(message: RequestMessage): Promise<Ack> {
    if (!this.isReady) return Promise.reject(new SocketRequestError('disconnected', 'Not connected.'));
    const full = { ...message, id: `r${++this.#seq}` } as ClientMessage;
    this.sent.push(full);
    const error = this.#server.handle(this, full);
    return error ? Promise.reject(error) : Promise.resolve({ message: null });
  }

  deliver(message: ServerMessage): void {
    setImmediate(() => {
      if (this.isReady) this.events.emit('message', message);
    });
  }

  /** The socket drops: the server sees the member leave. */
  drop(): void {
    this.isReady = false;
    this.#server.drop(this);
    this.events.emit('down', undefined);
  }

  restore(): void {
    this.isReady = true;
    this.events.emit('ready', { reconnected: true });
  }

  sentOfType<T extends ClientMessage['type']>(type: T): Extract<ClientMessage, { type: T }>[] {
    return this.sent.filter((m): m is Extract<ClientMessage, { type: T }> => m.type === type);
  }
}
