import type { UserView } from '../../../protocol/api.js';
import type { Role } from '../../../protocol/call-status.js';
import type { PersonAccount, ReassignableAppointment } from '../../../protocol/people.js';
import { errorMessage } from '../../api/api-error.js';
import type { ApiClient, PeopleQuery } from '../../api/http-client.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { requireAdminSession, signOut } from '../session.js';

const PAGE_SIZE = 25;

/** A one-time link just made, shown until dismissed so the admin can pass it on. */
export interface ShownLink {
  name: string;
  url: string;
  expiresAt: number;
  emailed: boolean;
  copy: 'idle' | 'copied' | 'failed';
}

export interface PeopleState {
  phase: 'loading' | 'ready' | 'forbidden' | 'failed';
  user: UserView | null;
  people: PersonAccount[];
  total: number;
  page: number;
  filter: { q: string; role: Role | ''; status: 'active' | 'deactivated' | '' };
  draft: { displayName: string; email: string; role: Role };
  creating: boolean;
  formError: string | null;
  /** An action on one person in progress. */
  busyId: string | null;
  /** Deactivation asked, waiting for the admin's confirmation. */
  confirming: PersonAccount | null;
  link: ShownLink | null;
  /** A deactivated doctor's appointments still to come, to give to another doctor. */
  reassign: { name: string; appointments: ReassignableAppointment[] } | null;
  message: string | null;
  error: string | null;
  signingOut: boolean;
}

/** The admin's People page: find, add, give a new link, deactivate and reactivate. */
export class PeopleViewModel extends ViewModel<PeopleState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  /** The admin's hospital: the people routes name it (/api/hospitals/:hospitalId/people). */
  #hospitalId = '';

  constructor(api: ApiClient, platform: Platform) {
    super({
      phase: 'loading',
      user: null,
      people: [],
      total: 0,
      page: 1,
      filter: { q: '', role: '', status: '' },
      draft: { displayName: '', email: '', role: 'doctor' },
      creating: false,
      formError: null,
      busyId: null,
      confirming: null,
      link: null,
      reassign: null,
      message: null,
      error: null,
      signingOut: false,
    });
    this.#api = api;
    this.#platform = platform;
  }

  get pageCount(): number {
    return Math.max(1, Math.ceil(this.state.total / PAGE_SIZE));
  }

  async load(): Promise<void> {
    try {
      const admin = await requireAdminSession(this.#api, this.#platform);
      if (!admin) return;
      const { user, hospitalId } = admin;
      if (!hospitalId) {
        this.update({ user, phase: 'forbidden' });
        return;
      }
      this.#hospitalId = hospitalId;
      this.update({ user });
      await this.refresh();
    } catch (error) {
      this.update({ phase: 'failed', error: errorMessage(error) });
    }
  }

  async refresh(): Promise<void> {
    const { filter, page } = this.state;
    const query: PeopleQuery = { page, pageSize: PAGE_SIZE };
    if (filter.q.trim()) query.q = filter.q.trim();
    if (filter.role) query.role = filter.role;
    if (filter.status) query.status = filter.status;
    try {
      const result = await this.#api.listPeople(this.#hospitalId, query);
      this.update({ phase: 'ready', people: result.people, total: result.total, error: null });
    } catch (error) {
      this.update({ phase: this.state.phase === 'loading' ? 'failed' : 'ready', error: errorMessage(error) });
    }
  }

  setFilter(change: Partial<PeopleState['filter']>): void {
    this.update({ filter: { ...this.state.filter, ...change }, page: 1 });
  }

  async goToPage(page: number): Promise<void> {
    this.update({ page: Math.min(Math.max(1, page), this.pageCount) });
    await this.refresh();
  }

  setDraft(change: Partial<PeopleState['draft']>): void {
    this.update({ draft: { ...this.state.draft, ...change } });
  }

  async create(): Promise<void> {
    const { draft, creating } = this.state;
    if (creating) return;
    if (!draft.displayName.trim() || !draft.email.trim()) {
      this.update({ formError: 'Enter a name and an email.' });
      return;
    }
    this.update({ creating: true, formError: null, message: null });
    try {
      const made = await this.#api.createPerson(this.#hospitalId, {
        displayName: draft.displayName.trim(),
        email: draft.email.trim(),
        role: draft.role,
      });
      const link = made.setPasswordLink;
      this.update({
        creating: false,
        draft: { displayName: '', email: '', role: draft.role },
        link: link ? { name: made.person.displayName, ...link, copy: 'idle' } : null,
        message: made.linkedExisting
          ? `${made.person.displayName} already had an account and is now also a patient here.`
          : `${made.person.displayName} was added.`,
      });
      await this.refresh();
    } catch (error) {
      this.update({ creating: false, formError: errorMessage(error) });
    }
  }

  async newLink(person: PersonAccount): Promise<void> {
    await this.#act(person, async () => {
      const link = await this.#api.newPasswordLink(this.#hospitalId, person.id);
      this.update({
        link: { name: person.displayName, ...link, copy: 'idle' },
        message: `A new link for ${person.displayName}; the previous one no longer works.`,
      });
    });
  }

  askDeactivate(person: PersonAccount): void {
    this.update({ confirming: person, message: null });
  }

  cancelDeactivate(): void {
    this.update({ confirming: null });
  }

  async confirmDeactivate(): Promise<void> {
    const person = this.state.confirming;
    if (!person) return;
    this.update({ confirming: null });
    await this.#act(person, async () => {
      const result = await this.#api.deactivatePerson(this.#hospitalId, person.id);
      this.update({
        message: `${person.displayName} was deactivated and signed out.`,
        reassign:
          result.futureAppointments.length > 0
            ? { name: person.displayName, appointments: result.futureAppointments }
            : null,
      });
    });
  }

  async reactivate(person: PersonAccount): Promise<void> {
    await this.#act(person, async () => {
      await this.#api.reactivatePerson(this.#hospitalId, person.id);
      this.update({ message: `${person.displayName} can sign in again.` });
    });
  }

  async copyLink(): Promise<void> {
    const link = this.state.link;
    if (!link) return;
    try {
      await this.#platform.copyText(link.url);
      this.update({ link: { ...link, copy: 'copied' } });
    } catch {
      this.update({ link: { ...link, copy: 'failed' } });
    }
  }

  dismissLink(): void {
    this.update({ link: null });
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    const failed = await signOut(this.#api, this.#platform);
    if (failed) this.update({ signingOut: false, error: failed });
  }

  async #act(person: PersonAccount, action: () => Promise<void>): Promise<void> {
    if (this.state.busyId) return;
    this.update({ busyId: person.id, error: null, message: null });
    try {
      await action();
      await this.refresh();
    } catch (error) {
      this.update({ error: errorMessage(error) });
    } finally {
      this.update({ busyId: null });
    }
  }
}
