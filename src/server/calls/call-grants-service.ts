import type { CallLinkInfo } from '../../protocol/api.js';
import { isCallActive, type PartyRole } from '../../protocol/call-status.js';
import type { PartyAccess } from '../access/appointment-access.js';
import { requireRole } from '../access/appointment-access.js';
import type { Grant } from '../access/principal.js';
import type { UserRow } from '../accounts/users-repo.js';
import type { AppointmentRow, AppointmentWithNames } from '../appointments/appointments-repo.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { hashSecret, newId, newSecret } from '../ids.js';
import type { Store } from '../store.js';
import type { CallGrantRow, CallLinkRow } from './call-links-repo.js';
import type { CallService, IssuedLink } from './call-service.js';
import type { CallSessionRow } from './call-sessions-repo.js';

/** Patient links beyond the two that start issues; a restart gives fresh ones. */
export const MAX_LINKS_PER_ROLE = 10;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,128}$/;

function toGrant(r: CallGrantRow): Grant {
  return {
    id: r.id,
    appointmentId: r.appointment_id,
    callSessionId: r.call_session_id,
    role: r.role,
    userId: r.user_id,
    displayName: r.display_name,
    csrfToken: r.csrf_token,
    expiresAt: r.expires_at,
  };
}

/**
 * Call links and call cookies (docs/protocol.md S16, S18). A link is exchanged once for a call cookie;
 * a signed-in party gets a call cookie directly from start, join or enter.
 */
export class CallGrantsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly calls: CallService,
  ) {}

  /** A call cookie for a signed-in party of an active call, tied to the sign-in session that asked. */
  async grantForParty(
    user: UserRow,
    sessionHash: string,
    a: AppointmentRow,
    role: PartyRole,
  ): Promise<{ secret: string; grant: Grant }> {
    const session = isCallActive(a.video_call_status) ? await this.calls.currentSession(a) : undefined;
    if (!session) throw new AppError('call_not_active');
    // A signed-in party's call cookie lasts as long as the links the start issued.
    return this.insertGrant({
      appointmentId: a.id,
      callSessionId: session.id,
      role,
      userId: user.id,
      displayName: user.display_name,
      linkId: null,
      sessionHash,
      expiresAt: session.started_at + this.calls.linkTtlMs,
    });
  }

  /** One more patient link, for the doctor `party` (checked by the caller) of an active call. */
  async invite(user: UserRow, party: PartyAccess): Promise<IssuedLink> {
    const appointment = party.appointment;
    if (!isCallActive(appointment.video_call_status) || !appointment.room_id) {
      throw new AppError('call_not_active');
    }
    requireRole(party, 'doctor', 'onlyDoctorInvites');
    const appointmentId = appointment.id;
    const session = await this.calls.currentSession(appointment);
    if (!session) throw new AppError('call_not_active');
    if ((await this.store.callLinks.countLinks(session.id, 'patient')) >= MAX_LINKS_PER_ROLE + 1) {
      throw new AppError('too_many_links');
    }
    const link = await this.calls.issueLink(session, 'patient', user.id);
    await this.store.audit.record({
      actorId: user.id,
      action: 'call.invite',
      appointmentId,
      outcome: 'ok',
    });
    return link;
  }

  /**
   * Exchanges a link for a call cookie, once. The same browser exchanging again (a reload before the
   * fragment was cleared) gets its existing cookie back; any other browser is refused.
   */
  async exchange(input: {
    token: string;
    displayName: string | undefined;
    signedIn: { user: UserRow; sessionHash: string } | null;
    currentGrant: Grant | null;
  }): Promise<{ secret: string | null; grant: Grant }> {
    try {
      return await this.exchangeOrThrow(input);
    } catch (err) {
      if (err instanceof AppError) {
        await this.store.audit.record({
          actorId: input.signedIn?.user.id ?? null,
          action: 'call.link.exchange',
          outcome: 'denied',
          detail: { code: err.code },
        });
      }
      throw err;
    }
  }

  /**
   * What a call link's holder may know before giving a name (docs/security.md): the clinic, the doctor
   * and the time, for a link that would still be accepted. A link for another appointment than the
   * address names is refused as unknown, so one appointment's link tells nothing about another.
   */
  async inspect(input: {
    token: string;
    appointmentId: string;
    currentGrant: Grant | null;
  }): Promise<CallLinkInfo> {
    try {
      const { link, a } = await this.liveLink(input.token);
      if (a.id !== input.appointmentId) throw new AppError('link_invalid');
      if (link.exchanged_at !== null && !(await this.isMine(input.currentGrant, link.id))) {
        throw new AppError('link_already_used');
      }
      return {
        role: link.role,
        hospitalName: a.hospital_name,
        doctorName: a.doctor_name,
        scheduledAt: a.scheduled_at,
      };
    } catch (err) {
      if (err instanceof AppError) {
        await this.store.audit.record({
          actorId: null,
          action: 'call.link.inspect',
          outcome: 'denied',
          detail: { code: err.code },
        });
      }
      throw err;
    }
  }

  /** The link behind a token, its appointment and call session, or the refusal that tells the holder why. */
  private async liveLink(
    token: string,
  ): Promise<{ link: CallLinkRow; a: AppointmentWithNames; session: CallSessionRow; now: number }> {
    if (!TOKEN_SHAPE.test(token)) throw new AppError('link_invalid');
    const link = await this.store.callLinks.findLinkByHash(hashSecret(token));
    if (!link) throw new AppError('link_invalid');
    if (link.revoked_at !== null) throw new AppError('link_revoked');
    const now = this.clock.now();
    if (link.expires_at <= now) throw new AppError('link_expired');
    const a = await this.store.appointments.get(link.appointment_id);
    if (!a) throw new AppError('link_invalid');
    const session = await this.calls.currentSession(a);
    if (!session || session.id !== link.call_session_id) throw new AppError('link_revoked');
    if (!isCallActive(a.video_call_status)) throw new AppError('call_not_active');
    return { link, a, session, now };
  }

  private async isMine(grant: Grant | null, linkId: string): Promise<boolean> {
    return grant !== null && (await this.store.callLinks.getGrant(grant.id))?.link_id === linkId;
  }

  private async exchangeOrThrow(input: {
    token: string;
    displayName: string | undefined;
    signedIn: { user: UserRow; sessionHash: string } | null;
    currentGrant: Grant | null;
  }): Promise<{ secret: string | null; grant: Grant }> {
    const { link, a, session, now } = await this.liveLink(input.token);
    const partyId = link.role === 'doctor' ? a.doctor_id : a.patient_id;
    if (input.signedIn && input.signedIn.user.id !== partyId) throw new AppError('link_for_other_user');
    if (link.exchanged_at !== null) {
      const mine = input.currentGrant;
      if (mine && (await this.isMine(mine, link.id))) return { secret: null, grant: mine };
      throw new AppError('link_already_used');
    }
    const party = await this.store.users.findById(partyId);
    if (!party || party.disabled_at !== null) throw new AppError('link_invalid');
    let displayName = party.display_name;
    if (link.role === 'patient' && !input.signedIn) {
      const typed = input.displayName?.trim() ?? '';
      if (typed.length < 1 || typed.length > 80) {
        throw new AppError('validation_failed', { message: 'Confirm your name (1 to 80 characters).' });
      }
      displayName = typed;
    }
    if (!(await this.store.callLinks.markExchanged(link.id, now))) throw new AppError('link_already_used');
    const result = await this.insertGrant({
      appointmentId: a.id,
      callSessionId: session.id,
      role: link.role,
      userId: partyId,
      displayName,
      linkId: link.id,
      sessionHash: input.signedIn?.sessionHash ?? null,
      expiresAt: link.expires_at,
    });
    await this.store.audit.record({
      actorId: partyId,
      action: 'call.link.exchange',
      appointmentId: a.id,
      outcome: 'ok',
      detail: { role: link.role, signedIn: input.signedIn !== null },
    });
    return result;
  }

  /** The grant behind a call cookie, if it is neither revoked nor expired. */
  async lookup(secret: string | undefined): Promise<Grant | null> {
    if (!secret || secret.length > 128) return null;
    const row = await this.store.callLinks.findGrantBySecretHash(hashSecret(secret));
    if (!row || row.revoked_at !== null || row.expires_at <= this.clock.now()) return null;
    return toGrant(row);
  }

  /** Whether a grant still admits its holder to the appointment's current call (S16). */
  async admits(grant: Grant, a: AppointmentRow): Promise<boolean> {
    return (await this.admittedSession(grant, a)) !== null;
  }

  /**
   * The appointment's current call session if the grant admits its holder to it (S16), else null. A grant
   * is revoked only when a new call of its appointment starts (`revokeEarlier`), which is exactly when its
   * call session stops being the current one: comparing the sessions answers for revocation too, without
   * reading the grant again (`grant` was read and checked when the request or socket arrived).
   */
  async admittedSession(grant: Grant, a: AppointmentRow): Promise<CallSessionRow | null> {
    if (grant.appointmentId !== a.id || grant.expiresAt <= this.clock.now()) return null;
    const session = await this.calls.currentSession(a);
    return session && session.id === grant.callSessionId ? session : null;
  }

  private async insertGrant(g: {
    appointmentId: string;
    callSessionId: string;
    role: PartyRole;
    userId: string;
    displayName: string;
    linkId: string | null;
    sessionHash: string | null;
    expiresAt: number;
  }): Promise<{ secret: string; grant: Grant }> {
    const secret = newSecret();
    const row: CallGrantRow = {
      id: newId(),
      appointment_id: g.appointmentId,
      call_session_id: g.callSessionId,
      role: g.role,
      user_id: g.userId,
      display_name: g.displayName,
      secret_hash: hashSecret(secret),
      csrf_token: newSecret(),
      link_id: g.linkId,
      session_hash: g.sessionHash,
      created_at: this.clock.now(),
      expires_at: g.expiresAt,
      revoked_at: null,
    };
    await this.store.callLinks.insertGrant(row);
    return { secret, grant: toGrant(row) };
  }
}
