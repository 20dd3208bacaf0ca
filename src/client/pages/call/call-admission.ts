import type { CallContext, CallLinkInfo, IceServerView } from '../../../protocol/api.js';
import type { PartyRole } from '../../../protocol/call-status.js';
import { ApiError } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { appointmentIdFromPath } from '../../lib/routes.js';
import type { Platform } from '../../platform/platform.js';
import { tokenFromHash } from './call-link.js';
import { ADMISSION_REFUSALS, LINK_REFUSALS, type LinkRefusal } from './call-words.js';

/** Whether this person gets into the call page, and as whom. */
export type Admission =
  | { kind: 'admitted'; context: CallContext }
  /** A link visitor confirms a name before the link is exchanged; `link` says what the link is for. */
  | { kind: 'ask-name'; link: CallLinkInfo | null }
  /** The call link no longer works (or never did): what happened and what to do, before any name. */
  | { kind: 'link-dead'; refusal: LinkRefusal }
  /** In words for the person. */
  | { kind: 'refused'; words: string; viaLink: boolean };

export interface CallAddress {
  appointmentId: string | null;
  token: string | null;
}

/** The appointment and the call link's token from the address; the token leaves the address bar at once. */
export function takeCallAddress(platform: Platform): CallAddress {
  const appointmentId = appointmentIdFromPath(platform.pathname);
  const token = tokenFromHash(platform.hash);
  // Out of the address bar before anything else can read or share it.
  if (token !== null) platform.replaceUrl(`${platform.pathname}${platform.search}`);
  return { appointmentId, token };
}

/**
 * Admission to one appointment's call: the call context for a party (by session or call cookie), or a
 * call link exchanged for one, with a confirmed name where the link needs it. What it cannot word (no
 * network, the server, a session that is gone) is thrown for the page.
 */
export class CallAdmission {
  readonly #api: ApiClient;
  #appointmentId: string | null = null;
  /** Held in memory only, from the moment it leaves the address bar until it is exchanged. */
  #token: string | null = null;
  /** From the context admitted: which call cookie `grant` asks for. */
  #role: PartyRole | null = null;

  constructor(api: ApiClient) {
    this.#api = api;
  }

  /** The appointment in the address, once `enter` has read it. */
  get appointmentId(): string | null {
    return this.#appointmentId;
  }

  /** Reads the address (its token leaves the address bar at once) and lets this person in, or not. */
  async enter(platform: Platform): Promise<Admission> {
    const { appointmentId: id, token } = takeCallAddress(platform);
    this.#appointmentId = id;
    this.#token = token;
    if (id === null) return { kind: 'refused', words: ADMISSION_REFUSALS.badAddress, viaLink: false };
    return token === null ? this.#enterWithSession(id) : this.#enterWithLink(id, token);
  }

  /** Exchanges the link with the name the visitor confirmed; null when the link was exchanged already. */
  async confirmName(displayName: string): Promise<Admission | null> {
    const token = this.#token;
    return token === null ? null : this.#exchange(token, displayName);
  }

  /** The call cookie for this browser, once admitted: join for the patient, enter for the doctor (S16). */
  async grant(): Promise<IceServerView[]> {
    const id = this.#appointmentId;
    const role = this.#role;
    if (id === null || role === null) throw new Error(ADMISSION_REFUSALS.noCall);
    const info = role === 'patient' ? await this.#api.joinCall(id) : await this.#api.enterCall(id);
    return info.iceServers;
  }

  #admitted(context: CallContext): Admission {
    this.#role = context.self.role;
    this.#api.csrfToken = context.csrfToken;
    return { kind: 'admitted', context };
  }

  async #enterWithSession(id: string): Promise<Admission> {
    try {
      return this.#admitted(await this.#api.getCallContext(id));
    } catch (error) {
      if (error instanceof ApiError && error.status === 403 && (await this.#isAdmin())) {
        return { kind: 'refused', words: ADMISSION_REFUSALS.admin, viaLink: false };
      }
      throw error;
    }
  }

  async #isAdmin(): Promise<boolean> {
    try {
      return (await this.#api.getSession()).user.role === 'admin';
    } catch {
      return false;
    }
  }

  /**
   * A link is exchanged only when this browser cannot take part yet: a second visit from the same
   * browser (or the party's own session with a cookie) must not spend it.
   */
  async #enterWithLink(id: string, token: string): Promise<Admission> {
    let context: CallContext | null = null;
    try {
      context = await this.#api.getCallContext(id);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) throw error;
    }
    if (context?.hasGrant) {
      this.#token = null;
      return this.#admitted(context);
    }
    // A signed-in party exchanges with its session's CSRF token, which the context carries.
    if (context) this.#api.csrfToken = context.csrfToken;
    const signedIn = context !== null || (await this.#signedIn());
    return signedIn ? this.#exchange(token, undefined) : this.#askName(id, token);
  }

  /** The name question, after the server said what the link is for; a dead link is said at once instead. */
  async #askName(appointmentId: string, token: string): Promise<Admission> {
    try {
      return { kind: 'ask-name', link: await this.#api.inspectLink({ appointmentId, token }) };
    } catch (error) {
      const dead = this.#deadLink(error);
      if (dead) return dead;
      throw error;
    }
  }

  #deadLink(error: unknown): Admission | null {
    const refusal =
      error instanceof ApiError ? LINK_REFUSALS[error.code as keyof typeof LINK_REFUSALS] : null;
    if (!refusal) return null;
    this.#token = null;
    return { kind: 'link-dead', refusal };
  }

  async #signedIn(): Promise<boolean> {
    try {
      await this.#api.getSession();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return false;
      throw error;
    }
  }

  async #exchange(token: string, displayName: string | undefined): Promise<Admission> {
    let context: CallContext;
    try {
      context = await this.#api.exchangeLink(displayName === undefined ? { token } : { token, displayName });
    } catch (error) {
      // A patient link needs the patient to confirm a name, also when signed in without one on file.
      if (error instanceof ApiError && error.code === 'validation_failed' && displayName === undefined) {
        return this.#askName(this.#appointmentId ?? '', token);
      }
      const dead = this.#deadLink(error);
      if (dead) return dead;
      throw error;
    }
    this.#token = null;
    return this.#admitted(context);
  }
}
