import { z } from 'zod';

/** Frames larger than this are refused by the socket itself (docs/protocol.md S3). */
export const MAX_FRAME_BYTES = 64 * 1024;
export const MAX_SDP_CHARS = 32 * 1024;
export const MAX_CHAT_CHARS = 4000;
/** How long a poll of the HTTP fallback (S22) waits for messages before answering with none. */
export const POLL_TIMEOUT_MS = 25_000;

/** Field schemas both directions share (client messages in messages.ts, server ones in server-messages.ts). */
export const messageId = z.string().min(1).max(64);
export const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const entityId = z.string().min(1).max(64);

export const iceCandidate = z
  .object({
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  .strict();

/**
 * A party's camera or microphone as it tells the other side (S25): `on` a device is in use (muted or
 * turned off is in audioMuted/videoOff), `off` not started by choice, the rest why it could not start.
 */
export const DEVICE_STATUSES = ['on', 'off', 'blocked', 'missing', 'busy', 'unsupported', 'failed'] as const;
export const deviceStatus = z.enum(DEVICE_STATUSES);

/** What a relayed message carries besides its type: the same from the sender and to the other party (S9). */
export const relayedFields = {
  offer: { sdp: z.string().min(1).max(MAX_SDP_CHARS) },
  answer: { sdp: z.string().min(1).max(MAX_SDP_CHARS) },
  'ice-candidate': { candidate: iceCandidate.nullable() },
  'media-state': {
    audioMuted: z.boolean(),
    videoOff: z.boolean(),
    /** Optional: a client from before S25 does not send them, and is read as having both devices on. */
    microphone: deviceStatus.optional(),
    camera: deviceStatus.optional(),
  },
  'screen-share': { active: z.boolean() },
} as const;
