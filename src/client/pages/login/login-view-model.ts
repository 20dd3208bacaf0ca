import { errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { nextFromSearch } from '../../lib/next-path.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';

export interface LoginState {
  email: string;
  password: string;
  pending: boolean;
  error: string | null;
}

export class LoginViewModel extends ViewModel<LoginState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;

  constructor(api: ApiClient, platform: Platform) {
    super({ email: '', password: '', pending: false, error: null });
    this.#api = api;
    this.#platform = platform;
  }

  setEmail(email: string): void {
    this.update({ email });
  }

  setPassword(password: string): void {
    this.update({ password });
  }

  async submit(): Promise<void> {
    const { email, password, pending } = this.state;
    if (pending) return;
    if (!email.trim() || !password) {
      this.update({ error: 'Enter your email and password.' });
      return;
    }
    this.update({ pending: true, error: null });
    try {
      await this.#api.signIn(email.trim(), password);
      this.#platform.replace(nextFromSearch(this.#platform.search));
    } catch (error) {
      this.update({ pending: false, password: '', error: errorMessage(error) });
    }
  }
}
