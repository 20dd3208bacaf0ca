import type {
  AppointmentDetail,
  AppointmentList,
  CallJoinInfo,
  ChatHistory,
  SessionView,
} from '../../protocol/api.js';
import type { ErrorCode } from '../../protocol/errors.js';
import type { CallStatusView, ChatMessageView } from '../../protocol/messages.js';
import { ApiError } from './api-error.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

type Method = 'GET' | 'POST' | 'DELETE';

const FALLBACK_MESSAGES: Record<number, string> = {
  401: 'Sign in to continue.',
  403: 'You may not do this.',
  404: 'Not found.',
  409: 'The call is not in a state that allows this.',
  429: 'Too many requests. Slow down.',
};

function isErrorBody(value: unknown): value is { error: { code: ErrorCode; message: string } } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** The JSON API. Holds the CSRF token that every state-changing request must carry. */
export class ApiClient {
  readonly #fetch: FetchLike;
  #csrfToken: string | null = null;

  constructor(fetchImpl: FetchLike) {
    this.#fetch = fetchImpl;
  }

  set csrfToken(token: string | null) {
    this.#csrfToken = token;
  }

  async getSession(): Promise<SessionView> {
    const session = await this.#request<SessionView>('GET', '/api/session');
    this.#csrfToken = session.csrfToken;
    return session;
  }

  async signIn(email: string, password: string): Promise<SessionView> {
    const session = await this.#request<SessionView>('POST', '/api/session', { email, password }, false);
    this.#csrfToken = session.csrfToken;
    return session;
  }

  async signOut(): Promise<void> {
    await this.#request<void>('DELETE', '/api/session');
    this.#csrfToken = null;
  }

  listAppointments(): Promise<AppointmentList> {
    return this.#request('GET', '/api/appointments');
  }

  getAppointment(id: string): Promise<AppointmentDetail> {
    return this.#request('GET', `/api/appointments/${enc(id)}`);
  }

  getMessages(id: string): Promise<ChatHistory> {
    return this.#request('GET', `/api/appointments/${enc(id)}/messages`);
  }

  async postMessage(id: string, clientId: string, body: string): Promise<ChatMessageView> {
    const result = await this.#request<{ message: ChatMessageView }>(
      'POST',
      `/api/appointments/${enc(id)}/messages`,
      { clientId, body },
    );
    return result.message;
  }

  startCall(id: string): Promise<CallJoinInfo> {
    return this.#request('POST', `/api/appointments/${enc(id)}/call/start`);
  }

  joinCall(id: string): Promise<CallJoinInfo> {
    return this.#request('POST', `/api/appointments/${enc(id)}/call/join`);
  }

  endCall(id: string): Promise<{ call: CallStatusView }> {
    return this.#request('POST', `/api/appointments/${enc(id)}/call/end`);
  }

  getCall(id: string): Promise<CallJoinInfo> {
    return this.#request('GET', `/api/appointments/${enc(id)}/call`);
  }

  async #request<T>(method: Method, path: string, body?: object, withCsrf = true): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const init: RequestInit = { method, credentials: 'same-origin', headers };
    if (method !== 'GET') {
      headers['content-type'] = 'application/json';
      if (withCsrf && this.#csrfToken) headers['x-csrf-token'] = this.#csrfToken;
      init.body = JSON.stringify(body ?? {});
    }
    let response: Response;
    try {
      response = await this.#fetch(path, init);
    } catch (cause) {
      throw new ApiError(0, 'network_error', 'The server cannot be reached. Check your connection.', {
        cause,
      });
    }
    if (response.status === 204) return undefined as T;
    let data: unknown = null;
    const text = await response.text().catch(() => '');
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      if (isErrorBody(data)) throw new ApiError(response.status, data.error.code, data.error.message);
      const message = FALLBACK_MESSAGES[response.status] ?? 'Something went wrong on our side. Try again.';
      throw new ApiError(response.status, 'unexpected_response', message);
    }
    if (data === null) throw new ApiError(response.status, 'unexpected_response', 'The server sent no data.');
    return data as T;
  }
}
