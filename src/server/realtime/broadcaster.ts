import type { PartyRole } from '../../protocol/call-status.js';
import type {
  CallStatusView,
  ChatMessageView,
  ServerMessage,
  WaitingRoomView,
} from '../../protocol/messages.js';
import type { Bus } from '../bus/bus.js';
import { wallClockMs } from '../clock.js';
import { type ControlMessage, encodeControl } from './control.js';
import { type Audience, channels, encodeEnvelope, streams } from './envelope.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A room message before the bus gives it its recipient's sequence number. */
export type RoomMessage =
  | DistributiveOmit<Extract<ServerMessage, { seq: number }>, 'seq'>
  | { type: 'call-status'; call: CallStatusView };

/**
 * Publishes server messages, and control messages for every node's signaling, to the bus; the hubs on
 * every node deliver them to their connections.
 */
export class Broadcaster {
  constructor(private readonly bus: Bus) {}

  publish(channel: string, audience: Audience, message: ServerMessage, except = ''): Promise<void> {
    return this.bus.publish(
      channel,
      encodeEnvelope({ audience, except, json: JSON.stringify(message), publishedAt: wallClockMs() }),
    );
  }

  /** Into the recipient role's stream of the room, so it can be replayed after a reconnect (S17). */
  toRole(roomId: string, role: PartyRole, message: RoomMessage, closesRoom = false): Promise<number> {
    const json = JSON.stringify(message);
    const publishedAt = wallClockMs();
    return this.bus.publishSequenced(
      channels.room(roomId),
      streams.room(roomId, role),
      encodeEnvelope(
        closesRoom
          ? { audience: role, except: '', json, closesRoom, publishedAt }
          : { audience: role, except: '', json, publishedAt },
      ),
    );
  }

  /**
   * A client's signaling message to the other party (offer, answer, candidate, media state), with the time
   * its frame was received so the delivering node can time the whole relay (the metrics).
   */
  relay(roomId: string, role: PartyRole, message: RoomMessage, receivedAt: number): Promise<number> {
    return this.bus.publishSequenced(
      channels.room(roomId),
      streams.room(roomId, role),
      encodeEnvelope({
        audience: role,
        except: '',
        json: JSON.stringify(message),
        publishedAt: wallClockMs(),
        receivedAt,
      }),
    );
  }

  async toBoth(roomId: string, message: RoomMessage, closesRoom = false): Promise<void> {
    await Promise.all([
      this.toRole(roomId, 'doctor', message, closesRoom),
      this.toRole(roomId, 'patient', message, closesRoom),
    ]);
  }

  /**
   * To the appointment's subscribers and its hospital's dashboards (S28), and into its room: an `ended`
   * status closes the room (S11).
   */
  async callStatus(call: CallStatusView, hospitalId: string): Promise<void> {
    await this.toAppointmentAndHospital(call.appointmentId, hospitalId, { type: 'call-status', call });
    if (call.roomId) await this.toBoth(call.roomId, { type: 'call-status', call }, call.status === 'ended');
  }

  waitingRoom(view: WaitingRoomView, hospitalId: string): Promise<void> {
    return this.toAppointmentAndHospital(view.appointmentId, hospitalId, { type: 'lobby', lobby: view });
  }

  /** An appointment of the hospital was booked, moved or cancelled: its dashboards read the day again (S28). */
  appointmentsChanged(hospitalId: string): Promise<void> {
    return this.publish(channels.hospital(hospitalId), 'all', { type: 'appointments-changed', hospitalId });
  }

  chat(message: ChatMessageView): Promise<void> {
    return this.publish(channels.appointment(message.appointmentId), 'parties', { type: 'chat', message });
  }

  private async toAppointmentAndHospital(
    appointmentId: string,
    hospitalId: string,
    message: ServerMessage,
  ): Promise<void> {
    // Serialised once for both channels (architecture: "Serialise once").
    const payload = encodeEnvelope({
      audience: 'all',
      except: '',
      json: JSON.stringify(message),
      publishedAt: wallClockMs(),
    });
    await Promise.all([
      this.bus.publish(channels.appointment(appointmentId), payload),
      this.bus.publish(channels.hospital(hospitalId), payload),
    ]);
  }

  control(message: ControlMessage): Promise<void> {
    return this.bus.publish(channels.control, encodeControl(message));
  }
}
