import { z } from 'zod';
import type { CallEndReason, CallStatus, PartyRole, Role } from './call-status.js';
import type { ErrorCode } from './errors.js';

/** Frames larger than this are refused by the socket itself (docs/protocol.md S3). */
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_SDP_CHARS = 32 * 1024;
export const MAX_CHAT_CHARS = 4000;
/** How long a poll of the HTTP fallback (S22) waits for messages before answering with none. */
export const POLL_TIMEOUT_MS = 25_000;

const id = z.string().min(1).max(64).optional();
const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const entityId = z.string().min(1).max(64);

const iceCandidate = z
  .object({
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  .strict();

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id }).strict(),
  z.object({ type: z.literal('subscribe'), id, appointmentId: entityId }).strict(),
  z.object({ type: z.literal('unsubscribe'), id, appointmentId: entityId }).strict(),
  z
    .object({
      type: z.literal('join'),
      id,
      appointmentId: entityId,
      /** Set after a reconnect: the room and the last `seq` this client received (S17). */
      resume: z.object({ roomId: entityId, lastSeq: seq }).strict().optional(),
    })
    .strict(),
  /** Acknowledges every room message up to `seq`, so the server may forget them (S17). No reply. */
  z.object({ type: z.literal('ack'), seq }).strict(),
  /** A patient enters the waiting room before the doctor starts the call (S20). */
  z.object({ type: z.literal('check-in'), id, appointmentId: entityId }).strict(),
  z.object({ type: z.literal('leave'), id }).strict(),
  z.object({ type: z.literal('offer'), id, sdp: z.string().min(1).max(MAX_SDP_CHARS) }).strict(),
  z.object({ type: z.literal('answer'), id, sdp: z.string().min(1).max(MAX_SDP_CHARS) }).strict(),
  z.object({ type: z.literal('ice-candidate'), id, candidate: iceCandidate.nullable() }).strict(),
  z.object({ type: z.literal('media-state'), id, audioMuted: z.boolean(), videoOff: z.boolean() }).strict(),
  z.object({ type: z.literal('screen-share'), id, active: z.boolean() }).strict(),
  z
    .object({
      type: z.literal('chat'),
      id,
      appointmentId: entityId,
      clientId: z.string().min(1).max(64),
      body: z.string().trim().min(1).max(MAX_CHAT_CHARS),
    })
    .strict(),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export type IceCandidateInit = z.infer<typeof iceCandidate>;

/** The messages a client relays to the other party of its room, stamped by the server. */
export const RELAYED_TYPES = ['offer', 'answer', 'ice-candidate', 'media-state', 'screen-share'] as const;
export type RelayedType = (typeof RELAYED_TYPES)[number];

export interface Peer {
  userId: string;
  role: PartyRole;
  displayName: string;
}

export interface ChatMessageView {
  id: string;
  appointmentId: string;
  senderId: string;
  senderRole: Role;
  senderName: string;
  body: string;
  clientId: string;
  createdAt: number;
}

export interface CallStatusView {
  appointmentId: string;
  status: CallStatus;
  roomId: string | null;
  startedAt: number | null;
  connectedAt: number | null;
  endedAt: number | null;
  durationSeconds: number | null;
  /** Why the last call ended; null while none has ended. */
  endReason: CallEndReason | null;
  /** When the server will end the call for reaching VIDEO_CALL_MAX_DURATION_MINUTES (set once in_progress). */
  endsAt: number | null;
}

/** The waiting room of one appointment, as the doctor's pages see it (S20). */
export interface LobbyView {
  appointmentId: string;
  patientWaiting: boolean;
  /** When the patient first checked in for this appointment; the waited time counts from here. */
  checkedInAt: number | null;
}

/** Messages delivered through a room carry the recipient's sequence number (S17). */
type Sequenced = { seq: number };
type Relayed<T extends ClientMessage> = Omit<T, 'id'> & { from: Peer } & Sequenced;
type Pick1<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

export type ServerMessage =
  | { type: 'welcome'; v: number; user: { id: string; role: Role; displayName: string } }
  | { type: 'pong'; id?: string }
  | { type: 'ack'; id: string; message?: ChatMessageView }
  | { type: 'error'; code: ErrorCode; message: string; id?: string }
  | { type: 'chat'; message: ChatMessageView }
  | { type: 'call-status'; call: CallStatusView; seq?: number }
  | { type: 'lobby'; lobby: LobbyView }
  | {
      type: 'joined';
      appointmentId: string;
      roomId: string;
      self: Peer;
      peers: Peer[];
      /** True when a `resume` was honoured: the missed messages follow, then live ones. */
      resumed: boolean;
      /** The sequence number the room's messages to this client continue from (S17). */
      lastSeq: number;
    }
  | ({ type: 'peer-joined'; peer: Peer } & Sequenced)
  | ({ type: 'peer-left'; peer: Peer } & Sequenced)
  | ({ type: 'call-warning'; appointmentId: string; reason: 'max_duration'; endsAt: number } & Sequenced)
  | Relayed<Pick1<'offer'>>
  | Relayed<Pick1<'answer'>>
  | Relayed<Pick1<'ice-candidate'>>
  | Relayed<Pick1<'media-state'>>
  | Relayed<Pick1<'screen-share'>>;

export type ServerMessageType = ServerMessage['type'];
