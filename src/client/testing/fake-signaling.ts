import type { ClientMessage, Peer, ServerMessage } from '../../protocol/messages.js';
import { Emitter } from '../lib/emitter.js';
import {
  type Ack,
  type RequestMessage,
  type SignalingChannel,
  type SocketEvents,
  SocketRequestError,
} from '../ws/reconnecting-socket.js';

type Sequenced =
  | Extract<ServerMessage, { seq: number }>
  | (Extract<ServerMessage, { type: 'call-status' }> & { seq: number });
type Unsequenced<T> = T extends unknown ? Omit<T, 'seq'> : never;
export type RoomMessage = Unsequenced<Sequenced>;

interface Member {
  channel: FakeSignalingChannel;
  /** Messages sent to this member, with their seq, as the server keeps them for a resume (S17). */
  log: Sequenced[];
  /** The socket dropped but the server keeps the place for a resume. */
  away: boolean;
}

/**
 * A signaling server for one appointment's room, delivering asynchronously and in order like a socket.
 * It numbers room messages per recipient (S17), honours resumes, and can require a call cookie (S16).
 */
export class FakeRoomServer {
  readonly appointmentId: string;
  active = true;
  roomId = 'r1';
  /**
   * When true, a member whose socket drops keeps its place (no peer-left) and may resume; when false, the
   * drop removes it at once (S15) and its messages are forgotten.
   */
  holdOnDrop = false;
  /** The appointment's screen_sharing_active, as the doctor's screen-share messages set it (S10). */
  screenSharingActive = false;
  /** Users whose socket carries no call cookie for this call (S16). */
  readonly withoutGrant = new Set<string>();
  readonly #room = new Map<string, Member>();
  readonly #seq = new Map<string, number>();

  constructor(appointmentId = 'a1') {
    this.appointmentId = appointmentId;
  }

  connect(self: Peer): FakeSignalingChannel {
    return new FakeSignalingChannel(this, self);
  }

  inRoom(): string[] {
    return [...this.#room.keys()];
  }

  /** Sends a room message to every member, numbered per member. */
  broadcast(message: RoomMessage): void {
    for (const member of this.#room.values()) this.#send(member, message);
  }

  handle(from: FakeSignalingChannel, message: ClientMessage): SocketRequestError | null {
    const self = from.self;
    switch (message.type) {
      case 'join':
        return this.#join(from, message.resume ?? null);
      case 'leave':
        this.#remove(self.userId, from);
        return null;
      case 'screen-share':
        if (self.role !== 'doctor')
          return new SocketRequestError('wrong_role', 'Only the doctor shares a screen.');
        this.screenSharingActive = message.active;
        this.#relay(from, message);
        return null;
      case 'offer':
      case 'answer':
      case 'ice-candidate':
      case 'media-state': {
        const { id: _id, ...rest } = message;
        for (const member of this.#room.values()) {
          if (member.channel !== from) this.#send(member, { ...rest, from: self } as RoomMessage);
        }
        return null;
      }
      default:
        return null;
    }
  }

  #relay(from: FakeSignalingChannel, message: ClientMessage): void {
    const { id: _id, ...rest } = message as ClientMessage & { id?: string };
    for (const member of this.#room.values()) {
      if (member.channel !== from) this.#send(member, { ...rest, from: from.self } as RoomMessage);
    }
  }

  drop(channel: FakeSignalingChannel): void {
    const member = this.#room.get(channel.self.userId);
    if (member?.channel !== channel) return;
    if (this.holdOnDrop) member.away = true;
    else this.#remove(channel.self.userId, channel);
  }

  #join(
    from: FakeSignalingChannel,
    resume: { roomId: string; lastSeq: number } | null,
  ): SocketRequestError | null {
    const self = from.self;
    if (!this.active) return new SocketRequestError('call_not_active', 'The call is not active.');
    if (this.withoutGrant.has(self.userId)) {
      return new SocketRequestError('call_grant_required', 'Open the call from your appointment.');
    }
    const existing = this.#room.get(self.userId);
    const peers = [...this.#room.values()].filter((m) => m.channel.self.userId !== self.userId);
    const canResume =
      existing !== undefined &&
      resume !== null &&
      resume.roomId === this.roomId &&
      (existing.log[0]?.seq ?? 1) <= resume.lastSeq + 1;
    if (canResume && existing && resume) {
      existing.channel = from;
      existing.away = false;
      from.deliver(this.#joined(self, peers, true, resume.lastSeq));
      for (const message of existing.log) if (message.seq > resume.lastSeq) from.deliver(message);
      return null;
    }
    if (existing) this.#room.delete(self.userId);
    for (const member of peers) this.#send(member, { type: 'peer-joined', peer: self });
    this.#room.set(self.userId, { channel: from, log: [], away: false });
    from.deliver(this.#joined(self, peers, false, this.#seq.get(self.userId) ?? 0));
    return null;
  }

  #joined(self: Peer, peers: Member[], resumed: boolean, lastSeq: number): ServerMessage {
    return {
      type: 'joined',
      appointmentId: this.appointmentId,
      roomId: this.roomId,
      self,
      peers: peers.map((m) => m.channel.self),
      resumed,
      lastSeq,
      recording: null,
    };
  }

  #send(member: Member, message: RoomMessage): void {
    const userId = member.channel.self.userId;
    const seq = (this.#seq.get(userId) ?? 0) + 1;
    this.#seq.set(userId, seq);
    const sequenced = { ...message, seq } as Sequenced;
    member.log.push(sequenced);
    if (!member.away) member.channel.deliver(sequenced);
  }

  #remove(userId: string, channel: FakeSignalingChannel): void {
    const member = this.#room.get(userId);
    if (member?.channel !== channel) return;
    this.#room.delete(userId);
    for (const other of this.#room.values()) this.#send(other, { type: 'peer-left', peer: channel.self });
  }
}

export class FakeSignalingChannel implements SignalingChannel {
  readonly events = new Emitter<SocketEvents>();
  readonly sent: ClientMessage[] = [];
  readonly self: Peer;
  isReady = true;
  reconnects = 0;
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

  reconnect(): void {
    this.reconnects++;
    this.drop();
    setImmediate(() => this.restore());
  }

  deliver(message: ServerMessage): void {
    setImmediate(() => {
      if (this.isReady) this.events.emit('message', message);
    });
  }

  /** The socket drops: the server sees it go (and, unless it holds the place, the member leave). */
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
