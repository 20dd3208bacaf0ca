import type { PartyRole } from '../../protocol/call-status.js';
import type { CallStatusView, ChatMessageView, LobbyView, ServerMessage } from '../../protocol/messages.js';
import type { Bus } from '../bus/bus.js';
import { type Audience, channels, encodeEnvelope, streams } from './envelope.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A room message before the bus gives it its recipient's sequence number. */
export type RoomMessage =
  | DistributiveOmit<Extract<ServerMessage, { seq: number }>, 'seq'>
  | { type: 'call-status'; call: CallStatusView };

/** Publishes server messages to the bus; the hubs on every node deliver them to their sockets. */
export class Broadcaster {
  constructor(private readonly bus: Bus) {}

  publish(channel: string, audience: Audience, message: ServerMessage, except = ''): Promise<void> {
    return this.bus.publish(channel, encodeEnvelope({ audience, except, json: JSON.stringify(message) }));
  }

  /** Into the recipient role's stream of the room, so it can be replayed after a reconnect (S17). */
  toRole(roomId: string, role: PartyRole, message: RoomMessage): Promise<number> {
    return this.bus.publishSequenced(
      channels.room(roomId),
      streams.room(roomId, role),
      encodeEnvelope({ audience: role, except: '', json: JSON.stringify(message) }),
    );
  }

  async toBoth(roomId: string, message: RoomMessage): Promise<void> {
    await Promise.all([this.toRole(roomId, 'doctor', message), this.toRole(roomId, 'patient', message)]);
  }

  async callStatus(call: CallStatusView): Promise<void> {
    await this.publish(channels.appointment(call.appointmentId), 'all', { type: 'call-status', call });
    if (call.roomId) await this.toBoth(call.roomId, { type: 'call-status', call });
  }

  lobby(lobby: LobbyView): Promise<void> {
    return this.publish(channels.appointment(lobby.appointmentId), 'all', { type: 'lobby', lobby });
  }

  chat(message: ChatMessageView): Promise<void> {
    return this.publish(channels.appointment(message.appointmentId), 'parties', { type: 'chat', message });
  }

  sessionRevoked(sessionIdHash: string): Promise<void> {
    return this.bus.publish(channels.control, `revoke-session ${sessionIdHash}`);
  }

  /** A call cookie was given up: its link-only connections close, signed-in ones lose it (S14, S18). */
  grantRevoked(grantId: string): Promise<void> {
    return this.bus.publish(channels.control, `revoke-grant ${grantId}`);
  }

  /** A restart revokes the earlier call's links and call cookies on every node (S18). */
  callRestarted(appointmentId: string, currentSessionId: string): Promise<void> {
    return this.bus.publish(channels.control, `revoke-call ${appointmentId} ${currentSessionId}`);
  }

  /** Closes a connection, wherever it is, that another one of the same party replaced (S13, S21). */
  replaced(connectionId: string): Promise<void> {
    return this.bus.publish(channels.control, `replace ${connectionId}`);
  }
}
