import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { PartyRole } from '../../protocol/call-status.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { ERRORS, type ErrorCode } from '../../protocol/errors.js';
import {
  type ClientMessage,
  clientMessageSchema,
  type Peer,
  type ServerMessage,
} from '../../protocol/messages.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { SessionInfo } from '../accounts/sessions-repo.js';
import { accessTo } from '../appointments/access.js';
import type { Bus } from '../bus/bus.js';
import type { CallService } from '../calls/call-service.js';
import type { ChatService } from '../chat/chat-service.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Store } from '../store.js';
import type { Broadcaster } from './broadcaster.js';
import { channels, decodeEnvelope } from './envelope.js';
import { TokenBucket } from './token-bucket.js';

export interface HubLimits {
  burst: number;
  ratePerSecond: number;
  /** Bad or refused messages tolerated before the socket is closed for abuse. */
  maxViolations: number;
  sessionCheckMs: number;
  heartbeatMs: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  burst: 100,
  ratePerSecond: 30,
  maxViolations: 20,
  sessionCheckMs: 15_000,
  heartbeatMs: 30_000,
};

interface RoomMembership {
  appointmentId: string;
  roomId: string;
  peer: Peer;
}

class Connection {
  readonly id = newId();
  readonly subscriptions = new Set<string>();
  room: RoomMembership | null = null;
  violations = 0;
  alive = true;
  closed = false;
  queue: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: WebSocket,
    readonly session: SessionInfo,
    readonly bucket: TokenBucket,
  ) {}

  get user() {
    return this.session.user;
  }

  sendRaw(json: string): void {
    if (!this.closed && this.socket.readyState === this.socket.OPEN) this.socket.send(json);
  }

  send(message: ServerMessage): void {
    this.sendRaw(JSON.stringify(message));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }
}

/**
 * One per node: owns this node's sockets, checks and authorises every message, and relays through the
 * bus so that the two parties of a room can be connected to different nodes.
 */
export class SignalingHub {
  private readonly connections = new Set<Connection>();
  /** Local sockets per bus channel; the bus subscription lives while the set is non-empty. */
  private readonly channelMembers = new Map<string, Set<Connection>>();
  private readonly channelSubs = new Map<string, Promise<() => Promise<void>>>();
  private readonly rooms = new Map<string, Set<Connection>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly controlUnsub: Promise<() => Promise<void>>;
  private readonly limits: HubLimits;
  private closed = false;

  constructor(
    private readonly deps: {
      store: Store;
      bus: Bus;
      broadcaster: Broadcaster;
      calls: CallService;
      chat: ChatService;
      clock: Clock;
      log: FastifyBaseLogger;
      limits?: Partial<HubLimits>;
    },
  ) {
    const limits = { ...DEFAULT_HUB_LIMITS, ...deps.limits };
    this.limits = limits;
    this.timers.push(setInterval(() => this.checkSessions(), limits.sessionCheckMs).unref());
    this.timers.push(setInterval(() => this.heartbeat(), limits.heartbeatMs).unref());
    this.controlUnsub = deps.bus.subscribe(channels.control, (p) => this.onControl(p));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  attach(socket: WebSocket, session: SessionInfo): void {
    const limits = this.limits;
    const conn = new Connection(
      socket,
      session,
      new TokenBucket(limits.burst, limits.ratePerSecond, this.deps.clock),
    );
    this.connections.add(conn);
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.refuse(conn, 'bad_request', undefined, 'Binary frames are not part of the protocol.');
        return;
      }
      if (!conn.bucket.take()) {
        this.refuse(conn, 'rate_limited');
        return;
      }
      const raw = data.toString();
      // One message at a time per socket, so a join is complete before the offer that follows it.
      conn.queue = conn.queue
        .then(() => this.onMessage(conn, raw))
        .catch((err: unknown) => this.onHandlerError(conn, err));
    });
    socket.on('pong', () => {
      conn.alive = true;
    });
    socket.on('close', () => {
      conn.closed = true;
      void this.detach(conn).catch((err: unknown) => this.deps.log.error({ err }, 'detach failed'));
    });
    socket.on('error', (err) => this.deps.log.warn({ err: { message: err.message } }, 'websocket error'));
    conn.send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      user: { id: session.user.id, role: session.user.role, displayName: session.user.display_name },
    });
  }

  /** Closes the sockets of a signed-out session on every node. */
  closeSession(idHash: string): Promise<void> {
    return this.deps.broadcaster.sessionRevoked(idHash);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const conn of this.connections) conn.close(CLOSE_CODES.server_shutdown, 'server shutting down');
    const subs = [...this.channelSubs.values()];
    this.channelSubs.clear();
    subs.push(this.controlUnsub);
    await Promise.allSettled(subs.map(async (s) => (await s)()));
  }

  private async onMessage(conn: Connection, raw: string): Promise<void> {
    if (conn.closed) return;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      this.refuse(conn, 'invalid_json');
      return;
    }
    const parsed = clientMessageSchema.safeParse(data);
    if (!parsed.success) {
      const type = typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;
      const known = clientMessageSchema.options.some((o) => o.shape.type.value === type);
      const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
      this.refuse(
        conn,
        known ? 'validation_failed' : 'unknown_message',
        typeof id === 'string' ? id.slice(0, 64) : undefined,
      );
      return;
    }
    try {
      await this.dispatch(conn, parsed.data);
    } catch (err) {
      if (err instanceof AppError) {
        this.refuse(conn, err.code, parsed.data.id, err.message);
        return;
      }
      throw err;
    }
  }

  private async dispatch(conn: Connection, msg: ClientMessage): Promise<void> {
    switch (msg.type) {
      case 'ping':
        conn.send(msg.id === undefined ? { type: 'pong' } : { type: 'pong', id: msg.id });
        return;
      case 'subscribe': {
        const a = await this.deps.store.appointments.get(msg.appointmentId);
        if (!a) throw new AppError('not_found');
        if (accessTo(conn.user, a).kind === 'none') throw new AppError('not_party');
        const channel = channels.appointment(a.id);
        conn.subscriptions.add(channel);
        await this.addMember(channel, conn);
        this.ack(conn, msg.id);
        conn.send({ type: 'call-status', call: await this.deps.calls.status(a.id) });
        return;
      }
      case 'unsubscribe': {
        const channel = channels.appointment(msg.appointmentId);
        if (conn.subscriptions.delete(channel)) await this.removeMember(channel, conn);
        this.ack(conn, msg.id);
        return;
      }
      case 'join':
        await this.join(conn, msg.appointmentId, msg.id);
        return;
      case 'leave':
        await this.leaveRoom(conn);
        this.ack(conn, msg.id);
        return;
      case 'chat': {
        const message = await this.deps.chat.post(conn.user, msg.appointmentId, msg.clientId, msg.body);
        conn.send({ type: 'ack', id: msg.id ?? msg.clientId, message });
        return;
      }
      case 'screen-share':
      case 'offer':
      case 'answer':
      case 'ice-candidate':
      case 'media-state': {
        const room = conn.room;
        if (!room) throw new AppError('not_in_room');
        if (msg.type === 'screen-share' && room.peer.role !== 'doctor') {
          throw new AppError('wrong_role', { message: 'Only the doctor can share a screen.' });
        }
        const { id, ...rest } = msg;
        const other: PartyRole = room.peer.role === 'doctor' ? 'patient' : 'doctor';
        await this.deps.broadcaster.publish(channels.room(room.roomId), other, {
          ...rest,
          from: room.peer,
        } as ServerMessage);
        this.ack(conn, id);
        return;
      }
    }
  }

  private async join(conn: Connection, appointmentId: string, id: string | undefined): Promise<void> {
    const { role, roomId } = await this.deps.calls.loadActiveForParty(conn.user, appointmentId);
    if (conn.room) await this.leaveRoom(conn);
    const members = this.rooms.get(roomId) ?? new Set<Connection>();
    for (const other of [...members]) {
      if (other.user.id === conn.user.id) {
        other.close(CLOSE_CODES.replaced, 'joined from another tab or device');
        await this.leaveRoom(other, false);
      }
    }
    // Read the peers and enter the room with no await in between: of two parties joining at the same
    // instant, the second always sees the first, so the call reliably becomes in_progress.
    const peer: Peer = { userId: conn.user.id, role, displayName: conn.user.display_name };
    const peers = [...members].flatMap((c) => (c.room ? [c.room.peer] : []));
    conn.room = { appointmentId, roomId, peer };
    members.add(conn);
    this.rooms.set(roomId, members);
    const channel = channels.room(roomId);
    try {
      await this.addMember(channel, conn);
      await this.deps.calls.joined(conn.user.id, appointmentId, role, peers.length > 0);
    } catch (err) {
      await this.leaveRoom(conn, false);
      throw err;
    }
    conn.send({ type: 'joined', appointmentId, roomId, self: peer, peers });
    await this.deps.broadcaster.publish(
      channel,
      role === 'doctor' ? 'patient' : 'doctor',
      { type: 'peer-joined', peer },
      conn.id,
    );
    this.ack(conn, id);
  }

  private async leaveRoom(conn: Connection, announce = true): Promise<void> {
    const room = conn.room;
    if (!room) return;
    conn.room = null;
    const members = this.rooms.get(room.roomId);
    members?.delete(conn);
    if (members && members.size === 0) this.rooms.delete(room.roomId);
    const channel = channels.room(room.roomId);
    await this.removeMember(channel, conn);
    if (announce) {
      const other = room.peer.role === 'doctor' ? 'patient' : 'doctor';
      await this.deps.broadcaster.publish(channel, other, { type: 'peer-left', peer: room.peer }, conn.id);
    }
  }

  private async detach(conn: Connection): Promise<void> {
    this.connections.delete(conn);
    await this.leaveRoom(conn);
    for (const channel of conn.subscriptions) await this.removeMember(channel, conn);
    conn.subscriptions.clear();
  }

  private async addMember(channel: string, conn: Connection): Promise<void> {
    let members = this.channelMembers.get(channel);
    if (!members) {
      members = new Set();
      this.channelMembers.set(channel, members);
    }
    members.add(conn);
    let sub = this.channelSubs.get(channel);
    if (!sub) {
      sub = this.deps.bus.subscribe(channel, (payload) => this.deliver(channel, payload));
      this.channelSubs.set(channel, sub);
    }
    await sub;
  }

  private async removeMember(channel: string, conn: Connection): Promise<void> {
    const members = this.channelMembers.get(channel);
    if (!members) return;
    members.delete(conn);
    if (members.size > 0) return;
    this.channelMembers.delete(channel);
    const sub = this.channelSubs.get(channel);
    this.channelSubs.delete(channel);
    if (sub) await (await sub)();
  }

  private deliver(channel: string, payload: string): void {
    const env = decodeEnvelope(payload);
    const members = this.channelMembers.get(channel);
    if (!env || !members) return;
    for (const conn of members) {
      if (conn.id === env.except) continue;
      const role = conn.user.role;
      if (env.audience === 'parties' && role === 'admin') continue;
      if ((env.audience === 'doctor' || env.audience === 'patient') && role !== env.audience) continue;
      conn.sendRaw(env.json);
    }
    if (channel.startsWith('room:') && env.json.startsWith('{"type":"call-status"')) {
      const msg = JSON.parse(env.json) as ServerMessage;
      if (msg.type === 'call-status' && msg.call.status === 'ended') {
        for (const conn of [...members]) void this.leaveRoom(conn, false);
      }
    }
  }

  private onControl(payload: string): void {
    const [verb, arg] = payload.split(' ');
    if (verb !== 'revoke-session' || !arg) return;
    for (const conn of this.connections) {
      if (conn.session.idHash === arg) conn.close(CLOSE_CODES.session_expired, 'signed out');
    }
  }

  private checkSessions(): void {
    const now = this.deps.clock.now();
    for (const conn of this.connections) {
      if (conn.session.expiresAt <= now) conn.close(CLOSE_CODES.session_expired, 'session expired');
    }
  }

  private heartbeat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
    }
  }

  private ack(conn: Connection, id: string | undefined): void {
    if (id !== undefined) conn.send({ type: 'ack', id });
  }

  private refuse(conn: Connection, code: ErrorCode, id?: string, message?: string): void {
    conn.send({
      type: 'error',
      code,
      message: message ?? ERRORS[code].message,
      ...(id === undefined ? {} : { id }),
    });
    const clientFault = code !== 'internal';
    if (clientFault && ++conn.violations > this.limits.maxViolations) {
      this.deps.log.warn({ userId: conn.user.id, code }, 'closing websocket for repeated abuse');
      conn.close(CLOSE_CODES.abuse, 'too many invalid or refused messages');
    }
  }

  private onHandlerError(conn: Connection, err: unknown): void {
    this.deps.log.error({ err, userId: conn.user.id }, 'websocket message handler failed');
    this.refuse(conn, 'internal');
  }
}
