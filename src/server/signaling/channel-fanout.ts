import type { Bus } from '../bus/bus.js';
import { wallClockMs } from '../clock.js';
import type { SignalingMetrics } from '../metrics/node-metrics.js';
import { decodeEnvelope } from '../realtime/envelope.js';
import type { Connection } from './connection.js';

/**
 * An appointment's channel reaches its subscribers by audience, and so does a hospital's (its admins,
 * S28); a room's reaches the members of the role each message was sequenced for (the recipient's
 * stream, S17).
 */
export type ChannelKind = 'appointment' | 'hospital' | 'room';

interface Channel {
  kind: ChannelKind;
  members: Set<Connection>;
  /** The bus subscription, live while the channel has members on this node. */
  subscription: Promise<() => Promise<void>>;
}

/** This node's connections per bus channel: one bus subscription per channel, whatever its members. */
export class ChannelFanout {
  private readonly channels = new Map<string, Channel>();

  constructor(
    private readonly bus: Bus,
    /** A member received the message that ends its call (S11): it leaves the room. */
    private readonly onRoomClosed: (conn: Connection) => void,
    private readonly metrics: SignalingMetrics,
  ) {}

  /** Resolves once the bus delivers the channel's messages to `conn`. */
  async add(name: string, kind: ChannelKind, conn: Connection): Promise<void> {
    let channel = this.channels.get(name);
    if (!channel) {
      const created: Channel = { kind, members: new Set(), subscription: Promise.resolve(async () => {}) };
      created.subscription = this.bus.subscribe(name, (payload, seq) => this.deliver(created, payload, seq));
      this.channels.set(name, created);
      channel = created;
    }
    channel.members.add(conn);
    await channel.subscription;
  }

  async remove(name: string, conn: Connection): Promise<void> {
    const channel = this.channels.get(name);
    if (!channel) return;
    channel.members.delete(conn);
    if (channel.members.size > 0) return;
    this.channels.delete(name);
    await (await channel.subscription)();
  }

  /** Ends every bus subscription (the node is shutting down). */
  async close(): Promise<void> {
    const subscriptions = [...this.channels.values()].map((c) => c.subscription);
    this.channels.clear();
    await Promise.allSettled(subscriptions.map(async (s) => (await s)()));
  }

  private deliver(channel: Channel, payload: string, seq: number | undefined): void {
    const env = decodeEnvelope(payload);
    if (!env) return;
    const { members } = channel;
    // One clock read per delivery to this node, only when the sender stamped the message.
    const now = env.publishedAt === undefined ? 0 : wallClockMs();
    if (env.publishedAt !== undefined) this.metrics.busDelivered(now - env.publishedAt);
    if (channel.kind === 'room') {
      const receivedAt = env.receivedAt;
      for (const conn of members) {
        const place = conn.room;
        if (!place || place.peer.role !== env.audience || seq === undefined || conn.id === env.except)
          continue;
        conn.receiveRoomMessage(seq, env.json);
        if (receivedAt !== undefined) this.metrics.relayDelivered(now - receivedAt);
      }
      if (env.closesRoom) {
        for (const conn of [...members]) {
          if (conn.room?.peer.role === env.audience) this.onRoomClosed(conn);
        }
      }
      return;
    }
    for (const conn of members) {
      if (conn.id === env.except) continue;
      const role = conn.user.role;
      if (env.audience === 'parties' && role === 'admin') continue;
      if ((env.audience === 'doctor' || env.audience === 'patient') && role !== env.audience) continue;
      conn.sendRaw(env.json);
    }
  }
}
