import type { FastifyBaseLogger } from 'fastify';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import type { Peer } from '../../protocol/messages.js';
import type { RecordingView } from '../../protocol/recording.js';
import type { PartyAccess } from '../access/appointment-access.js';
import type { AuditRepo } from '../audit/audit-repo.js';
import type { Bus } from '../bus/bus.js';
import type { CallService } from '../calls/call-service.js';
import type { CallSessionRow } from '../calls/call-sessions-repo.js';
import type { WaitingRoomService } from '../calls/waiting-room-service.js';
import type { Clock } from '../clock.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import { channels, decodeEnvelope, streams } from '../realtime/envelope.js';
import {
  decodePresence,
  encodePresence,
  isFresh,
  otherRole,
  ownerPrefix,
  presenceKeys,
} from '../realtime/presence.js';
import { SWEEP_SLICE, yieldToEventLoop } from '../sweep-slices.js';
import type { ChannelFanout } from './channel-fanout.js';
import type { Connection, Departure, RoomPlace } from './connection.js';

/** What room membership tells the recordings (S29). */
export interface RecordingConsent {
  forJoin(callSessionId: string): Promise<RecordingView | null>;
  consentLapsed(callSessionId: string): Promise<RecordingView | null>;
  patientLeft(roomId: string): Promise<void>;
}

/**
 * Who of this node's connections is in which call room or waiting room, kept as presence in the bus so
 * every node sees it (S13, S15, S17, S20, S21): join, resume and replay, leave, the grace a dropped
 * connection keeps its place for, and the presence refresh.
 */
export class RoomMembership {
  /** This node's connections per room. */
  private readonly rooms = new Map<string, Set<Connection>>();
  private readonly graceTimers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly deps: {
      nodeId: string;
      bus: Bus;
      broadcaster: Broadcaster;
      fanout: ChannelFanout;
      calls: CallService;
      waitingRoom: WaitingRoomService;
      /** The call's recording: shown on join, paused when the patient's consent lapses (S29). */
      recordings: RecordingConsent;
      /** Where a party's leaving the room is recorded (its joining is the call's transition, call-service.ts). */
      audit: Pick<AuditRepo, 'record'>;
      clock: Clock;
      log: FastifyBaseLogger;
      /** Whether a connection of this id is open on this node. */
      isLocal: (connectionId: string) => boolean;
      /** A party whose connection dropped stays present this long, so a quick resume is seamless. */
      reconnectGraceMs: number;
    },
  ) {}

  /** Rooms with a member on this node (the metrics). */
  get roomCount(): number {
    return this.rooms.size;
  }

  /**
   * Enters the room of `party`'s active call, which `session` is (S8, S13, S17). `resume` continues
   * where a dropped connection stopped if nothing was lost and the party still held its place.
   */
  async join(
    conn: Connection,
    party: PartyAccess,
    session: CallSessionRow,
    resume: { roomId: string; lastSeq: number } | undefined,
  ): Promise<void> {
    const { bus, broadcaster, fanout, calls, waitingRoom } = this.deps;
    const a = party.appointment;
    const role = party.role;
    const roomId = session.room_id;
    // Whether this party still held its place in the room (this or a replaced socket, or a presence entry).
    let heldPlace = conn.room?.roomId === roomId;
    if (conn.room) await this.leave(conn, heldPlace ? 'silent' : 'announce');
    if (conn.waitingRoom) await this.leaveWaitingRoom(conn, 'silent');
    for (const other of [...(this.rooms.get(roomId) ?? [])]) {
      if (other !== conn && other.room?.peer.role === role) {
        other.close(CLOSE_CODES.replaced, 'joined from another tab or device', 'silent');
        await this.leave(other, 'silent');
        heldPlace = true;
      }
    }
    const peer: Peer = { userId: conn.user.id, role, displayName: conn.user.display_name };
    const place: RoomPlace = {
      appointmentId: a.id,
      roomId,
      callSessionId: session.id,
      peer,
      stream: streams.room(roomId, role),
      deliveredSeq: 0,
      lastTrimmed: 0,
    };
    const joining = conn.startJoining(place);
    const members = this.rooms.get(roomId) ?? new Set<Connection>();
    members.add(conn);
    this.rooms.set(roomId, members);
    let resumed = false;
    try {
      // Subscribed before reading the stream, so nothing published in between is missed (S17).
      await fanout.add(channels.room(roomId), 'room', conn);
      const claim = await bus.claim(presenceKeys.room(roomId), role, this.presenceValue(conn, peer));
      const previous = decodePresence(claim.previous);
      if (previous && previous.connectionId !== conn.id && !this.deps.isLocal(previous.connectionId)) {
        await broadcaster.control({ type: 'replace', connectionId: previous.connectionId });
      }
      const now = this.deps.clock.now();
      const other = decodePresence(claim.all[otherRole(role)]);
      const peers = other && isFresh(other, now) ? [other.peer] : [];
      const read = await bus.readStream(place.stream, resume?.lastSeq ?? 0);
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
      // A patient who joins afresh (a reload, another device) is asked again before anything more is
      // recorded; the recording is paused before they see it (S29).
      const recording =
        role === 'patient' && resume === undefined
          ? await this.deps.recordings.consentLapsed(session.id)
          : await this.deps.recordings.forJoin(session.id);
      const firstLive = joining.pending[0]?.seq;
      const start = firstLive === undefined ? read.head : Math.min(read.head, firstLive - 1);
      conn.send({
        type: 'joined',
        appointmentId: a.id,
        roomId,
        self: peer,
        peers,
        resumed,
        lastSeq: resumed && resume ? resume.lastSeq : start,
        recording,
      });
      if (resumed) {
        for (const e of read.entries) {
          const env = decodeEnvelope(e.payload);
          if (env) conn.sendSequenced(e.seq, env.json);
        }
      }
      conn.goLive(joining, resumed ? read.head : start);
      await calls.joined(conn.user.id, a.id, role, peers.length > 0, { appointment: a, session });
    } catch (err) {
      await this.leave(conn, 'silent');
      throw err;
    }
    // A resumed party never left as far as the other side knows: its media may still be flowing.
    if (!resumed) await broadcaster.toRole(roomId, otherRole(role), { type: 'peer-joined', peer });
    // The waiting room view reads the appointment's id, room and check-in time, which a join does not
    // change (check-in is refused while the call is active): the row read at the start of the join serves.
    if (role === 'patient' && !resumed) await waitingRoom.announce(await waitingRoom.view(a), a.hospital_id);
  }

  /** The client acknowledged its room's messages up to `seq`: the stream may forget them (S17). */
  async acknowledge(conn: Connection, seq: number): Promise<void> {
    const place = conn.room;
    if (!place || seq <= place.lastTrimmed || seq > place.deliveredSeq) return;
    place.lastTrimmed = seq;
    await this.deps.bus.trimStream(place.stream, seq);
  }

  async leave(conn: Connection, departure: Departure): Promise<void> {
    const place = conn.leaveRoom();
    if (!place) return;
    const { roomId, peer, appointmentId } = place;
    const members = this.rooms.get(roomId);
    members?.delete(conn);
    if (members && members.size === 0) this.rooms.delete(roomId);
    const { broadcaster, calls, fanout } = this.deps;
    await fanout.remove(channels.room(roomId), conn);
    await this.depart(conn, presenceKeys.room(roomId), peer, departure, async () => {
      await broadcaster.toRole(roomId, otherRole(peer.role), { type: 'peer-left', peer });
      await this.deps.audit.record({
        actorId: peer.userId,
        action: 'call.leave',
        appointmentId,
        outcome: 'ok',
        detail: { role: peer.role, roomId },
      });
      await calls.touchPresence(roomId);
      if (peer.role === 'patient') await this.deps.recordings.patientLeft(roomId);
      // A doctor who left shares nothing any more; a resumed one re-announces its share (S25).
      if (peer.role === 'doctor') await calls.setScreenSharing(roomId, false);
    });
  }

  /** The patient's connection takes the appointment's waiting-room place (S20). */
  async enterWaitingRoom(conn: Connection, appointmentId: string): Promise<void> {
    if (conn.waitingRoom && conn.waitingRoom.appointmentId !== appointmentId) {
      await this.leaveWaitingRoom(conn, 'announce');
    }
    const peer: Peer = { userId: conn.user.id, role: 'patient', displayName: conn.user.display_name };
    conn.waitingRoom = { appointmentId, peer };
    await this.deps.bus.claim(
      presenceKeys.waitingRoom(appointmentId),
      'patient',
      this.presenceValue(conn, peer),
    );
  }

  async leaveWaitingRoom(conn: Connection, departure: Departure): Promise<void> {
    const place = conn.waitingRoom;
    if (!place) return;
    conn.waitingRoom = null;
    const key = presenceKeys.waitingRoom(place.appointmentId);
    await this.depart(conn, key, place.peer, departure, () =>
      this.deps.waitingRoom.announceCurrent(place.appointmentId),
    );
  }

  /** Rewrites the presence entries these connections still own, so they do not go stale (S21). */
  async refreshPresence(connections: Iterable<Connection>): Promise<void> {
    const bus = this.deps.bus;
    const writes: Promise<boolean>[] = [];
    let swept = 0;
    for (const conn of connections) {
      if (++swept % SWEEP_SLICE === 0) {
        await yieldToEventLoop();
        if (this.stopped) break;
      }
      const owner = ownerPrefix(conn.id);
      const room = conn.room;
      if (room) {
        const p = room.peer;
        writes.push(bus.refresh(presenceKeys.room(room.roomId), p.role, owner, this.presenceValue(conn, p)));
      }
      const waiting = conn.waitingRoom;
      if (waiting) {
        const p = waiting.peer;
        const key = presenceKeys.waitingRoom(waiting.appointmentId);
        writes.push(bus.refresh(key, p.role, owner, this.presenceValue(conn, p)));
      }
    }
    await Promise.allSettled(writes);
  }

  /** The node is shutting down: connections keep their places for whichever node they resume on. */
  stop(): void {
    this.stopped = true;
    for (const t of this.graceTimers) clearTimeout(t);
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
      if (this.stopped) return;
      void release().catch((err: unknown) => this.deps.log.warn({ err }, 'presence release failed'));
    }, this.deps.reconnectGraceMs);
    timer.unref();
    this.graceTimers.add(timer);
  }

  private presenceValue(conn: Connection, peer: Peer): string {
    return encodePresence({
      connectionId: conn.id,
      nodeId: this.deps.nodeId,
      peer,
      beat: this.deps.clock.now(),
    });
  }
}
