import type { ErrorCode } from '../../protocol/errors.js';
import type { ServerMessage } from '../../protocol/messages.js';
import type { Timers } from '../lib/timers.js';
import { type SignalingChannel, SocketRequestError } from '../ws/reconnecting-socket.js';
import { RoomSequence } from './room-sequence.js';

export interface RoomMembershipOptions {
  appointmentId: string;
  signaling: SignalingChannel;
  timers: Timers;
  /** Gets this browser a call cookie (join or enter); see PeerCallOptions.renewGrant. */
  renewGrant?: (() => Promise<void>) | undefined;
  /** The call is over: a cookie that comes afterwards reconnects nothing. */
  over: () => boolean;
  /** The server refused the join, or no cookie could be had. */
  refused: (code: ErrorCode, message: string) => void;
  onError: (error: unknown) => void;
}

type JoinedMessage = Extract<ServerMessage, { type: 'joined' }>;

const NO_GRANT = 'Open the call from your appointment or from your call link to take part.';

function errorCode(error: unknown): ErrorCode | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? (code as ErrorCode) : null;
}

/**
 * This side's place in the room: joining (afresh, or resuming after a reconnect, S17), the call cookie
 * the server may ask for first, leaving, and the sequence of the room's messages with their acks.
 */
export class RoomMembership {
  readonly #options: RoomMembershipOptions;
  readonly #sequence: RoomSequence;
  #inRoom = false;
  /** The room last joined, to resume after a reconnect (S17); null before the first join and after leaving. */
  #roomId: string | null = null;

  constructor(options: RoomMembershipOptions) {
    this.#options = options;
    this.#sequence = new RoomSequence({
      timers: options.timers,
      sendAck: (seq) => options.signaling.send({ type: 'ack', seq }),
    });
  }

  get inRoom(): boolean {
    return this.#inRoom;
  }

  /**
   * Asks to join, resuming the room joined last if there is one. With the socket down nothing is sent (the
   * table joins again on `signaling-ready`), but this side counts as in the room from now on.
   */
  join(): void {
    const { signaling, appointmentId } = this.#options;
    this.#inRoom = true;
    if (!signaling.isReady) return;
    const roomId = this.#roomId;
    const message =
      roomId === null
        ? { type: 'join' as const, appointmentId }
        : { type: 'join' as const, appointmentId, resume: { roomId, lastSeq: this.#sequence.lastSeq } };
    signaling.request(message).catch((error: unknown) => {
      if (error instanceof SocketRequestError && !error.isTransient) {
        this.#options.refused(error.code as ErrorCode, error.message);
      }
    });
  }

  /** The server's `joined`: where the room's messages continue from. */
  joined(message: Pick<JoinedMessage, 'roomId' | 'resumed' | 'lastSeq'>): void {
    if (message.resumed) this.#sequence.resumed();
    else this.#sequence.reset(message.lastSeq);
    this.#roomId = message.roomId;
  }

  /** False for a room message already seen, which must be ignored. */
  accept(seq: number | undefined): boolean {
    return this.#sequence.accept(seq);
  }

  /** Gets a call cookie, then reconnects so that the next join carries it; refused if none can be had. */
  renewGrant(): void {
    const { renewGrant, refused } = this.#options;
    if (!renewGrant) {
      refused('call_grant_required', NO_GRANT);
      return;
    }
    renewGrant().then(
      () => {
        if (!this.#options.over()) this.#options.signaling.reconnect();
      },
      (error: unknown) => {
        this.#options.onError(error);
        const message = error instanceof Error && error.message ? error.message : NO_GRANT;
        refused(errorCode(error) ?? 'call_grant_required', message);
      },
    );
  }

  leave(): void {
    if (this.#inRoom) this.#options.signaling.send({ type: 'leave' });
    this.#inRoom = false;
    this.#roomId = null;
  }

  /** Acknowledges the room's messages received so far at once. */
  flushAcks(): void {
    this.#sequence.flush();
  }

  close(): void {
    this.#sequence.close();
  }
}
