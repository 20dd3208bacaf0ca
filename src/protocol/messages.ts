import { z } from 'zod';
import { qualitySummarySchema } from './call-quality.js';
import {
  type deviceStatus,
  entityId,
  type iceCandidate,
  MAX_CHAT_CHARS,
  messageId,
  relayedFields,
  seq,
} from './message-fields.js';

export { MAX_CHAT_CHARS, MAX_FRAME_BYTES, MAX_SDP_CHARS, POLL_TIMEOUT_MS } from './message-fields.js';
export type {
  CallStatusView,
  ChatMessageView,
  Peer,
  ServerMessage,
  ServerMessageType,
  WaitingRoomView,
} from './server-messages.js';

const id = messageId.optional();

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id }).strict(),
  z.object({ type: z.literal('subscribe'), id, appointmentId: entityId }).strict(),
  z.object({ type: z.literal('unsubscribe'), id, appointmentId: entityId }).strict(),
  /** A hospital admin's live dashboard: every appointment's call status and waiting room (S28). */
  z.object({ type: z.literal('subscribe-hospital'), id, hospitalId: entityId }).strict(),
  z.object({ type: z.literal('unsubscribe-hospital'), id, hospitalId: entityId }).strict(),
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
  z.object({ type: z.literal('offer'), id, ...relayedFields.offer }).strict(),
  z.object({ type: z.literal('answer'), id, ...relayedFields.answer }).strict(),
  z.object({ type: z.literal('ice-candidate'), id, ...relayedFields['ice-candidate'] }).strict(),
  z.object({ type: z.literal('media-state'), id, ...relayedFields['media-state'] }).strict(),
  z.object({ type: z.literal('screen-share'), id, ...relayedFields['screen-share'] }).strict(),
  /** A party's last window of call quality figures, every ~10 s while connected (S30). */
  z
    .object({
      type: z.literal('quality-summary'),
      id,
      summary: qualitySummarySchema
        .refine((s) => s.levelMs.excellent + s.levelMs.good + s.levelMs.poor + s.levelMs.lost <= s.windowMs, {
          message: 'the time at each level adds up to more than the window',
          path: ['levelMs'],
        })
        .refine((s) => s.audioOnlyMs <= s.windowMs, {
          message: 'more time without a picture than the window',
          path: ['audioOnlyMs'],
        }),
    })
    .strict(),
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
/** A camera's or microphone's state in media-state (S25). */
export type DeviceStatus = z.infer<typeof deviceStatus>;

/** The messages a client relays to the other party of its room, stamped by the server. */
export const RELAYED_TYPES = ['offer', 'answer', 'ice-candidate', 'media-state', 'screen-share'] as const;
export type RelayedType = (typeof RELAYED_TYPES)[number];
