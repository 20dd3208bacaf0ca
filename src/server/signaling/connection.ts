import type { PartyRole } from '../../protocol/call-status.js';
import type { Peer, ServerMessage } from '../../protocol/messages.js';
import type { Principal } from '../access/principal.js';
import type { UserRow } from '../accounts/users-repo.js';
import { newId } from '../ids.js';
import type { TokenBucket } from './token-bucket.js';

/** A WebSocket or an HTTP long-poll connection (S22): the hub treats both alike. */
export interface Transport {
  /** For the metrics: the connection's transport (docs/protocol.md S22). */
  readonly kind: 'websocket' | 'long_poll';
  send(json: string): void;
  close(code: number, reason: string): void;
  /** Liveness probe; a transport that fails it is terminated at the next heartbeat. */
  ping(): void;
  terminate(): void;
  readonly isOpen: boolean;
}

/** How a connection leaving a room or waiting room is told to the other side. */
export type Departure = 'announce' | 'silent' | 'grace';

/** This connection's place in a call's room. */
export interface RoomPlace {
  appointmentId: string;
  roomId: string;
  /** The call session this room is (its quality summaries are stored against it). */
  callSessionId: string;
  peer: Peer;
  /** The recipient stream of this party's role (S17). */
  stream: string;
  /** Highest seq sent on this connection; later deliveries at or below it are duplicates. */
  deliveredSeq: number;
  lastTrimmed: number;
}

/** Joining a room: its live messages wait in `pending` until the replay is out. */
export interface Joining {
  kind: 'joining';
  place: RoomPlace;
  pending: Array<{ seq: number; json: string }>;
}

/** Where a connection stands with rooms. */
export type RoomState = { kind: 'idle' } | Joining | { kind: 'live'; place: RoomPlace };

const IDLE: RoomState = { kind: 'idle' };

/** Adds `seq` to a serialised message without parsing it again. */
function withSeq(json: string, seq: number): string {
  return `${json.slice(0, -1)},"seq":${seq}}`;
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
  roomState: RoomState = IDLE;
  waitingRoom: { appointmentId: string; peer: Peer } | null = null;
  violations = 0;
  violationsSince = 0;
  /** Cleared by each heartbeat, set by the transport's answer to it. */
  alive = true;
  closed = false;
  /** How the server closed it; undefined when the client went away. */
  departure: Departure | undefined;
  /** Call quality summaries allowed on this connection (S30), made at the first one. */
  qualityBucket: TokenBucket | null = null;
  /** Messages of one connection are handled one after another. */
  queue: Promise<void> = Promise.resolve();

  constructor(
    readonly transport: Transport,
    readonly principal: Principal,
    readonly bucket: TokenBucket,
  ) {}

  get user(): UserRow {
    return this.principal.user;
  }

  /** Its place in a room, joining or live. */
  get room(): RoomPlace | null {
    return this.roomState.kind === 'idle' ? null : this.roomState.place;
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

  /** From now on the room's messages to this party's role wait in the returned state. */
  startJoining(place: RoomPlace): Joining {
    const joining: Joining = { kind: 'joining', place, pending: [] };
    this.roomState = joining;
    return joining;
  }

  /**
   * The replay is out, up to `deliveredSeq`: what arrived meanwhile follows, even when the connection
   * left the room while it joined (the call ended: the end is among them). Only one still joining goes live.
   */
  goLive(joining: Joining, deliveredSeq: number): void {
    const { place, pending } = joining;
    place.deliveredSeq = deliveredSeq;
    if (this.roomState === joining) this.roomState = { kind: 'live', place };
    joining.pending = [];
    for (const p of pending) this.deliverSequenced(place, p.seq, p.json);
  }

  /** Leaves whatever room it was in or joining; returns that place. */
  leaveRoom(): RoomPlace | null {
    const place = this.room;
    this.roomState = IDLE;
    return place;
  }

  /** A message sequenced for this connection's role in its room. */
  receiveRoomMessage(seq: number, json: string): void {
    const s = this.roomState;
    if (s.kind === 'joining') s.pending.push({ seq, json });
    else if (s.kind === 'live') this.deliverSequenced(s.place, seq, json);
  }

  /** A live room message, unless this connection has it already. */
  deliverSequenced(place: RoomPlace, seq: number, json: string): void {
    if (seq <= place.deliveredSeq) return;
    place.deliveredSeq = seq;
    this.sendSequenced(seq, json);
  }

  /** A room message as is (a replay). */
  sendSequenced(seq: number, json: string): void {
    this.sendRaw(withSeq(json, seq));
  }
}
