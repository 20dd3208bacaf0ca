import type { CallStatusView, ChatMessageView, ServerMessage } from '../../protocol/messages.js';
import type { Bus } from '../bus/bus.js';
import { type Audience, channels, encodeEnvelope } from './envelope.js';

/** Publishes server messages to the bus; the hubs on every node deliver them to their sockets. */
export class Broadcaster {
  constructor(private readonly bus: Bus) {}

  publish(channel: string, audience: Audience, message: ServerMessage, except = ''): Promise<void> {
    return this.bus.publish(channel, encodeEnvelope({ audience, except, json: JSON.stringify(message) }));
  }

  async callStatus(call: CallStatusView): Promise<void> {
    const message: ServerMessage = { type: 'call-status', call };
    await this.publish(channels.appointment(call.appointmentId), 'all', message);
    if (call.roomId) await this.publish(channels.room(call.roomId), 'parties', message);
  }

  chat(message: ChatMessageView): Promise<void> {
    return this.publish(channels.appointment(message.appointmentId), 'parties', { type: 'chat', message });
  }

  sessionRevoked(sessionIdHash: string): Promise<void> {
    return this.bus.publish(channels.control, `revoke-session ${sessionIdHash}`);
  }
}
