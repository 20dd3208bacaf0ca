import type { Role } from '../../protocol/call-status.js';
import {
  type CreatedPerson,
  type DeactivatedPerson,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type PeoplePage,
  type PersonAccount,
  type ReassignableAppointment,
  type SetPasswordLink,
} from '../../protocol/people.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import type { Store } from '../store.js';
import { hashPassword } from './passwords.js';
import type { FutureAppointmentRow, PeopleFilter } from './people-repo.js';
import type { RevocationService } from './revocation-service.js';
import { normaliseEmail, type UserRow } from './users-repo.js';

/** No password matches it (passwords.ts reads only `scrypt$…`): an account waits for its link. */
const NO_PASSWORD = '!';

/** Where a set-password link points and how long it lasts, from the configuration. */
export function linkSettings(config: Pick<Config, 'publicOrigin' | 'setPasswordLinkHours'>): {
  publicOrigin: string;
  linkTtlMs: number;
} {
  return { publicOrigin: config.publicOrigin, linkTtlMs: config.setPasswordLinkHours * 3_600_000 };
}

/** Who manages people: an admin of one hospital, or the operator at the command line (no actor). */
export interface PeopleActor {
  userId: string | null;
  hospitalId: string;
}

/** Adding people: the command line may add a patient to no hospital. */
export interface CreatingActor {
  userId: string | null;
  hospitalId: string | null;
}

export interface NewPerson {
  displayName: string;
  email: string;
  role: Role;
}

export function toPersonAccount(u: UserRow): PersonAccount {
  return {
    id: u.id,
    email: u.email,
    displayName: u.display_name,
    role: u.role,
    deactivatedAt: u.disabled_at,
    createdAt: u.created_at,
  };
}

function toReassignable(a: FutureAppointmentRow): ReassignableAppointment {
  return {
    id: a.id,
    scheduledAt: a.scheduled_at,
    reason: a.reason,
    patient: { id: a.patient_id, displayName: a.patient_name },
  };
}

/**
 * A hospital's people: who they are, adding them, their one-time set-password links, deactivating them.
 * The admin routes and the command line both come through here, so an account is made one way only.
 */
export class PeopleService {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      revocation: RevocationService;
      mailer: Mailer | null;
      publicOrigin: string;
      linkTtlMs: number;
      log?: { warn(obj: object, msg: string): void };
    },
  ) {}

  async list(actor: PeopleActor, filter: PeopleFilter): Promise<PeoplePage> {
    const { rows, total } = await this.deps.store.people.search(actor.hospitalId, filter);
    return { people: rows.map(toPersonAccount), total, page: filter.page, pageSize: filter.pageSize };
  }

  async get(actor: PeopleActor, userId: string): Promise<PersonAccount> {
    return toPersonAccount(await this.member(actor, userId));
  }

  /**
   * Adds a person to the actor's hospital with a one-time link to choose their password. An email already
   * in use is refused (409), except a patient's: a patient may be a patient of several hospitals, so the
   * existing account is linked here instead.
   */
  async create(actor: CreatingActor, input: NewPerson): Promise<CreatedPerson> {
    const { user, linkedExisting } = await this.add(actor, input, NO_PASSWORD);
    const setPasswordLink = linkedExisting ? null : await this.issueLink(actor, user, 'welcome');
    return { person: toPersonAccount(user), linkedExisting, setPasswordLink };
  }

  /**
   * As create(), for the operator at the command line and the demo: a new account starts with the
   * password given instead of a link. An existing patient linked here keeps their own.
   */
  async createWithPassword(actor: CreatingActor, input: NewPerson, password: string): Promise<CreatedPerson> {
    if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      throw new AppError('validation_failed', {
        message: `A password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`,
      });
    }
    const { user, linkedExisting } = await this.add(actor, input, await hashPassword(password));
    return { person: toPersonAccount(user), linkedExisting, setPasswordLink: null };
  }

  /** A new one-time link for a person of the hospital (the old one stops working). */
  async resetLink(actor: PeopleActor, userId: string): Promise<SetPasswordLink> {
    return this.reset(actor, await this.member(actor, userId));
  }

  /** The operator at the command line: a new link for anyone, found by email. */
  async resetLinkByEmail(
    email: string,
  ): Promise<{ person: PersonAccount; setPasswordLink: SetPasswordLink }> {
    const user = await this.deps.store.users.findByEmail(normaliseEmail(email));
    if (!user) throw new AppError('not_found', { message: 'No account has this email.' });
    const setPasswordLink = await this.reset({ userId: null, hospitalId: user.hospital_id }, user);
    return { person: toPersonAccount(user), setPasswordLink };
  }

  /**
   * Ends the account's sessions and closes its sockets on every node at once (4004); it cannot sign in
   * until reactivated. A doctor's appointments still to come are returned for reassignment.
   */
  async deactivate(actor: PeopleActor, userId: string): Promise<DeactivatedPerson> {
    const { store, clock, revocation } = this.deps;
    const user = await this.member(actor, userId);
    if (user.id === actor.userId) {
      throw new AppError('forbidden', { message: 'You cannot deactivate your own account.' });
    }
    // One hospital must not lock a patient out of another's care.
    if (
      user.role === 'patient' &&
      (await store.people.otherHospitalsOf(user.id, actor.hospitalId)).length > 0
    ) {
      throw new AppError('patient_elsewhere');
    }
    const at = user.disabled_at ?? clock.now();
    if (user.disabled_at === null) await store.people.setDisabled(user.id, at);
    for (const hash of await store.sessions.liveHashesOf(user.id)) await revocation.endSession(hash, null);
    await this.audit(actor, 'people.deactivate', user.id);
    return {
      person: toPersonAccount({ ...user, disabled_at: at }),
      futureAppointments: await this.futureAppointmentsOf(user),
    };
  }

  async reactivate(actor: PeopleActor, userId: string): Promise<PersonAccount> {
    const user = await this.member(actor, userId);
    if (user.disabled_at !== null) await this.deps.store.people.setDisabled(user.id, null);
    await this.audit(actor, 'people.reactivate', user.id);
    return toPersonAccount({ ...user, disabled_at: null });
  }

  async futureAppointments(actor: PeopleActor, userId: string): Promise<ReassignableAppointment[]> {
    return this.futureAppointmentsOf(await this.member(actor, userId));
  }

  /**
   * Sets a password through a one-time link. An unknown, used, replaced or expired link changes nothing.
   * Any session the person had ends: whoever held the old password is signed out.
   */
  async setPassword(token: string, password: string): Promise<void> {
    const { store, clock, revocation } = this.deps;
    const link = await store.people.findLink(token);
    // An unknown token names nobody and is not recorded; a known link's refusal is, as its person's.
    if (!link) throw new AppError('password_link_invalid');
    const refuse = async (code: 'password_link_used' | 'password_link_expired' | 'account_deactivated') => {
      await store.audit.record({
        actorId: link.user_id,
        action: 'people.set-password',
        target: `user:${link.user_id}`,
        outcome: 'denied',
        detail: { code },
      });
      return new AppError(code);
    };
    if (link.used_at !== null || link.revoked_at !== null) throw await refuse('password_link_used');
    if (link.expires_at <= clock.now()) throw await refuse('password_link_expired');
    const user = await store.users.findById(link.user_id);
    if (!user) throw new AppError('password_link_invalid');
    if (user.disabled_at !== null) throw await refuse('account_deactivated');
    const hash = await hashPassword(password);
    const used = await store.db.kysely.transaction().execute(async (trx) => {
      if (!(await store.people.useLink(link.id, clock.now(), trx))) return false;
      await store.users.setPassword(user.id, hash, trx);
      return true;
    });
    if (!used) throw await refuse('password_link_used');
    for (const h of await store.sessions.liveHashesOf(user.id)) await revocation.endSession(h, null);
    await store.audit.record({
      actorId: user.id,
      action: 'people.set-password',
      target: `user:${user.id}`,
      outcome: 'ok',
    });
  }

  private async add(
    actor: CreatingActor,
    input: NewPerson,
    passwordHash: string,
  ): Promise<{ user: UserRow; linkedExisting: boolean }> {
    const { store } = this.deps;
    const { hospitalId } = actor;
    if (input.role !== 'patient' && hospitalId === null) throw new Error(`a ${input.role} needs a hospital`);
    const email = normaliseEmail(input.email);
    const existing = await store.users.findByEmail(email);
    if (existing) {
      if (existing.role !== 'patient' || input.role !== 'patient' || hospitalId === null) {
        throw new AppError('email_taken');
      }
      if (await store.people.isPatientOf(existing.id, hospitalId)) {
        throw new AppError('email_taken', { message: 'This patient is already a patient of this hospital.' });
      }
      await store.people.linkPatient(existing.id, hospitalId);
      await this.audit(actor, 'people.link-patient', existing.id);
      return { user: existing, linkedExisting: true };
    }
    const user = await store.db.kysely.transaction().execute(async (trx) => {
      const created = await store.users.create(
        { email, displayName: input.displayName.trim(), role: input.role, hospitalId, passwordHash },
        trx,
      );
      if (input.role === 'patient' && hospitalId) await store.people.linkPatient(created.id, hospitalId, trx);
      return created;
    });
    await this.audit(actor, 'people.create', user.id, { role: user.role });
    return { user, linkedExisting: false };
  }

  private async reset(actor: CreatingActor, user: UserRow): Promise<SetPasswordLink> {
    if (user.disabled_at !== null) throw new AppError('account_deactivated');
    const link = await this.issueLink(actor, user, 'reset');
    await this.audit(actor, 'people.reset-link', user.id);
    return link;
  }

  /** A person of the actor's hospital; anyone else is refused as not the actor's to manage. */
  private async member(actor: PeopleActor, userId: string): Promise<UserRow> {
    const user = await this.deps.store.users.findById(userId);
    const belongs =
      user !== undefined &&
      (user.role === 'patient'
        ? await this.deps.store.people.isPatientOf(user.id, actor.hospitalId)
        : user.hospital_id === actor.hospitalId);
    if (!user || !belongs) {
      throw new AppError('forbidden', { message: 'This person is not one of your hospital’s people.' });
    }
    return user;
  }

  private async futureAppointmentsOf(user: UserRow): Promise<ReassignableAppointment[]> {
    if (user.role !== 'doctor') return [];
    const rows = await this.deps.store.people.futureAppointmentsOf(user.id, this.deps.clock.now());
    return rows.map(toReassignable);
  }

  private async issueLink(
    actor: CreatingActor,
    user: UserRow,
    kind: 'welcome' | 'reset',
  ): Promise<SetPasswordLink> {
    const { store, mailer, publicOrigin, linkTtlMs } = this.deps;
    const { token, row } = await store.people.createLink(user.id, actor.userId, linkTtlMs);
    // In the fragment: browsers send no fragment to servers, so the token reaches no log or proxy.
    const url = `${publicOrigin}/set-password#token=${token}`;
    let emailed = false;
    if (mailer) {
      const hours = Math.round(linkTtlMs / 3_600_000);
      const text = [
        `Hello ${user.display_name},`,
        '',
        kind === 'welcome'
          ? 'An account has been made for you on carecall. Choose your password here:'
          : 'Choose a new password for your carecall account here:',
        url,
        '',
        `The link works once, for ${hours} hours.`,
      ].join('\n');
      try {
        await mailer.send({ to: user.email, subject: 'Set your carecall password', text });
        emailed = true;
      } catch (err) {
        // The admin still has the link to pass on; the error names no token.
        this.deps.log?.warn({ code: (err as { code?: string }).code ?? 'unknown' }, 'could not mail a link');
      }
    }
    return { url, expiresAt: row.expires_at, emailed };
  }

  private async audit(
    actor: CreatingActor,
    action: string,
    subjectId: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    await this.deps.store.audit.record({
      actorId: actor.userId,
      action,
      outcome: 'ok',
      detail: { subject: subjectId, hospital: actor.hospitalId, ...extra },
    });
  }
}
