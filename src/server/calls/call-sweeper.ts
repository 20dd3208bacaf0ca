import type { FastifyBaseLogger } from 'fastify';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import { decodePresence, isFresh, otherRole, ownerPrefix, presenceKeys } from '../realtime/presence.js';
import type { Store } from '../store.js';
import { SWEEP_SLICE, yieldToEventLoop } from '../sweep-slices.js';
import type { CallService } from './call-service.js';
import type { WaitingRoomService } from './waiting-room-service.js';

export interface SweeperLimits {
  intervalMs: number;
  /** Defaults for calls started before sessions kept their own limits (call_sessions.max_duration_ms). */
  maxDurationMs: number;
  /** The max-duration warning goes out this long before the end (S19). */
  warnBeforeMs: number;
  /** An active call with nobody in its room this long is ended as timed_out (S24). */
  idleTimeoutMs: number;
}

/**
 * Every node runs one. It ends calls at their maximum duration, warns before, ends abandoned calls and
 * clears presence left behind by a node that died. Each step is a compare-and-set in the database or
 * the bus, so two nodes sweeping at once still warn once, end once and announce a departure once.
 */
export class CallSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      store: Store;
      bus: Bus;
      calls: CallService;
      waitingRoom: WaitingRoomService;
      broadcaster: Broadcaster;
      /** The recordings' own sweep (seal stale uploads, retention) and the patient's lapsed consent. */
      recordings: {
        sweep(): Promise<void>;
        patientLeft(roomId: string): Promise<void>;
      };
      clock: Clock;
      log: FastifyBaseLogger;
    },
    private readonly limits: SweeperLimits,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.limits.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One sweep; concurrent calls share it. */
  runOnce(): Promise<void> {
    this.running ??= this.sweep()
      .catch((err: unknown) => this.deps.log.error({ err }, 'call sweep failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async sweep(): Promise<void> {
    const { store, bus, calls, broadcaster, clock } = this.deps;
    let swept = 0;
    for (const c of await store.appointments.listActiveCalls()) {
      if (++swept % SWEEP_SLICE === 0) await yieldToEventLoop();
      const roomId = c.room_id as string;
      const now = clock.now();
      try {
        if (c.connected_at !== null) {
          const endsAt = c.connected_at + (c.max_duration_ms ?? this.limits.maxDurationMs);
          if (now >= endsAt) {
            await calls.endBySystem(c.id, 'max_duration');
            continue;
          }
          if (c.warned_at === null && now >= endsAt - this.limits.warnBeforeMs) {
            if (await store.callSessions.markWarned(c.session_id, now)) {
              await broadcaster.toBoth(roomId, {
                type: 'call-warning',
                appointmentId: c.id,
                reason: 'max_duration',
                endsAt,
              });
            }
          }
        }
        let present = 0;
        const key = presenceKeys.room(roomId);
        for (const [role, raw] of Object.entries(await bus.members(key))) {
          const entry = decodePresence(raw);
          if (!entry) continue;
          if (isFresh(entry, now)) {
            present++;
            continue;
          }
          if (await bus.release(key, role, ownerPrefix(entry.connectionId))) {
            await broadcaster.toRole(roomId, otherRole(entry.peer.role), {
              type: 'peer-left',
              peer: entry.peer,
            });
            await calls.touchPresence(roomId);
            if (entry.peer.role === 'patient') await this.deps.recordings.patientLeft(roomId);
          }
        }
        const idleTimeoutMs = c.idle_timeout_ms ?? this.limits.idleTimeoutMs;
        if (present === 0 && now - (c.last_presence_at ?? c.started_at) >= idleTimeoutMs) {
          await calls.endBySystem(c.id, 'timed_out');
        }
      } catch (err) {
        // Another node or a party ended it first: nothing left to do.
        if (
          err instanceof AppError &&
          (err.code === 'call_not_active' || err.code === 'illegal_transition')
        ) {
          continue;
        }
        throw err;
      }
    }
    for (const a of await store.appointments.listCheckedIn()) {
      if (++swept % SWEEP_SLICE === 0) await yieldToEventLoop();
      await this.deps.waitingRoom.releaseIfStale(a);
    }
    await this.deps.recordings
      .sweep()
      .catch((err: unknown) => this.deps.log.error({ err }, 'recording sweep failed'));
  }
}
