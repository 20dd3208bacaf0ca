import type { FastifyBaseLogger } from 'fastify';
import { isCallActive, type PartyRole } from '../../protocol/call-status.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { ERRORS, type ErrorCode } from '../../protocol/errors.js';
import {
  type ClientMessage,
  clientMessageSchema,
  type LobbyView,
  type Peer,
  type ServerMessage,
} from '../../protocol/messages.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { UserRow } from '../accounts/users-repo.js';
import { type Principal, principalAccess } from '../appointments/access.js';
import type { AppointmentRow } from '../appointments/appointments-repo.js';
import { recordRefusal } from '../audit/refusals.js';
import type { Bus } from '../bus/bus.js';
import type { CallAccess } from '../calls/call-access.js';
import type { CallService } from '../calls/call-service.js';
import type { ChatService } from '../chat/chat-service.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Store } from '../store.js';
import { SWEEP_SLICE, yieldToEventLoop } from '../sweep-slices.js';
import type { Broadcaster } from './broadcaster.js';
import { channels, decodeEnvelope, streams } from './envelope.js';
import {
  decodePresence,
  encodePresence,
  isFresh,
  otherRole,
  ownerPrefix,
  PRESENCE_REFRESH_MS,
  presenceKeys,
} from './presence.js';
import { TokenBucket } from './token-bucket.js';

export interface HubLimits {
  burst: number;
  ratePerSecond: number;
  /** Bad or refused messages tolerated within `violationWindowMs` before the socket is closed for abuse. */
  maxViolations: number;
  violationWindowMs: number;
  /** How long a user closed for abuse may not connect again, on any node. */
  abusePenaltyMs: number;
  sessionCheckMs: number;
  heartbeatMs: number;
  presenceRefreshMs: number;
  /** A party whose connection dropped stays present this long, so a quick resume is seamless. */
  reconnectGraceMs: number;
  /** How long before the scheduled time a patient may check in. */
  checkInMs: number;
  /** Connections one user may hold on this node. */
  maxConnectionsPerUser: number;
  /** Connections one call cookie may hold on this node without a sign-in session (a link guest). */
  maxConnectionsPerCallCookie: number;
}

export const DEFAULT_HUB_LIMITS: HubLimits = {
  burst: 100,
  ratePerSecond: 30,
  maxViolations: 20,
  violationWindowMs: 60_000,
  abusePenaltyMs: 60_000,
  sessionCheckMs: 15_000,
  heartbeatMs: 30_000,
  presenceRefreshMs: PRESENCE_REFRESH_MS,
  reconnectGraceMs: 15_000,
  checkInMs: 15 * 60_000,
  maxConnectionsPerUser: 20,
  maxConnectionsPerCallCookie: 4,
};

/**
 * The abuse penalty (S12, S21) is kept against the credential that abused, not the user: a link guest
 * who floods must not lock out the patient signed in elsewhere.
 */
function abuseKeys(p: Principal): string[] {
  const keys: string[] = [];
  if (p.session) keys.push(`abuse:s:${p.session.idHash}`);
  else if (p.grant) keys.push(`abuse:g:${p.grant.id}`);
  return keys;
}

/** What a connection counts against: its user, and a link guest's call cookie too. */
function quotaKeys(p: Principal): { user: string; grant: string | null } {
  return { user: p.user.id, grant: p.session === null && p.grant ? p.grant.id : null };
}

/** How a connection leaving a room or waiting room is told to the other side. */
type Departure = 'announce' | 'silent' | 'grace';

/** A WebSocket or an HTTP long-poll connection (S22): the hub treats both alike. */
export interface Transport {
  send(json: string): void;
  close(code: number, reason: string): void;
  /** Liveness probe; a transport that fails it is terminated at the next heartbeat. */
  ping(): void;
  terminate(): void;
  readonly isOpen: boolean;
}

interface RoomState {
  appointmentId: string;
  roomId: string;
  peer: Peer;
  stream: string;
  /** Highest seq sent on this connection; later deliveries at or below it are duplicates. */
  deliveredSeq: number;
  lastTrimmed: number;
  /** While joining, live messages wait here until the replay is out. */
  pending: Array<{ seq: number; json: string }> | null;
}

export class Connection {
  readonly id = newId();
  readonly subscriptions = new Set<string>();
  /**
   * Appointments this connection was found to be a party of, with its role. An appointment's parties
   * never change and neither does a connection's principal (a revoked or expired one is closed), so the
   * answer holds for the connection's life: a chat message needs no database read to check it.
   */
  readonly partyOf = new Map<string, PartyRole>();
  room: RoomState | null = null;
  lobby: { appointmentId: string; peer: Peer } | null = null;
  violations = 0;
  violationsSince = 0;
  alive = true;
  closed = false;
  /** How the server closed it; undefined when the client went away. */
  departure: Departure | undefined;
  queue: Promise<void> = Promise.resolve();

  constructor(
    readonly transport: Transport,
    readonly principal: Principal,
    readonly bucket: TokenBucket,
  ) {}

  get user(): UserRow {
    return this.principal.user;
  }

  sendRaw(json: string): void {
    if (!this.closed && this.transport.isOpen) this.transport.send(json);
  }

  send(message: ServerMessage): void {
    this.sendRaw(JSON.stringify(message));
  }

  close(code: number, reason: string, departure: Departure = 'announce'): void {
    if (this.closed) return;
    this.closed = true;
    this.departure = departure;
    this.transport.close(code, reason);
  }
}

function adjust(counts: Map<string, number>, key: string, delta: number): void {
  const n = (counts.get(key) ?? 0) + delta;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

/** Runs a set lookup over a long list in parts, so no single query carries thousands of parameters. */
async function inChunks(
  items: readonly string[],
  lookup: (part: string[]) => Promise<Set<string>>,
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < items.length; i += 500) {
    for (const item of await lookup(items.slice(i, i + 500))) found.add(item);
  }
  return found;
}

/** Adds `seq` to a serialised message without parsing it again. */
function withSeq(json: string, seq: number): string {
  return `${json.slice(0, -1)},"seq":${seq}}`;
}

/**
 * One per node: owns this node's connections, checks and authorises every message, and relays through
 * the bus so that the two parties of a room can be connected to different nodes.
 */
export class SignalingHub {
  readonly nodeId = newId();
  private readonly connections = new Set<Connection>();
  private readonly byId = new Map<string, Connection>();
  /** Local connections per bus channel; the bus subscription lives while the set is non-empty. */
  private readonly channelMembers = new Map<string, Set<Connection>>();
  private readonly channelSubs = new Map<string, Promise<() => Promise<void>>>();
  private readonly rooms = new Map<string, Set<Connection>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly graceTimers = new Set<NodeJS.Timeout>();
  private readonly controlUnsub: Promise<() => Promise<void>>;
  private readonly limits: HubLimits;
  private readonly perUser = new Map<string, number>();
  private readonly perGrant = new Map<string, number>();
  private checkingCredentials = false;
  private closed = false;

  constructor(
    private readonly deps: {
      store: Store;
      bus: Bus;
      broadcaster: Broadcaster;
      calls: CallService;
      callAccess: CallAccess;
      chat: ChatService;
      clock: Clock;
      log: FastifyBaseLogger;
      limits?: Partial<HubLimits>;
    },
  ) {
    const limits = { ...DEFAULT_HUB_LIMITS, ...deps.limits };
    this.limits = limits;
    this.timers.push(
      setInterval(() => void this.checkCredentials().catch(() => {}), limits.sessionCheckMs).unref(),
    );
    this.timers.push(setInterval(() => void this.heartbeat(), limits.heartbeatMs).unref());
    this.timers.push(
      setInterval(() => void this.refreshPresence().catch(() => {}), limits.presenceRefreshMs).unref(),
    );
    this.controlUnsub = deps.bus.subscribe(channels.control, (p) => this.onControl(p));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Why this principal may not open a connection now, or null: its credential serves an abuse penalty
   * (on any node, S21), or it holds as many connections here as it may.
   */
  async refusal(principal: Principal): Promise<'rate_limited' | 'too_many_connections' | null> {
    for (const key of abuseKeys(principal)) {
      if (await this.deps.bus.hasFlag(key)) return 'rate_limited';
    }
    return this.overQuota(principal) ? 'too_many_connections' : null;
  }

  /**
   * A new connection. The quota is checked again here (connections checked at the same moment may all
   * have passed `refusal`): one over it is closed with 4012 at once.
   */
  attach(transport: Transport, principal: Principal): Connection {
    const limits = this.limits;
    const conn = new Connection(
      transport,
      principal,
      new TokenBucket(limits.burst, limits.ratePerSecond, this.deps.clock),
    );
    if (this.overQuota(principal)) {
      conn.close(CLOSE_CODES.too_many_connections, 'too many connections', 'silent');
      return conn;
    }
    this.count(principal, +1);
    this.connections.add(conn);
    this.byId.set(conn.id, conn);
    conn.send({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      user: { id: principal.user.id, role: principal.user.role, displayName: principal.user.display_name },
    });
    return conn;
  }

  /** One incoming text frame, from either transport. Messages of one connection run in order. */
  receive(conn: Connection, raw: string): void {
    if (conn.closed) return;
    if (!conn.bucket.take()) {
      this.refuse(conn, 'rate_limited');
      return;
    }
    conn.queue = conn.queue
      .then(() => this.onMessage(conn, raw))
      .catch((err: unknown) => this.onHandlerError(conn, err));
  }

  /** A binary frame or another protocol violation the transport noticed. */
  refuseFrame(conn: Connection, message: string): void {
    this.refuse(conn, 'bad_request', undefined, message);
  }

  pong(conn: Connection): void {
    conn.alive = true;
  }

  /** The transport is gone. A client that closed cleanly leaves at once; a dropped one gets a grace. */
  disconnected(conn: Connection, clientCode: number): void {
    conn.closed = true;
    const departure = conn.departure ?? (clientCode === 1000 || clientCode === 1001 ? 'announce' : 'grace');
    void this.detach(conn, departure).catch((err: unknown) => this.deps.log.error({ err }, 'detach failed'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const t of this.graceTimers) clearTimeout(t);
    for (const conn of this.connections) {
      conn.close(CLOSE_CODES.server_shutdown, 'server shutting down', 'grace');
    }
    const subs = [...this.channelSubs.values()];
    this.channelSubs.clear();
    subs.push(this.controlUnsub);
    await Promise.allSettled(subs.map(async (s) => (await s)()));
  }

  /** The waiting room as the doctor sees it (S20). */
  async lobbyView(a: AppointmentRow): Promise<LobbyView> {
    const now = this.deps.clock.now();
    const entry = decodePresence((await this.deps.bus.members(presenceKeys.lobby(a.id)))['patient']);
    // A patient in the call's room waits no more, even while the socket that checked in has its grace.
    const inRoom = async () => {
      if (!a.room_id) return false;
      const member = decodePresence((await this.deps.bus.members(presenceKeys.room(a.room_id)))['patient']);
      return member !== null && isFresh(member, now);
    };
    const waiting = entry !== null && isFresh(entry, now) && !(await inRoom());
    return { appointmentId: a.id, patientWaiting: waiting, checkedInAt: a.checked_in_at };
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
    const msg = parsed.data;
    try {
      await this.dispatch(conn, msg);
    } catch (err) {
      if (err instanceof AppError) {
        this.refuse(conn, err.code, 'id' in msg ? msg.id : undefined, err.message);
        if ('appointmentId' in msg) {
          await recordRefusal(this.deps.store, {
            actorId: conn.user.id,
            action: `ws.${msg.type}`,
            appointmentId: msg.appointmentId,
            err,
          });
        }
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
      case 'ack':
        await this.acknowledge(conn, msg.seq);
        return;
      case 'subscribe': {
        const a = await this.appointmentFor(conn, msg.appointmentId, 'view');
        const channel = channels.appointment(a.id);
        conn.subscriptions.add(channel);
        await this.addMember(channel, conn);
        this.ack(conn, msg.id);
        // The appointment was just read: only its call session is still needed for the status.
        const calls = this.deps.calls;
        conn.send({ type: 'call-status', call: calls.view(a, await calls.currentSession(a)) });
        conn.send({ type: 'lobby', lobby: await this.lobbyView(a) });
        return;
      }
      case 'unsubscribe': {
        const channel = channels.appointment(msg.appointmentId);
        if (conn.subscriptions.delete(channel)) await this.removeMember(channel, conn);
        this.ack(conn, msg.id);
        return;
      }
      case 'check-in':
        await this.checkIn(conn, msg.appointmentId);
        this.ack(conn, msg.id);
        return;
      case 'join':
        await this.join(conn, msg.appointmentId, msg.resume);
        this.ack(conn, msg.id);
        return;
      case 'leave':
        await this.leaveRoom(conn, 'announce');
        this.ack(conn, msg.id);
        return;
      case 'chat': {
        if (!conn.partyOf.has(msg.appointmentId)) await this.appointmentFor(conn, msg.appointmentId, 'party');
        const message = await this.deps.chat.postAsParty(
          conn.user,
          msg.appointmentId,
          msg.clientId,
          msg.body,
        );
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
        const relayed = this.deps.broadcaster.toRole(room.roomId, otherRole(room.peer.role), {
          ...rest,
          from: room.peer,
        } as Parameters<Broadcaster['toRole']>[2]);
        if (msg.type === 'screen-share') {
          await relayed;
          await this.deps.calls.setScreenSharing(room.roomId, msg.active);
          this.ack(conn, id);
          return;
        }
        // The connection's next message need not wait for this one's bus round trip (with Redis, an ICE
        // burst would take one round trip per candidate): the bus applies publishes in the order they
        // are issued. The reply (if the message had an id) still waits for the publish.
        relayed.then(
          () => this.ack(conn, id),
          (err: unknown) => this.onHandlerError(conn, err),
        );
        return;
      }
    }
  }

  private async appointmentFor(
    conn: Connection,
    appointmentId: string,
    need: 'view' | 'party',
  ): Promise<AppointmentRow & { role: PartyRole | null }> {
    const a = await this.deps.store.appointments.getRow(appointmentId);
    if (!a) throw new AppError('not_found');
    const access = principalAccess(conn.principal, a);
    if (access.kind === 'none') throw new AppError('not_party');
    if (access.kind === 'viewer') {
      if (need === 'party') {
        throw new AppError('wrong_role', { message: 'Hospital admins may view a call but not take part.' });
      }
      return { ...a, role: null };
    }
    conn.partyOf.set(a.id, access.role);
    return { ...a, role: access.role };
  }

  private async checkIn(conn: Connection, appointmentId: string): Promise<void> {
    const a = await this.appointmentFor(conn, appointmentId, 'party');
    if (a.role !== 'patient') throw new AppError('wrong_role', { message: 'Only the patient checks in.' });
    if (isCallActive(a.video_call_status)) {
      throw new AppError('illegal_transition', { message: 'The call has started: join it.' });
    }
    const now = this.deps.clock.now();
    const opensAt = a.scheduled_at - this.limits.checkInMs;
    if (now < opensAt) {
      throw new AppError('check_in_not_open', {
        message: `Check-in opens ${Math.ceil((opensAt - now) / 60_000)} minutes before the appointment.`,
      });
    }
    const checkedInAt = await this.deps.store.appointments.markCheckedIn(a.id, now);
    if (conn.lobby && conn.lobby.appointmentId !== a.id) await this.leaveLobby(conn, 'announce');
    const peer: Peer = { userId: conn.user.id, role: 'patient', displayName: conn.user.display_name };
    conn.lobby = { appointmentId: a.id, peer };
    await this.deps.bus.claim(presenceKeys.lobby(a.id), 'patient', this.presenceValue(conn, peer));
    await this.deps.broadcaster.lobby({ appointmentId: a.id, patientWaiting: true, checkedInAt });
  }

  private async join(
    conn: Connection,
    appointmentId: string,
    resume: { roomId: string; lastSeq: number } | undefined,
  ): Promise<void> {
    const a = await this.appointmentFor(conn, appointmentId, 'party');
    const role = a.role as PartyRole;
    if (!isCallActive(a.video_call_status) || !a.room_id) throw new AppError('call_not_active');
    const grant = conn.principal.grant;
    const session =
      grant && grant.role === role ? await this.deps.callAccess.admittedSession(grant, a) : null;
    if (!session) throw new AppError('call_grant_required');
    const roomId = a.room_id;
    // Whether this party still held its place in the room (this or a replaced socket, or a presence entry).
    let heldPlace = conn.room?.roomId === roomId;
    if (conn.room) await this.leaveRoom(conn, heldPlace ? 'silent' : 'announce');
    if (conn.lobby) await this.leaveLobby(conn, 'silent');
    for (const other of [...(this.rooms.get(roomId) ?? [])]) {
      if (other !== conn && other.room?.peer.role === role) {
        other.close(CLOSE_CODES.replaced, 'joined from another tab or device', 'silent');
        await this.leaveRoom(other, 'silent');
        heldPlace = true;
      }
    }
    const peer: Peer = { userId: conn.user.id, role, displayName: conn.user.display_name };
    const state: RoomState = {
      appointmentId,
      roomId,
      peer,
      stream: streams.room(roomId, role),
      deliveredSeq: 0,
      lastTrimmed: 0,
      pending: [],
    };
    conn.room = state;
    const members = this.rooms.get(roomId) ?? new Set<Connection>();
    members.add(conn);
    this.rooms.set(roomId, members);
    const channel = channels.room(roomId);
    const bus = this.deps.bus;
    let resumed = false;
    try {
      // Subscribed before reading the stream, so nothing published in between is missed (S17).
      await this.addMember(channel, conn);
      const claim = await bus.claim(presenceKeys.room(roomId), role, this.presenceValue(conn, peer));
      const previous = decodePresence(claim.previous);
      if (previous && previous.connectionId !== conn.id && !this.byId.has(previous.connectionId)) {
        await this.deps.broadcaster.replaced(previous.connectionId);
      }
      const now = this.deps.clock.now();
      const other = decodePresence(claim.all[otherRole(role)]);
      const peers = other && isFresh(other, now) ? [other.peer] : [];
      const read = await bus.readStream(state.stream, resume?.lastSeq ?? 0);
      // Only while the party still held its place: once its departure was announced (grace over, or a
      // clean close), the other side has torn its connection down and must be told it is back.
      heldPlace ||= previous !== null;
      resumed =
        resume !== undefined &&
        heldPlace &&
        resume.roomId === roomId &&
        resume.lastSeq <= read.head &&
        read.entries.length === read.head - resume.lastSeq;
      // A fresh join starts after what the stream held before this connection subscribed. What was
      // published since (the other party may be negotiating already: it saw this party's presence
      // before the stream was read) is waiting in `pending` and follows `joined`.
      const firstLive = state.pending?.[0]?.seq;
      const start = firstLive === undefined ? read.head : Math.min(read.head, firstLive - 1);
      conn.send({
        type: 'joined',
        appointmentId,
        roomId,
        self: peer,
        peers,
        resumed,
        lastSeq: resumed && resume ? resume.lastSeq : start,
      });
      if (resumed) {
        for (const e of read.entries) {
          const env = decodeEnvelope(e.payload);
          if (env) conn.sendRaw(withSeq(env.json, e.seq));
        }
      }
      state.deliveredSeq = resumed ? read.head : start;
      const pending = state.pending ?? [];
      state.pending = null;
      for (const p of pending) this.deliverToRoom(conn, state, p.seq, p.json);
      await this.deps.calls.joined(conn.user.id, appointmentId, role, peers.length > 0, {
        appointment: a,
        session,
      });
    } catch (err) {
      await this.leaveRoom(conn, 'silent');
      throw err;
    }
    // A resumed party never left as far as the other side knows: its media may still be flowing.
    if (!resumed) await this.deps.broadcaster.toRole(roomId, otherRole(role), { type: 'peer-joined', peer });
    // The lobby view reads the appointment's id, room and check-in time, which a join does not change
    // (check-in is refused while the call is active): the row read at the start of the join serves.
    if (role === 'patient' && !resumed) await this.deps.broadcaster.lobby(await this.lobbyView(a));
  }

  private async acknowledge(conn: Connection, seq: number): Promise<void> {
    const room = conn.room;
    if (!room || seq <= room.lastTrimmed || seq > room.deliveredSeq) return;
    room.lastTrimmed = seq;
    await this.deps.bus.trimStream(room.stream, seq);
  }

  private async leaveRoom(conn: Connection, departure: Departure): Promise<void> {
    const room = conn.room;
    if (!room) return;
    conn.room = null;
    const members = this.rooms.get(room.roomId);
    members?.delete(conn);
    if (members && members.size === 0) this.rooms.delete(room.roomId);
    await this.removeMember(channels.room(room.roomId), conn);
    await this.depart(conn, presenceKeys.room(room.roomId), room.peer, departure, async () => {
      await this.deps.broadcaster.toRole(room.roomId, otherRole(room.peer.role), {
        type: 'peer-left',
        peer: room.peer,
      });
      await this.deps.calls.touchPresence(room.roomId);
      // A doctor who left shares nothing any more; a resumed one re-announces its share (S25).
      if (room.peer.role === 'doctor') await this.deps.calls.setScreenSharing(room.roomId, false);
    });
  }

  private async leaveLobby(conn: Connection, departure: Departure): Promise<void> {
    const lobby = conn.lobby;
    if (!lobby) return;
    conn.lobby = null;
    await this.depart(conn, presenceKeys.lobby(lobby.appointmentId), lobby.peer, departure, async () => {
      const a = await this.deps.store.appointments.getRow(lobby.appointmentId);
      if (a) await this.deps.broadcaster.lobby(await this.lobbyView(a));
    });
  }

  /**
   * Releases a presence entry this connection still owns and tells the other side. With a grace, both
   * wait: if the party is back (on any node) by then, its new connection owns the entry and nothing is said.
   */
  private async depart(
    conn: Connection,
    key: string,
    peer: Peer,
    departure: Departure,
    announce: () => Promise<void>,
  ): Promise<void> {
    const release = async (): Promise<void> => {
      const released = await this.deps.bus.release(key, peer.role, ownerPrefix(conn.id));
      if (released && departure !== 'silent') await announce();
    };
    if (departure !== 'grace') {
      await release();
      return;
    }
    const timer = setTimeout(() => {
      this.graceTimers.delete(timer);
      if (this.closed) return;
      void release().catch((err: unknown) => this.deps.log.warn({ err }, 'presence release failed'));
    }, this.limits.reconnectGraceMs);
    timer.unref();
    this.graceTimers.add(timer);
  }

  private async detach(conn: Connection, departure: Departure): Promise<void> {
    if (!this.connections.delete(conn)) return;
    this.count(conn.principal, -1);
    this.byId.delete(conn.id);
    await this.leaveRoom(conn, departure);
    await this.leaveLobby(conn, departure);
    for (const channel of conn.subscriptions) await this.removeMember(channel, conn);
    conn.subscriptions.clear();
  }

  private presenceValue(conn: Connection, peer: Peer): string {
    return encodePresence({ connectionId: conn.id, nodeId: this.nodeId, peer, beat: this.deps.clock.now() });
  }

  private async refreshPresence(): Promise<void> {
    const bus = this.deps.bus;
    const writes: Promise<boolean>[] = [];
    let swept = 0;
    for (const conn of this.connections) {
      if (++swept % SWEEP_SLICE === 0) {
        await yieldToEventLoop();
        if (this.closed) break;
      }
      if (conn.room) {
        const p = conn.room.peer;
        writes.push(
          bus.refresh(
            presenceKeys.room(conn.room.roomId),
            p.role,
            ownerPrefix(conn.id),
            this.presenceValue(conn, p),
          ),
        );
      }
      if (conn.lobby) {
        const p = conn.lobby.peer;
        writes.push(
          bus.refresh(
            presenceKeys.lobby(conn.lobby.appointmentId),
            p.role,
            ownerPrefix(conn.id),
            this.presenceValue(conn, p),
          ),
        );
      }
    }
    await Promise.allSettled(writes);
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
      sub = this.deps.bus.subscribe(channel, (payload, seq) => this.deliver(channel, payload, seq));
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

  private deliver(channel: string, payload: string, seq: number | undefined): void {
    const env = decodeEnvelope(payload);
    const members = this.channelMembers.get(channel);
    if (!env || !members) return;
    const isRoom = channel.startsWith('room:');
    for (const conn of members) {
      if (conn.id === env.except) continue;
      const role = conn.user.role;
      if (env.audience === 'parties' && role === 'admin') continue;
      if (isRoom) {
        const room = conn.room;
        // A room message belongs to the role it was sequenced for (the recipient's stream).
        if (!room || room.peer.role !== env.audience || seq === undefined) continue;
        if (room.pending) room.pending.push({ seq, json: env.json });
        else this.deliverToRoom(conn, room, seq, env.json);
        continue;
      }
      if ((env.audience === 'doctor' || env.audience === 'patient') && role !== env.audience) continue;
      conn.sendRaw(env.json);
    }
    if (isRoom && env.json.startsWith('{"type":"call-status"')) {
      const msg = JSON.parse(env.json) as ServerMessage;
      if (msg.type === 'call-status' && msg.call.status === 'ended') {
        for (const conn of [...members]) {
          if (conn.room?.peer.role === env.audience) void this.leaveRoom(conn, 'silent');
        }
      }
    }
  }

  private deliverToRoom(conn: Connection, room: RoomState, seq: number, json: string): void {
    if (seq <= room.deliveredSeq) return;
    room.deliveredSeq = seq;
    conn.sendRaw(withSeq(json, seq));
  }

  private onControl(payload: string): void {
    const [verb, arg, arg2] = payload.split(' ');
    if (!arg) return;
    switch (verb) {
      case 'revoke-session':
        for (const conn of this.connections) {
          if (conn.principal.session?.idHash === arg) {
            conn.close(CLOSE_CODES.session_expired, 'signed out');
          }
        }
        return;
      case 'replace':
        this.byId.get(arg)?.close(CLOSE_CODES.replaced, 'joined from another tab or device', 'silent');
        return;
      case 'revoke-grant':
        for (const conn of this.connections) {
          if (conn.principal.grant?.id !== arg) continue;
          if (conn.principal.session) conn.principal.grant = null;
          else conn.close(CLOSE_CODES.session_expired, 'call cookie given up');
        }
        return;
      case 'revoke-call':
        for (const conn of this.connections) {
          const grant = conn.principal.grant;
          if (!grant || grant.appointmentId !== arg || grant.callSessionId === arg2) continue;
          conn.principal.grant = null;
          if (!conn.principal.session) {
            conn.close(CLOSE_CODES.call_link_revoked, 'the call was restarted');
          }
        }
        return;
    }
  }

  /**
   * Closes connections whose credentials ended: expired (known here), or revoked or deactivated by
   * something that could not tell this node (another process writing the database), which only the
   * database knows. A session that ended closes with 4004; a call cookie that expired with 4005 (S18);
   * a revoked one closes a link guest's connection with 4004 and is only taken from a signed-in one.
   */
  private async checkCredentials(): Promise<void> {
    if (this.checkingCredentials) return;
    this.checkingCredentials = true;
    try {
      const now = this.deps.clock.now();
      const sessions = new Set<string>();
      const grants = new Set<string>();
      for (const conn of this.connections) {
        const { session, grant } = conn.principal;
        if (session && session.expiresAt <= now) {
          conn.close(CLOSE_CODES.session_expired, 'session expired');
        } else if (grant && grant.expiresAt <= now) {
          conn.close(CLOSE_CODES.call_link_expired, 'call link expired');
        } else {
          if (session) sessions.add(session.idHash);
          if (grant) grants.add(grant.id);
        }
      }
      const { store } = this.deps;
      const liveSessions = await inChunks([...sessions], (part) => store.sessions.liveHashes(part));
      const liveGrants = await inChunks([...grants], (part) => store.callLinks.liveGrantIds(part, now));
      for (const conn of this.connections) {
        const p = conn.principal;
        if (p.session) {
          if (sessions.has(p.session.idHash) && !liveSessions.has(p.session.idHash)) {
            conn.close(CLOSE_CODES.session_expired, 'signed out');
          } else if (p.grant && grants.has(p.grant.id) && !liveGrants.has(p.grant.id)) {
            p.grant = null;
          }
        } else if (p.grant && grants.has(p.grant.id) && !liveGrants.has(p.grant.id)) {
          conn.close(CLOSE_CODES.session_expired, 'call cookie revoked');
        }
      }
    } finally {
      this.checkingCredentials = false;
    }
  }

  private overQuota(p: Principal): boolean {
    const { user, grant } = quotaKeys(p);
    return (
      (this.perUser.get(user) ?? 0) >= this.limits.maxConnectionsPerUser ||
      (grant !== null && (this.perGrant.get(grant) ?? 0) >= this.limits.maxConnectionsPerCallCookie)
    );
  }

  private count(p: Principal, delta: 1 | -1): void {
    const { user, grant } = quotaKeys(p);
    adjust(this.perUser, user, delta);
    if (grant !== null) adjust(this.perGrant, grant, delta);
  }

  private async heartbeat(): Promise<void> {
    let swept = 0;
    for (const conn of this.connections) {
      if (++swept % SWEEP_SLICE === 0) {
        await yieldToEventLoop();
        if (this.closed) return;
      }
      if (!conn.alive) {
        conn.transport.terminate();
        continue;
      }
      conn.alive = false;
      conn.transport.ping();
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
    if (code === 'internal' || conn.closed) return;
    // Counted per window: an honest connection that is refused now and then over hours is not abuse.
    const now = this.deps.clock.now();
    if (now - conn.violationsSince >= this.limits.violationWindowMs) {
      conn.violations = 0;
      conn.violationsSince = now;
    }
    if (++conn.violations > this.limits.maxViolations) {
      this.deps.log.warn({ userId: conn.user.id, code }, 'closing connection for repeated abuse');
      conn.close(CLOSE_CODES.abuse, 'too many invalid or refused messages');
      for (const key of abuseKeys(conn.principal)) {
        void this.deps.bus
          .setFlag(key, this.limits.abusePenaltyMs)
          .catch((err: unknown) => this.deps.log.warn({ err }, 'could not record abuse penalty'));
      }
    }
  }

  private onHandlerError(conn: Connection, err: unknown): void {
    this.deps.log.error({ err, userId: conn.user.id }, 'signaling message handler failed');
    this.refuse(conn, 'internal');
  }
}
