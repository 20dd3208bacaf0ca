import { z } from 'zod';
import type { CallStatus, PartyRole, Role } from './call-status.js';
import type { ErrorCode } from './errors.js';

/** Frames larger than this are refused by the socket itself (docs/protocol.md S3). */
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_SDP_CHARS = 32 * 1024;
export const MAX_CHAT_CHARS = 4000;

const id = z.string().min(1).max(64).optional();
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
  z.object({ type: z.literal('join'), id, appointmentId: entityId }).strict(),
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
}

type Relayed<T extends ClientMessage> = Omit<T, 'id'> & { from: Peer };
type Pick1<T extends ClientMessageType> = Extract<ClientMessage, { type: T }>;

export type ServerMessage =
  | { type: 'welcome'; v: number; user: { id: string; role: Role; displayName: string } }
  | { type: 'pong'; id?: string }
  | { type: 'ack'; id: string; message?: ChatMessageView }
  | { type: 'error'; code: ErrorCode; message: string; id?: string }
  | { type: 'chat'; message: ChatMessageView }
  | { type: 'call-status'; call: CallStatusView }
  | { type: 'joined'; appointmentId: string; roomId: string; self: Peer; peers: Peer[] }
  | { type: 'peer-joined'; peer: Peer }
  | { type: 'peer-left'; peer: Peer }
  | Relayed<Pick1<'offer'>>
  | Relayed<Pick1<'answer'>>
  | Relayed<Pick1<'ice-candidate'>>
  | Relayed<Pick1<'media-state'>>
  | Relayed<Pick1<'screen-share'>>;

export type ServerMessageType = ServerMessage['type'];
