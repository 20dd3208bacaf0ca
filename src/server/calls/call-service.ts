import { type CallEndReason, isCallActive, type PartyRole } from '../../protocol/call-status.js';
import type { CallStatusView } from '../../protocol/messages.js';
import type { UserRow } from '../accounts/users-repo.js';
import { accessTo } from '../appointments/access.js';
import type { AppointmentRow } from '../appointments/appointments-repo.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { Broadcaster } from '../signaling/broadcaster.js';
import type { Store } from '../store.js';
import type { CallSessionRow } from './call-sessions-repo.js';
import { type CallEvent, transition } from './lifecycle.js';

const MAX_ATTEMPTS = 5;

export function toCallStatusView(a: AppointmentRow, session: CallSessionRow | undefined): CallStatusView {
  return {
    appointmentId: a.id,
    status: a.video_call_status,
    roomId: a.room_id,
    startedAt: a.video_call_started_at,
    connectedAt: session?.connected_at ?? null,
    endedAt: a.video_call_ended_at,
    durationSeconds: a.call_duration_seconds,
  };
}

/** Applies call events from HTTP and WebSocket alike, so both obey one lifecycle. */
export class CallService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly broadcaster: Broadcaster,
  ) {}

  async loadForParty(
    user: UserRow,
    appointmentId: string,
  ): Promise<{ appointment: AppointmentRow; role: PartyRole }> {
    const appointment = await this.store.appointments.get(appointmentId);
    if (!appointment) throw new AppError('not_found');
    const access = accessTo(user, appointment);
    if (access.kind === 'viewer')
      throw new AppError('wrong_role', { message: 'Hospital admins may view a call but not take part.' });
    if (access.kind === 'none') throw new AppError('not_party');
    return { appointment, role: access.role };
  }

  /** Like loadForParty, and the call must be started and not ended. */
  async loadActiveForParty(
    user: UserRow,
    appointmentId: string,
  ): Promise<{ appointment: AppointmentRow; role: PartyRole; roomId: string }> {
    const { appointment, role } = await this.loadForParty(user, appointmentId);
    if (!isCallActive(appointment.video_call_status) || !appointment.room_id)
      throw new AppError('call_not_active');
    return { appointment, role, roomId: appointment.room_id };
  }

  async status(appointmentId: string): Promise<CallStatusView> {
    const a = await this.store.appointments.get(appointmentId);
    if (!a) throw new AppError('not_found');
    return toCallStatusView(a, a.room_id ? await this.store.callSessions.findByRoom(a.room_id) : undefined);
  }

  async start(user: UserRow, appointmentId: string): Promise<CallStatusView> {
    const { role } = await this.loadForParty(user, appointmentId);
    if (role !== 'doctor') throw new AppError('wrong_role', { message: 'Only the doctor starts the call.' });
    return this.apply(appointmentId, user.id, { type: 'start', by: role });
  }

  async end(
    user: UserRow,
    appointmentId: string,
    reason: CallEndReason = 'hung_up',
  ): Promise<CallStatusView> {
    await this.loadForParty(user, appointmentId);
    return this.apply(appointmentId, user.id, { type: 'end', reason });
  }

  /** A party entered the call room; the second one in makes the call `in_progress`. */
  joined(
    userId: string,
    appointmentId: string,
    role: PartyRole,
    otherPresent: boolean,
  ): Promise<CallStatusView> {
    return this.apply(appointmentId, userId, { type: 'join', role, otherPresent });
  }

  private async apply(appointmentId: string, actorId: string, event: CallEvent): Promise<CallStatusView> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const a = await this.store.appointments.get(appointmentId);
      if (!a) throw new AppError('not_found');
      const result = transition(a.video_call_status, event);
      if (!result.ok) {
        await this.store.audit.record({
          actorId,
          action: `call.${event.type}`,
          appointmentId,
          outcome: 'denied',
          detail: { code: result.code, status: a.video_call_status },
        });
        throw new AppError(result.code);
      }
      const now = this.clock.now();
      let session = a.room_id ? await this.store.callSessions.findByRoom(a.room_id) : undefined;
      const changes: Parameters<Store['appointments']['updateIfVersion']>[2] = {
        video_call_status: result.next,
      };
      let newSession: CallSessionRow | null = null;
      let sessionChanges: Partial<CallSessionRow> = {};
      for (const effect of result.effects) {
        switch (effect.type) {
          case 'open-session': {
            newSession = {
              id: newId(),
              appointment_id: a.id,
              room_id: newId(),
              started_at: now,
              started_by: actorId,
              connected_at: null,
              ended_at: null,
              duration_seconds: null,
              doctor_joined_at: null,
              patient_joined_at: null,
              end_reason: null,
              ended_by: null,
            };
            Object.assign(changes, {
              room_id: newSession.room_id,
              video_call_started_at: now,
              video_call_ended_at: null,
              screen_sharing_active: 0,
            });
            session = newSession;
            break;
          }
          case 'mark-joined': {
            const column = effect.role === 'doctor' ? 'doctor_joined_at' : 'patient_joined_at';
            if (session && session[column] === null) sessionChanges[column] = now;
            break;
          }
          case 'mark-connected':
            sessionChanges.connected_at = now;
            break;
          case 'close-session': {
            const connectedAt = session?.connected_at ?? null;
            const duration = connectedAt === null ? 0 : Math.max(1, Math.ceil((now - connectedAt) / 1000));
            sessionChanges = {
              ...sessionChanges,
              ended_at: now,
              duration_seconds: duration,
              end_reason: effect.reason,
              ended_by: actorId,
            };
            Object.assign(changes, {
              video_call_ended_at: now,
              call_duration_seconds: duration,
              screen_sharing_active: 0,
            });
            break;
          }
        }
      }
      const written = await this.store.db.kysely.transaction().execute(async (trx) => {
        if (!(await this.store.appointments.updateIfVersion(a.id, a.version, changes, trx))) return false;
        if (newSession) await this.store.callSessions.insert(newSession, trx);
        else if (session && Object.keys(sessionChanges).length > 0) {
          await this.store.callSessions.update(session.id, sessionChanges, trx);
        }
        return true;
      });
      if (!written) continue;
      const updated = { ...a, ...changes } as AppointmentRow;
      const view = toCallStatusView(updated, session ? { ...session, ...sessionChanges } : undefined);
      if (a.video_call_status !== result.next || event.type === 'start') {
        await this.store.audit.record({
          actorId,
          action: `call.${event.type}`,
          appointmentId,
          outcome: 'ok',
          detail: { from: a.video_call_status, to: result.next },
        });
        await this.broadcaster.callStatus(view);
      }
      return view;
    }
    throw new AppError('internal', { message: 'The call changed too often to apply this; try again.' });
  }
}
