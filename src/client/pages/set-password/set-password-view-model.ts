import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../../protocol/people.js';
import { errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';

export interface SetPasswordState {
  /** false: the address carried no link token (opened without the link, or reloaded after use). */
  hasToken: boolean;
  password: string;
  confirm: string;
  pending: boolean;
  done: boolean;
  error: string | null;
}

/** The token of a set-password link (`#token=…`), or null. */
export function tokenFromFragment(hash: string): string | null {
  const token = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash).get('token');
  return token ? token : null;
}

/**
 * Choosing a password through a one-time link. The token is read from the fragment and removed from
 * the address bar at once, so it stays out of the history, a shared screen and a bookmark.
 */
export class SetPasswordViewModel extends ViewModel<SetPasswordState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #token: string | null;

  constructor(api: ApiClient, platform: Platform) {
    const token = tokenFromFragment(platform.hash);
    super({ hasToken: token !== null, password: '', confirm: '', pending: false, done: false, error: null });
    this.#api = api;
    this.#platform = platform;
    this.#token = token;
    if (token !== null) platform.replaceUrl(platform.pathname);
  }

  setPassword(password: string): void {
    this.update({ password });
  }

  setConfirm(confirm: string): void {
    this.update({ confirm });
  }

  async submit(): Promise<void> {
    const { password, confirm, pending } = this.state;
    if (pending || this.#token === null) return;
    if (password.length < MIN_PASSWORD_LENGTH) {
      this.update({ error: `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.` });
      return;
    }
    if (password.length > MAX_PASSWORD_LENGTH) {
      this.update({ error: `Choose a password of at most ${MAX_PASSWORD_LENGTH} characters.` });
      return;
    }
    if (password !== confirm) {
      this.update({ error: 'The two passwords differ. Type the same password twice.' });
      return;
    }
    this.update({ pending: true, error: null });
    try {
      await this.#api.setPassword(this.#token, password);
      this.update({ pending: false, done: true, password: '', confirm: '' });
    } catch (error) {
      this.update({ pending: false, error: errorMessage(error) });
    }
  }

  signIn(): void {
    this.#platform.replace('/login');
  }
}
