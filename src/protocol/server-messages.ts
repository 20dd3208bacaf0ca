import { z } from 'zod';
import { CALL_END_REASONS, CALL_STATUSES, ROLES } from './call-status.js';
import { ERRORS, type ErrorCode } from './errors.js';
import { entityId, MAX_CHAT_CHARS, messageId, relayedFields, seq } from './message-fields.js';
import { RECORDING_STATES, RECORDING_STOP_REASONS, type RecordingView } from './recording.js';

/**
 * Every server → client message (docs/protocol.md, "Messages"). The browser imports only the types
 * (through messages.ts), so none of this reaches its bundle; the server's tests check every message
 * they receive against it.
 */

const partyRole = z.enum(['doctor', 'patient']);
const time = z.number().int();

export const peerSchema = z.object({ userId: entityId, role: partyRole, displayName: z.string() }).strict();

export const chatMessageViewSchema = z
  .object({
    id: entityId,
    appointmentId: entityId,
    senderId: entityId,
    senderRole: z.enum(ROLES),
    senderName: z.string(),
    body: z.string().min(1).max(MAX_CHAT_CHARS),
    clientId: z.string().min(1).max(64),
    createdAt: time,
  })
  .strict();

export const callStatusViewSchema = z
  .object({
    appointmentId: entityId,
    status: z.enum(CALL_STATUSES),
    roomId: entityId.nullable(),
    startedAt: time.nullable(),
    connectedAt: time.nullable(),
    endedAt: time.nullable(),
    durationSeconds: z.number().int().min(0).nullable(),
    /** Why the last call ended; null while none has ended. */
    endReason: z.enum(CALL_END_REASONS).nullable(),
    /** When the server will end the call for reaching VIDEO_CALL_MAX_DURATION_MINUTES (set once in_progress). */
    endsAt: time.nullable(),
  })
  .strict();

/** The waiting room of one appointment, as the doctor's pages see it (S20). */
export const waitingRoomViewSchema = z
  .object({
    appointmentId: entityId,
    patientWaiting: z.boolean(),
    /** When the patient first checked in for this appointment; the waited time counts from here. */
    checkedInAt: time.nullable(),
  })
  .strict();

/** A call's recording as both pages see it (S29; RecordingView in recording.ts). */
export const recordingViewSchema = z
  .object({
    id: entityId,
    appointmentId: entityId,
    callSessionId: entityId,
    state: z.enum(RECORDING_STATES),
    stopReason: z.enum(RECORDING_STOP_REASONS).nullable(),
    patientConsent: z.enum(['allowed', 'declined', 'withdrawn']).nullable(),
    terms: z
      .object({
        retentionDays: z.number().int().positive(),
        patientMaySee: z.boolean(),
        onWithdraw: z.enum(['keep', 'discard']),
      })
      .strict(),
    requestedAt: time,
    startedAt: time.nullable(),
    stoppedAt: time.nullable(),
    elapsedMs: z.number().int().min(0),
    segments: z.number().int().min(0),
  })
  .strict() satisfies z.ZodType<RecordingView>;

const errorCodes = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

/** A message the other party sent, stamped with its sender and the recipient's sequence number (S9, S17). */
const relayed = <T extends keyof typeof relayedFields>(type: T) =>
  z.object({ type: z.literal(type), ...relayedFields[type], from: peerSchema, seq }).strict();

export const serverMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('welcome'),
      v: z.number().int(),
      user: z.object({ id: entityId, role: z.enum(ROLES), displayName: z.string() }).strict(),
    })
    .strict(),
  z.object({ type: z.literal('pong'), id: messageId.optional() }).strict(),
  z.object({ type: z.literal('ack'), id: messageId, message: chatMessageViewSchema.optional() }).strict(),
  z
    .object({
      type: z.literal('error'),
      code: z.enum(errorCodes),
      message: z.string(),
      id: messageId.optional(),
    })
    .strict(),
  z.object({ type: z.literal('chat'), message: chatMessageViewSchema }).strict(),
  /** On an appointment's channel without `seq`; in a room with the recipient's `seq` (S17). */
  z.object({ type: z.literal('call-status'), call: callStatusViewSchema, seq: seq.optional() }).strict(),
  z.object({ type: z.literal('lobby'), lobby: waitingRoomViewSchema }).strict(),
  /** On a hospital's channel: an appointment was booked, moved or cancelled; read the day again (S28). */
  z.object({ type: z.literal('appointments-changed'), hospitalId: entityId }).strict(),
  z
    .object({
      type: z.literal('joined'),
      appointmentId: entityId,
      roomId: entityId,
      self: peerSchema,
      peers: z.array(peerSchema),
      /** True when a `resume` was honoured: the missed messages follow, then live ones. */
      resumed: z.boolean(),
      /** The sequence number the room's messages to this client continue from (S17). */
      lastSeq: seq,
      /** The call's recording while it is asked for, under way or not yet sealed, else null (S29). */
      recording: recordingViewSchema.nullable(),
    })
    .strict(),
  /** The call's recording changed state: to both parties of the room (S29). */
  z.object({ type: z.literal('recording'), recording: recordingViewSchema, seq }).strict(),
  z.object({ type: z.literal('peer-joined'), peer: peerSchema, seq }).strict(),
  z.object({ type: z.literal('peer-left'), peer: peerSchema, seq }).strict(),
  z
    .object({
      type: z.literal('call-warning'),
      appointmentId: entityId,
      reason: z.literal('max_duration'),
      endsAt: time,
      seq,
    })
    .strict(),
  relayed('offer'),
  relayed('answer'),
  relayed('ice-candidate'),
  relayed('media-state'),
  relayed('screen-share'),
]);

export type Peer = z.infer<typeof peerSchema>;
export type ChatMessageView = z.infer<typeof chatMessageViewSchema>;
export type CallStatusView = z.infer<typeof callStatusViewSchema>;
export type WaitingRoomView = z.infer<typeof waitingRoomViewSchema>;
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type ServerMessageType = ServerMessage['type'];
