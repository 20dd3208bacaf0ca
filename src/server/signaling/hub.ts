import type { FastifyBaseLogger } from 'fastify';
import { QUALITY_SUMMARY_INTERVAL_MS } from '../../protocol/call-quality.js';
import { isCallActive } from '../../protocol/call-status.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { ERRORS, type ErrorCode } from '../../protocol/errors.js';
import type { ClientMessage } from '../../protocol/messages.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import {
  type AccessNeed,
  authorize,
  type PartyAccess,
  type ViewerAccess,
  wrongRole,
} from '../access/appointment-access.js';
import { requireHospitalAdminPrincipal } from '../access/hospital-access.js';
import type { Principal } from '../access/principal.js';
import { recordRefusal } from '../audit/audit-service.js';
import type { Bus } from '../bus/bus.js';
import type { CallGrantsService } from '../calls/call-grants-service.js';
import type { CallService } from '../calls/call-service.js';
import type { WaitingRoomService } from '../calls/waiting-room-service.js';
import type { ChatService } from '../chat/chat-service.js';
import { type Clock, wallClockMs } from '../clock.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { SignalingGauges, SignalingMetrics, TransportKind } from '../metrics/node-metrics.js';
import type { Broadcaster, RoomMessage } from '../realtime/broadcaster.js';
import { decodeControl } from '../realtime/control.js';
import { channels } from '../realtime/envelope.js';
import { otherRole, PRESENCE_REFRESH_MS } from '../realtime/presence.js';
import type { Store } from '../store.js';
import { ChannelFanout } from './channel-fanout.js';
import { parseClientFrame } from './client-frames.js';
import { Connection, type Departure, type Transport } from './connection.js';
import { ConnectionQuotas, type QuotaLimits } from './connection-quotas.js';
import { ConnectionRegistry } from './connection-registry.js';
import { CredentialSweep } from './credential-sweep.js';
import { type RecordingConsent, RoomMembership } from './room-membership.js';
import { TokenBucket } from './token-bucket.js';

export interface HubLimits extends QuotaLimits {
  burst: number;
  ratePerSecond: number;
  sessionCheckMs: number;
  heartbeatMs: number;
  presenceRefreshMs: number;
  /** A party whose connection dropped stays present this long, so a quick resume is seamless. */
  reconnectGraceMs: number;
  /** Quality summaries a connection may send at once (S30): the regular one, a final one, a spare. */
  qualityBurst: number;
  /** ...and one more each this long: half the interval the browser sends at. */
  qualityRefillMs: number;
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
  qualityBurst: 3,
  qualityRefillMs: QUALITY_SUMMARY_INTERVAL_MS / 2,
  maxConnectionsPerUser: 20,
  maxConnectionsPerCallCookie: 4,
};

type Relayed = Extract<ClientMessage, { type: 'offer' | 'answer' | 'ice-candidate' | 'media-state' }>;

/**
 * One per node: checks and authorises every message of this node's connections and hands it to the
 * part that does it (room membership, chat, the waiting room), which relays through the bus so that
 * the two parties of a room can be connected to different nodes.
 */
export class SignalingHub implements SignalingGauges {
  readonly nodeId = newId();
  private readonly limits: HubLimits;
  private readonly registry = new ConnectionRegistry();
  private readonly quotas: ConnectionQuotas;
  private readonly fanout: ChannelFanout;
  private readonly rooms: RoomMembership;
  private readonly credentials: CredentialSweep;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly controlUnsub: Promise<() => Promise<void>>;
  private closed = false;

  constructor(
    private readonly deps: {
      store: Store;
      bus: Bus;
      broadcaster: Broadcaster;
      calls: CallService;
      callGrants: CallGrantsService;
      chat: ChatService;
      waitingRoom: WaitingRoomService;
      recordings: RecordingConsent;
      clock: Clock;
      log: FastifyBaseLogger;
      metrics: SignalingMetrics;
      limits?: Partial<HubLimits>;
    },
  ) {
    const limits = { ...DEFAULT_HUB_LIMITS, ...deps.limits };
    this.limits = limits;
    const { bus, clock, log } = deps;
    this.quotas = new ConnectionQuotas({ bus, clock, log, limits });
    this.fanout = new ChannelFanout(bus, (conn) => void this.rooms.leave(conn, 'silent'), deps.metrics);
    this.rooms = new RoomMembership({
      nodeId: this.nodeId,
      bus,
      broadcaster: deps.broadcaster,
      fanout: this.fanout,
      calls: deps.calls,
      waitingRoom: deps.waitingRoom,
      recordings: deps.recordings,
      audit: deps.store.audit,
      clock,
      log,
      isLocal: (id) => this.registry.has(id),
      reconnectGraceMs: limits.reconnectGraceMs,
    });
    this.credentials = new CredentialSweep({ store: deps.store, clock });
    this.timers.push(
      setInterval(() => void this.checkCredentials().catch(() => {}), limits.sessionCheckMs).unref(),
    );
    this.timers.push(setInterval(() => void this.heartbeat(), limits.heartbeatMs).unref());
    this.timers.push(
      setInterval(() => void this.refreshPresence().catch(() => {}), limits.presenceRefreshMs).unref(),
    );
    this.controlUnsub = bus.subscribe(channels.control, (payload) => {
      const message = decodeControl(payload);
      if (message?.type === 'appointment-parties') this.dropFormerParties(message);
      else if (message) this.registry.apply(message);
    });
  }

  get connectionCount(): number {
    return this.registry.size;
  }

  /** Counted when the metrics are scraped, never kept up to date per connection. */
  connectionsByTransport(): Record<TransportKind, number> {
    const counts: Record<TransportKind, number> = { websocket: 0, long_poll: 0 };
    for (const conn of this.registry) counts[conn.transport.kind] += 1;
    return counts;
  }

  /** Call rooms with a member on this node. */
  get roomCount(): number {
    return this.rooms.roomCount;
  }

  /** Why this principal may not open a connection now (S12, S21), or null. */
  refusal(principal: Principal): Promise<'rate_limited' | 'too_many_connections' | null> {
    return this.quotas.refusal(principal);
  }

  /** A new connection; one over its quota (several passed `refusal` at once) is closed with 4012 at once. */
  attach(transport: Transport, principal: Principal): Connection {
    const limits = this.limits;
    const conn = new Connection(
      transport,
      principal,
      new TokenBucket(limits.burst, limits.ratePerSecond, this.deps.clock),
    );
    if (!this.quotas.admit(principal)) {
      conn.close(CLOSE_CODES.too_many_connections, 'too many connections', 'silent');
      return conn;
    }
    this.registry.add(conn);
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
    // When it arrived, for the relay latency (the metrics): a number, no allocation.
    const receivedAt = wallClockMs();
    conn.queue = conn.queue
      .then(() => this.onMessage(conn, raw, receivedAt))
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
    this.rooms.stop();
    for (const conn of this.registry) {
      conn.close(CLOSE_CODES.server_shutdown, 'server shutting down', 'grace');
    }
    await Promise.allSettled([this.fanout.close(), this.controlUnsub.then((unsubscribe) => unsubscribe())]);
  }

  private async onMessage(conn: Connection, raw: string, receivedAt: number): Promise<void> {
    if (conn.closed) return;
    const msg = parseClientFrame(raw);
    if ('refused' in msg) {
      this.refuse(conn, msg.refused, msg.id);
      return;
    }
    try {
      await this.dispatch(conn, msg, receivedAt);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      this.refuse(conn, err.code, 'id' in msg ? msg.id : undefined, err.message);
      if ('appointmentId' in msg || 'hospitalId' in msg) {
        await recordRefusal(this.deps.store.audit, {
          actorId: conn.user.id,
          action: `ws.${msg.type}`,
          appointmentId: 'appointmentId' in msg ? msg.appointmentId : null,
          ...('hospitalId' in msg ? { hospitalId: msg.hospitalId } : {}),
          err,
        });
      }
    }
  }

  /** One handler per client message type (docs/protocol.md, "Messages"). */
  private dispatch(conn: Connection, msg: ClientMessage, receivedAt: number): Promise<void> | undefined {
    switch (msg.type) {
      case 'ping':
        return this.ping(conn, msg.id);
      case 'ack':
        return this.rooms.acknowledge(conn, msg.seq);
      case 'subscribe':
        return this.subscribe(conn, msg.appointmentId, msg.id);
      case 'unsubscribe':
        return this.unsubscribe(conn, channels.appointment(msg.appointmentId), msg.id);
      case 'subscribe-hospital':
        return this.subscribeHospital(conn, msg.hospitalId, msg.id);
      case 'unsubscribe-hospital':
        return this.unsubscribe(conn, channels.hospital(msg.hospitalId), msg.id);
      case 'check-in':
        return this.checkIn(conn, msg.appointmentId, msg.id);
      case 'join':
        return this.join(conn, msg.appointmentId, msg.resume, msg.id);
      case 'leave':
        return this.leave(conn, msg.id);
      case 'chat':
        return this.chat(conn, msg);
      case 'offer':
      case 'answer':
      case 'ice-candidate':
      case 'media-state':
        return this.relay(conn, msg, receivedAt);
      case 'screen-share':
        return this.screenShare(conn, msg.active, msg.id);
      case 'quality-summary':
        return this.qualitySummary(conn, msg);
    }
  }

  private ping(conn: Connection, id: string | undefined): undefined {
    conn.send(id === undefined ? { type: 'pong' } : { type: 'pong', id });
    return undefined;
  }

  private async subscribe(conn: Connection, appointmentId: string, id: string | undefined): Promise<void> {
    const { appointment } = await this.access(conn, appointmentId, 'view');
    const channel = channels.appointment(appointment.id);
    conn.subscriptions.add(channel);
    await this.fanout.add(channel, 'appointment', conn);
    this.ack(conn, id);
    // The appointment was just read: only its call session is still needed for the status.
    conn.send({ type: 'call-status', call: await this.deps.calls.viewOf(appointment) });
    conn.send({ type: 'lobby', lobby: await this.deps.waitingRoom.view(appointment) });
  }

  /**
   * A hospital admin's dashboard (S28): every call status and waiting room of the hospital's
   * appointments, from now on; the page reads the day's state over HTTP after the `ack`.
   */
  private async subscribeHospital(
    conn: Connection,
    hospitalId: string,
    id: string | undefined,
  ): Promise<void> {
    requireHospitalAdminPrincipal(conn.principal, hospitalId);
    const channel = channels.hospital(hospitalId);
    conn.subscriptions.add(channel);
    await this.fanout.add(channel, 'hospital', conn);
    this.ack(conn, id);
  }

  private async unsubscribe(conn: Connection, channel: string, id: string | undefined): Promise<void> {
    if (conn.subscriptions.delete(channel)) await this.fanout.remove(channel, conn);
    this.ack(conn, id);
  }

  private async checkIn(conn: Connection, appointmentId: string, id: string | undefined): Promise<void> {
    const party = await this.access(conn, appointmentId, 'take-part');
    const { waitingRoom } = this.deps;
    const checkedInAt = await waitingRoom.checkIn(party);
    await this.rooms.enterWaitingRoom(conn, appointmentId);
    await waitingRoom.announce(
      { appointmentId, patientWaiting: true, checkedInAt },
      party.appointment.hospital_id,
    );
    this.ack(conn, id);
  }

  private async join(
    conn: Connection,
    appointmentId: string,
    resume: { roomId: string; lastSeq: number } | undefined,
    id: string | undefined,
  ): Promise<void> {
    const party = await this.access(conn, appointmentId, 'take-part');
    const a = party.appointment;
    if (!isCallActive(a.video_call_status) || !a.room_id) throw new AppError('call_not_active');
    const grant = conn.principal.grant;
    const session =
      grant && grant.role === party.role ? await this.deps.callGrants.admittedSession(grant, a) : null;
    if (!session) throw new AppError('call_grant_required');
    await this.rooms.join(conn, party, session, resume);
    this.ack(conn, id);
  }

  private async leave(conn: Connection, id: string | undefined): Promise<void> {
    await this.rooms.leave(conn, 'announce');
    this.ack(conn, id);
  }

  private async chat(conn: Connection, msg: Extract<ClientMessage, { type: 'chat' }>): Promise<void> {
    if (!conn.partyOf.has(msg.appointmentId)) await this.access(conn, msg.appointmentId, 'take-part');
    const message = await this.deps.chat.post(conn.user, msg.appointmentId, msg.clientId, msg.body);
    this.deps.metrics.relayed('chat');
    conn.send({ type: 'ack', id: msg.id ?? msg.clientId, message });
  }

  private relay(conn: Connection, msg: Relayed, receivedAt: number): undefined {
    const room = conn.room;
    if (!room) throw new AppError('not_in_room');
    const { id, ...rest } = msg;
    const relayed = this.deps.broadcaster.relay(
      room.roomId,
      otherRole(room.peer.role),
      { ...rest, from: room.peer } as RoomMessage,
      receivedAt,
    );
    this.deps.metrics.relayed(msg.type);
    // The connection's next message need not wait for this one's bus round trip (with Redis, an ICE
    // burst would take one round trip per candidate): the bus applies publishes in the order they
    // are issued. The reply (if the message had an id) still waits for the publish.
    relayed.then(
      () => this.ack(conn, id),
      (err: unknown) => this.onHandlerError(conn, err),
    );
    return undefined;
  }

  private async screenShare(conn: Connection, active: boolean, id: string | undefined): Promise<void> {
    const room = conn.room;
    if (!room) throw new AppError('not_in_room');
    if (room.peer.role !== 'doctor') throw wrongRole('onlyDoctorShares');
    await this.deps.broadcaster.toRole(room.roomId, otherRole(room.peer.role), {
      type: 'screen-share',
      active,
      from: room.peer,
    });
    await this.deps.calls.setScreenSharing(room.roomId, active);
    this.deps.metrics.relayed('screen-share');
    this.ack(conn, id);
  }

  /**
   * A party's window of call quality figures (S30): only from a connection live in a call's room, at most
   * what the sending interval allows (a flood is refused, not stored); stored against the room's call
   * session and the party's role, whose summary row is rewritten with it.
   */
  private async qualitySummary(
    conn: Connection,
    msg: Extract<ClientMessage, { type: 'quality-summary' }>,
  ): Promise<void> {
    if (conn.roomState.kind !== 'live') throw new AppError('not_in_room');
    const place = conn.roomState.place;
    const { qualityBurst, qualityRefillMs } = this.limits;
    conn.qualityBucket ??= new TokenBucket(qualityBurst, 1000 / qualityRefillMs, this.deps.clock);
    if (!conn.qualityBucket.take()) throw new AppError('rate_limited');
    await this.deps.store.quality.addWindow(place.callSessionId, place.peer.role, msg.summary);
    this.ack(conn, msg.id);
  }

  /** The access decision (authorize) on a fresh read; a party's role is remembered for chat. */
  private async access(conn: Connection, appointmentId: string, need: 'take-part'): Promise<PartyAccess>;
  private async access(
    conn: Connection,
    appointmentId: string,
    need: AccessNeed,
  ): Promise<PartyAccess | ViewerAccess>;
  private async access(
    conn: Connection,
    appointmentId: string,
    need: AccessNeed,
  ): Promise<PartyAccess | ViewerAccess> {
    const access = authorize(conn.principal, await this.deps.store.appointments.getRow(appointmentId), need);
    if (access.kind === 'party') conn.partyOf.set(access.appointment.id, access.role);
    return access;
  }

  private async detach(conn: Connection, departure: Departure): Promise<void> {
    if (!this.registry.delete(conn)) return;
    this.quotas.release(conn.principal);
    await this.rooms.leave(conn, departure);
    await this.rooms.leaveWaitingRoom(conn, departure);
    for (const channel of conn.subscriptions) await this.fanout.remove(channel, conn);
    conn.subscriptions.clear();
  }

  /**
   * An appointment has new parties (it was given to another doctor): a connection of anyone else that is
   * subscribed to it as a party leaves its channel now, before the next message on it is delivered, so the
   * doctor it was taken from hears none of its chat or status. Admins watch it by their hospital, not as
   * a party, and keep it.
   */
  private dropFormerParties(m: { appointmentId: string; doctorId: string; patientId: string }): void {
    const channel = channels.appointment(m.appointmentId);
    for (const conn of this.registry) {
      if (!conn.subscriptions.has(channel) || conn.user.role === 'admin') continue;
      if (conn.user.id === m.doctorId || conn.user.id === m.patientId) continue;
      conn.subscriptions.delete(channel);
      conn.partyOf.delete(m.appointmentId);
      // The member leaves at once (remove's first step is synchronous); the bus unsubscribes later.
      void this.fanout.remove(channel, conn).catch(() => {});
    }
  }

  private checkCredentials(): Promise<void> {
    return this.credentials.run(this.registry);
  }

  private heartbeat(): Promise<void> {
    return this.registry.heartbeat(() => this.closed);
  }

  private refreshPresence(): Promise<void> {
    return this.rooms.refreshPresence(this.registry);
  }

  private ack(conn: Connection, id: string | undefined): void {
    if (id !== undefined) conn.send({ type: 'ack', id });
  }

  private refuse(conn: Connection, code: ErrorCode, id?: string, message?: string): void {
    this.deps.metrics.error('ws', code);
    conn.send({
      type: 'error',
      code,
      message: message ?? ERRORS[code].message,
      ...(id === undefined ? {} : { id }),
    });
    if (code !== 'internal' && !conn.closed) this.quotas.countRefusal(conn, code);
  }

  private onHandlerError(conn: Connection, err: unknown): void {
    this.deps.log.error({ err, userId: conn.user.id }, 'signaling message handler failed');
    this.refuse(conn, 'internal');
  }
}
