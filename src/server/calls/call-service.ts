import type { CallEndReason, PartyRole } from '../../protocol/call-status.js';
import type { CallStatusView } from '../../protocol/messages.js';
import type { PartyAccess } from '../access/appointment-access.js';
import type { UserRow } from '../accounts/users-repo.js';
import type { AppointmentRow } from '../appointments/appointments-repo.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import type { CallLimits } from '../policy/policy-service.js';
import type { Broadcaster } from '../realtime/broadcaster.js';
import type { Store } from '../store.js';
import { type CallEvent, transition } from './call-lifecycle.js';
import type { CallSessionRow } from './call-sessions-repo.js';

const MAX_ATTEMPTS = 5;

/** Another writer changed the appointment first; the transaction is rolled back and retried. */
class VersionConflict extends Error {}

export function toCallStatusView(
  a: AppointmentRow,
  session: CallSessionRow | undefined,
  maxDurationMs: number,
): CallStatusView {
  const connectedAt = session?.connected_at ?? null;
  // A call keeps the limit it started with; older rows have none and take the server's default.
  const maxMs = session?.max_duration_ms ?? maxDurationMs;
  return {
    appointmentId: a.id,
    status: a.video_call_status,
    roomId: a.room_id,
    startedAt: a.video_call_started_at,
    connectedAt,
    endedAt: a.video_call_ended_at,
    durationSeconds: a.call_duration_seconds,
    endReason: session?.end_reason ?? null,
    endsAt: connectedAt === null || a.video_call_status === 'ended' ? null : connectedAt + maxMs,
  };
}

/** A link's secret as issued; only its digest is stored. */
export interface IssuedLink {
  role: PartyRole;
  token: string;
  expiresAt: number;
}

export interface CallStart {
  view: CallStatusView;
  session: CallSessionRow;
  links: { doctor: IssuedLink; patient: IssuedLink };
}

/** Applies call events from HTTP and WebSocket alike, so both obey one lifecycle. */
export class CallService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly broadcaster: Broadcaster,
    private readonly limits: { maxDurationMs: number; idleTimeoutMs: number; linkTtlMs: number },
    /** The hospital's limits, read when a call starts: a policy change applies to the next call. */
    private readonly policy: { callLimits(hospitalId: string): Promise<CallLimits> } = {
      callLimits: async () => ({ maxDurationMs: limits.maxDurationMs, idleTimeoutMs: limits.idleTimeoutMs }),
    },
  ) {}

  /**
   * Told when a call session ends, before the ended status goes out (which closes the room): the call's
   * recordings stop and both parties hear it (S29). Set once when the node is built; it must not throw
   * (the call's end stands whatever happens to its recordings, whose sweep catches up).
   */
  onSessionEnded: ((callSessionId: string) => Promise<void>) | null = null;

  get linkTtlMs(): number {
    return this.limits.linkTtlMs;
  }

  view(a: AppointmentRow, session: CallSessionRow | undefined): CallStatusView {
    return toCallStatusView(a, session, this.limits.maxDurationMs);
  }

  /** The limits of the appointment's active call, or those its next call would start with. */
  async limitsOf(a: AppointmentRow): Promise<{ maxDurationMs: number }> {
    const session = a.room_id && a.video_call_status !== 'ended' ? await this.currentSession(a) : undefined;
    if (session?.max_duration_ms != null) return { maxDurationMs: session.max_duration_ms };
    return this.policy.callLimits(a.hospital_id);
  }

  /** The appointment's latest call session (the current one while the call is active). */
  currentSession(a: AppointmentRow): Promise<CallSessionRow | undefined> {
    return a.room_id ? this.store.callSessions.findByRoom(a.room_id) : Promise.resolve(undefined);
  }

  /** A new one-exchange link for a party of the call session; only the digest is stored. */
  async issueLink(
    session: Pick<CallSessionRow, 'id' | 'appointment_id'>,
    role: PartyRole,
    createdBy: string,
    db: Store['db']['kysely'] = this.store.db.kysely,
  ): Promise<IssuedLink> {
    const token = newSecret();
    const now = this.clock.now();
    const expiresAt = now + this.limits.linkTtlMs;
    await this.store.callLinks.insertLink(
      {
        id: newId(),
        appointment_id: session.appointment_id,
        call_session_id: session.id,
        role,
        token_hash: hashSecret(token),
        created_by: createdBy,
        created_at: now,
        expires_at: expiresAt,
        exchanged_at: null,
        revoked_at: null,
      },
      db,
    );
    return { role, token, expiresAt };
  }

  /** The call's status as the checked row shows it. */
  async viewOf(a: AppointmentRow): Promise<CallStatusView> {
    return this.view(a, await this.currentSession(a));
  }

  /** `doctor` is the appointment's doctor: the caller has checked it (authorize, requireRole). */
  async start(doctor: UserRow, appointmentId: string): Promise<CallStart> {
    const result = await this.apply(appointmentId, doctor.id, { type: 'start', by: 'doctor' });
    if (!result.started) throw new AppError('internal');
    return { view: result.view, ...result.started };
  }

  /** `party` has been checked by the caller; only the doctor may end (a patient leaves instead, S15). */
  async end(party: PartyAccess, actorId: string, reason: CallEndReason = 'hung_up'): Promise<CallStatusView> {
    return (await this.apply(party.appointment.id, actorId, { type: 'end', by: party.role, reason })).view;
  }

  /** The server ends a call it is responsible for ending (max duration, abandoned room). */
  async endBySystem(appointmentId: string, reason: CallEndReason): Promise<CallStatusView> {
    return (await this.apply(appointmentId, null, { type: 'end', by: 'system', reason })).view;
  }

  /** Records that someone entered or left the room; an empty room times out from the last of these. */
  touchPresence(roomId: string): Promise<void> {
    return this.store.callSessions.touchPresence(roomId, this.clock.now());
  }

  /** Records whether the doctor is sharing a screen in the call of this room (S10). */
  setScreenSharing(roomId: string, active: boolean): Promise<void> {
    return this.store.appointments.setScreenSharing(roomId, active);
  }

  /**
   * A party entered the call room; the second one in makes the call `in_progress`. It also counts as
   * presence in the room (S24). `read` is the appointment and call session the caller has just read:
   * they serve the first attempt (a stale read only costs a retry, the write checks the version).
   */
  joined(
    userId: string,
    appointmentId: string,
    role: PartyRole,
    otherPresent: boolean,
    read?: { appointment: AppointmentRow; session: CallSessionRow },
  ): Promise<CallStatusView> {
    return this.apply(appointmentId, userId, { type: 'join', role, otherPresent }, read).then((r) => r.view);
  }

  private async apply(
    appointmentId: string,
    actorId: string | null,
    event: CallEvent,
    read?: { appointment: AppointmentRow; session: CallSessionRow },
  ): Promise<{ view: CallStatusView; started?: Omit<CallStart, 'view'> }> {
    let limits: CallLimits | null = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const given = attempt === 0 && read?.appointment.id === appointmentId ? read : undefined;
      const a = given?.appointment ?? (await this.store.appointments.getRow(appointmentId));
      if (!a) throw new AppError('not_found');
      // A join is into the room its caller admitted the party to. If another call of the appointment
      // started since, the join is refused, not applied to the new call's session.
      if (event.type === 'join' && read && a.room_id !== read.appointment.room_id) {
        throw new AppError('call_not_active');
      }
      // A cancelled appointment starts no call (S26).
      if (event.type === 'start' && a.cancelled_at !== null) throw new AppError('appointment_cancelled');
      const result = transition(a.video_call_status, event);
      // A refusal is decided on a fresh read only.
      if (!result.ok && given) continue;
      // Refusals are audited by whoever turned the request away (routes, the hub), with the caller.
      if (!result.ok) throw new AppError(result.code);
      const now = this.clock.now();
      let session =
        given && given.session.room_id === a.room_id
          ? given.session
          : a.room_id
            ? await this.store.callSessions.findByRoom(a.room_id)
            : undefined;
      const changes: Parameters<Store['appointments']['updateIfVersion']>[2] = {
        video_call_status: result.next,
      };
      let newSession: CallSessionRow | null = null;
      let links: CallStart['links'] | null = null;
      let sessionChanges: Partial<CallSessionRow> = {};
      for (const effect of result.effects) {
        switch (effect.type) {
          case 'open-session': {
            if (actorId === null) throw new AppError('internal');
            limits ??= await this.policy.callLimits(a.hospital_id);
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
              patient_checked_in_at: a.checked_in_at,
              end_reason: null,
              ended_by: null,
              warned_at: null,
              last_presence_at: now,
              max_duration_ms: limits.maxDurationMs,
              idle_timeout_ms: limits.idleTimeoutMs,
            };
            Object.assign(changes, {
              room_id: newSession.room_id,
              video_call_started_at: now,
              video_call_ended_at: null,
              call_duration_seconds: null,
              screen_sharing_active: 0,
              checked_in_at: null,
              token_created_at: now,
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
      // Entering the room is presence (what touchPresence records), written with the join itself.
      if (event.type === 'join' && session) sessionChanges.last_presence_at = now;
      const changed = a.video_call_status !== result.next || event.type === 'start';
      if (!changed) {
        // A join into a call already in this status (the first party into a waiting call, or anyone into a
        // call in progress) changes the call session's row only, which the appointment's version does not
        // guard: one conditional write, and the other party joining at the same moment does not have to
        // retry. A call that ended meanwhile is decided again on a fresh read.
        if (session && !(await this.store.callSessions.updateOpen(session.id, sessionChanges))) continue;
        // Every entry into the room is recorded, not only the one that changes the call's status.
        await this.store.audit.record({
          actorId,
          action: `call.${event.type}`,
          appointmentId,
          outcome: 'ok',
          detail: { from: a.video_call_status, to: result.next },
        });
        return { view: this.view(a, session ? { ...session, ...sessionChanges } : undefined) };
      }
      const written = await this.store.db.kysely
        .transaction()
        .execute(async (trx) => {
          if (newSession && actorId !== null) {
            // The session row first: the links reference it, and the appointment's token digests are theirs.
            await this.store.callSessions.insert(newSession, trx);
            const doctor = await this.issueLink(newSession, 'doctor', actorId, trx);
            const patient = await this.issueLink(newSession, 'patient', actorId, trx);
            links = { doctor, patient };
            Object.assign(changes, {
              doctor_token_hash: hashSecret(doctor.token),
              patient_token_hash: hashSecret(patient.token),
            });
            await this.store.callLinks.revokeEarlier(a.id, newSession.id, now, trx);
          } else if (session && Object.keys(sessionChanges).length > 0) {
            await this.store.callSessions.update(session.id, sessionChanges, trx);
          }
          // A lost race throws, which rolls back everything written above, and is retried.
          if (!(await this.store.appointments.updateIfVersion(a.id, a.version, changes, trx))) {
            throw new VersionConflict();
          }
          // In the same transaction: a change is never made without its audit record, nor recorded unmade.
          await this.store.audit.record(
            {
              actorId,
              action: `call.${event.type}`,
              appointmentId,
              outcome: 'ok',
              detail: { from: a.video_call_status, to: result.next },
            },
            trx,
          );
          return true;
        })
        .catch((err: unknown) => {
          if (err instanceof VersionConflict) return false;
          throw err;
        });
      if (!written) continue;
      const updated = { ...a, ...changes } as AppointmentRow;
      const current = session ? { ...session, ...sessionChanges } : undefined;
      const view = this.view(updated, current);
      // A restart revokes the earlier call's links and call cookies on every node (S18).
      if (newSession && a.room_id) {
        await this.broadcaster.control({
          type: 'revoke-call',
          appointmentId: a.id,
          currentSessionId: newSession.id,
        });
      }
      if (current && changes.video_call_status === 'ended' && this.onSessionEnded) {
        await this.onSessionEnded(current.id);
      }
      await this.broadcaster.callStatus(view, a.hospital_id);
      if (newSession && links) return { view, started: { session: newSession, links } };
      return { view };
    }
    throw new AppError('internal', { message: 'The call changed too often to apply this; try again.' });
  }
}
