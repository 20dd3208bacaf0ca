import type { AnalyticsReport } from '../../protocol/analytics.js';
import type {
  AppointmentDetail,
  AppointmentList,
  AppointmentPage,
  AppointmentView,
  CallContext,
  CallJoinInfo,
  CallLinkInfo,
  CallLinkView,
  CallStartInfo,
  ChatHistory,
  ExchangeLinkRequest,
  IceConfig,
  ImportPreview,
  InspectLinkRequest,
  PolicyChange,
  PolicyView,
  SessionView,
  SignalOpenResult,
  SignalPollResult,
} from '../../protocol/api.js';
import type { AuditPage } from '../../protocol/audit.js';
import type { CallQualityReportAnswer } from '../../protocol/call-quality-report.js';
import type { CallEndReason, Role } from '../../protocol/call-status.js';
import type { CallSessionView, DashboardSnapshot } from '../../protocol/dashboard.js';
import type { ErrorCode } from '../../protocol/errors.js';
import type { CallStatusView, ChatMessageView, ClientMessage } from '../../protocol/messages.js';
import type {
  CreatedPerson,
  DeactivatedPerson,
  PeoplePage,
  PersonAccount,
  SetPasswordLink,
} from '../../protocol/people.js';
import {
  type AppointmentRecordings,
  CHUNK_SHA256_HEADER,
  type ChunkReceipt,
  type ConsentAnswer,
  type RecordingStopRequest,
  type RecordingView,
} from '../../protocol/recording.js';
import { ApiError } from './api-error.js';

export interface PeopleQuery {
  q?: string;
  role?: Role;
  status?: 'active' | 'deactivated';
  page?: number;
  pageSize?: number;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A request body sent as it is (a recording's chunk), with its own content type. */
interface RawBody {
  raw: Blob;
  contentType: string;
  headers: Record<string, string>;
}

/** POST /api/hospitals/:hospitalId/appointments. */
export interface NewAppointmentRequest {
  doctorId: string;
  patientId: string;
  scheduledAt: number;
  lengthMinutes: number;
  reason: string;
  confirm: boolean;
}

/** The reasons a client may give for ending (docs/api.md); the server sets the others. */
export type EndReasonSent = Extract<CallEndReason, 'hung_up' | 'failed'>;

const FALLBACK_MESSAGES: Record<number, string> = {
  401: 'Sign in to continue.',
  403: 'You may not do this.',
  404: 'Not found.',
  409: 'The call is not in a state that allows this.',
  429: 'Too many requests. Slow down.',
};

function isErrorBody(
  value: unknown,
): value is { error: { code: ErrorCode; message: string; [detail: string]: unknown } } {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

function isRawBody(body: object | RawBody | undefined): body is RawBody {
  return body !== undefined && 'raw' in body && body.raw instanceof Blob;
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** `/api/hospitals/:hospitalId/people[/:id[/:action]]`, each part escaped. */
function peoplePath(hospitalId: string, id?: string, action?: string): string {
  const person = id === undefined ? '' : `/${enc(id)}${action === undefined ? '' : `/${action}`}`;
  return `/api/hospitals/${enc(hospitalId)}/people${person}`;
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

  get csrfToken(): string | null {
    return this.#csrfToken;
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

  /** A hospital's people, filtered and paged (docs/api.md, people): for that hospital's admins. */
  listPeople(hospitalId: string, filter: PeopleQuery): Promise<PeoplePage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) {
      if (value !== undefined && value !== '') query.set(key, String(value));
    }
    const qs = query.toString();
    return this.#request('GET', `${peoplePath(hospitalId)}${qs ? `?${qs}` : ''}`);
  }

  /** The hospital's active doctors (up to 200): whom an appointment may be given to. */
  async activeDoctors(hospitalId: string): Promise<PersonAccount[]> {
    return (await this.listPeople(hospitalId, { role: 'doctor', status: 'active', pageSize: 200 })).people;
  }

  createPerson(
    hospitalId: string,
    person: { displayName: string; email: string; role: Role },
  ): Promise<CreatedPerson> {
    return this.#request('POST', peoplePath(hospitalId), person);
  }

  async newPasswordLink(hospitalId: string, id: string): Promise<SetPasswordLink> {
    const result = await this.#request<{ setPasswordLink: SetPasswordLink }>(
      'POST',
      peoplePath(hospitalId, id, 'set-password-link'),
    );
    return result.setPasswordLink;
  }

  deactivatePerson(hospitalId: string, id: string): Promise<DeactivatedPerson> {
    return this.#request('POST', peoplePath(hospitalId, id, 'deactivate'));
  }

  async reactivatePerson(hospitalId: string, id: string): Promise<PersonAccount> {
    const result = await this.#request<{ person: PersonAccount }>(
      'POST',
      peoplePath(hospitalId, id, 'reactivate'),
    );
    return result.person;
  }

  /** Chooses a password with a one-time link's token; no session, so no CSRF token. */
  async setPassword(token: string, password: string): Promise<void> {
    await this.#request<void>('POST', '/api/set-password', { token, password }, false);
  }

  /** Gives up this browser's call cookie: how someone who came by link and never signed in leaves. */
  async forgetCallCookie(): Promise<void> {
    await this.#request<void>('DELETE', '/api/call-cookie');
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

  /** One page of the conversation, oldest first: the latest `limit` messages, or those before `before`. */
  getMessages(id: string, page: { limit: number; before?: number }): Promise<ChatHistory> {
    const query = `limit=${page.limit}${page.before === undefined ? '' : `&before=${page.before}`}`;
    return this.#request('GET', `/api/appointments/${enc(id)}/messages?${query}`);
  }

  async postMessage(id: string, clientId: string, body: string): Promise<ChatMessageView> {
    const result = await this.#request<{ message: ChatMessageView }>(
      'POST',
      `/api/appointments/${enc(id)}/messages`,
      { clientId, body },
    );
    return result.message;
  }

  startCall(id: string): Promise<CallStartInfo> {
    return this.#request('POST', `/api/appointments/${enc(id)}/call/start`);
  }

  joinCall(id: string): Promise<CallJoinInfo> {
    return this.#request('POST', `/api/appointments/${enc(id)}/call/join`);
  }

  /** Sets the call cookie for a party who did not start or join in this browser (the doctor's way back in). */
  enterCall(id: string): Promise<CallJoinInfo> {
    return this.#request('POST', `/api/appointments/${enc(id)}/call/enter`);
  }

  async inviteLink(id: string): Promise<CallLinkView> {
    const result = await this.#request<{ link: CallLinkView }>(
      'POST',
      `/api/appointments/${enc(id)}/call/invite`,
    );
    return result.link;
  }

  endCall(id: string, reason: EndReasonSent = 'hung_up'): Promise<{ call: CallStatusView }> {
    return this.#request('POST', `/api/appointments/${enc(id)}/call/end`, { reason });
  }

  getCallContext(id: string): Promise<CallContext> {
    return this.#request('GET', `/api/call/context?appointmentId=${enc(id)}`);
  }

  /** Exchanges a call link for the call cookie; the answer's CSRF token is used from then on. */
  /** What a call link is for (S18a); spends nothing. */
  inspectLink(request: InspectLinkRequest): Promise<CallLinkInfo> {
    return this.#request<CallLinkInfo>('POST', '/api/call-links/inspect', request);
  }

  async exchangeLink(request: ExchangeLinkRequest): Promise<CallContext> {
    const context = await this.#request<CallContext>('POST', '/api/call-links/exchange', request);
    this.#csrfToken = context.csrfToken;
    return context;
  }

  openSignal(): Promise<SignalOpenResult> {
    return this.#request('POST', '/api/signal');
  }

  async sendSignal(connectionId: string, message: ClientMessage): Promise<void> {
    await this.#request<unknown>('POST', `/api/signal/${enc(connectionId)}/send`, { message }, true, {
      allowEmpty: true,
    });
  }

  pollSignal(connectionId: string, cursor: number, signal: AbortSignal): Promise<SignalPollResult> {
    return this.#request('GET', `/api/signal/${enc(connectionId)}/poll?cursor=${cursor}`, undefined, true, {
      signal,
    });
  }

  async closeSignal(connectionId: string): Promise<void> {
    await this.#request<unknown>('DELETE', `/api/signal/${enc(connectionId)}`, undefined, true, {
      allowEmpty: true,
    });
  }

  getCall(id: string): Promise<CallJoinInfo> {
    return this.#request('GET', `/api/appointments/${enc(id)}/call`);
  }

  /** A hospital admin's appointments: one page, filtered (docs/admin-api.md). */
  listHospitalAppointments(hospitalId: string, query: Record<string, string>): Promise<AppointmentPage> {
    const search = new URLSearchParams(query).toString();
    return this.#request(
      'GET',
      `/api/hospitals/${enc(hospitalId)}/appointments${search ? `?${search}` : ''}`,
    );
  }

  previewAppointmentImport(hospitalId: string, csv: string): Promise<ImportPreview> {
    return this.#request('POST', `/api/hospitals/${enc(hospitalId)}/appointments/import/preview`, { csv });
  }

  importAppointments(hospitalId: string, csv: string, confirm: boolean): Promise<{ imported: number }> {
    return this.#request('POST', `/api/hospitals/${enc(hospitalId)}/appointments/import`, { csv, confirm });
  }

  createAppointment(
    hospitalId: string,
    input: NewAppointmentRequest,
  ): Promise<{ appointment: AppointmentView }> {
    return this.#request('POST', `/api/hospitals/${enc(hospitalId)}/appointments`, input);
  }

  rescheduleAppointment(
    id: string,
    change: { scheduledAt: number; lengthMinutes?: number; confirm: boolean },
  ): Promise<{ appointment: AppointmentView }> {
    return this.#request('POST', `/api/appointments/${enc(id)}/reschedule`, change);
  }

  /** Gives the appointment to another active doctor of its hospital. */
  reassignAppointment(
    id: string,
    change: { doctorId: string; confirm: boolean },
  ): Promise<{ appointment: AppointmentView }> {
    return this.#request('POST', `/api/appointments/${enc(id)}/reassign`, change);
  }

  /** A page of the hospital's audit trail; `query` is the filters and cursor (audit-view-model.ts). */
  getAudit(hospitalId: string, query: string): Promise<AuditPage> {
    return this.#request('GET', `/api/hospitals/${enc(hospitalId)}/audit${query ? `?${query}` : ''}`);
  }

  getPolicy(hospitalId: string): Promise<PolicyView> {
    return this.#request('GET', `/api/hospitals/${enc(hospitalId)}/policy`);
  }

  updatePolicy(hospitalId: string, change: PolicyChange): Promise<PolicyView> {
    return this.#request('PUT', `/api/hospitals/${enc(hospitalId)}/policy`, change);
  }

  cancelAppointment(id: string): Promise<{ appointment: AppointmentView }> {
    return this.#request('POST', `/api/appointments/${enc(id)}/cancel`, {});
  }

  /** The hospital's day for its admins' dashboard (S28); the day in the viewer's time zone. */
  getDashboard(hospitalId: string, day: string, tzOffsetMinutes: number): Promise<DashboardSnapshot> {
    const query = new URLSearchParams({ day, tzOffsetMinutes: String(tzOffsetMinutes) }).toString();
    return this.#request('GET', `/api/hospitals/${enc(hospitalId)}/dashboard?${query}`);
  }

  /** The hospital's usage and call quality over a period (`from=&to=&tz=`), for its admins. */
  getAnalytics(hospitalId: string, query: string): Promise<AnalyticsReport> {
    return this.#request('GET', `/api/hospitals/${enc(hospitalId)}/analytics?${query}`);
  }

  /** Every call session of an appointment, for the hospital's admins. */
  getCallHistory(id: string): Promise<{ calls: CallSessionView[] }> {
    return this.#request('GET', `/api/appointments/${enc(id)}/calls`);
  }

  /** Each call session's quality as both browsers measured it (S30): the doctor and the hospital's admins. */
  getCallQuality(id: string): Promise<CallQualityReportAnswer> {
    return this.#request('GET', `/api/appointments/${enc(id)}/calls/quality`);
  }

  /** Short-lived ICE servers for the device test page's connection test (signed in or call cookie). */
  getIceServers(): Promise<IceConfig> {
    return this.#request('GET', '/api/ice-servers');
  }

  /** The doctor asks the patient to allow recording this call (S29): the recording is `asking`. */
  askRecording(appointmentId: string): Promise<RecordingView> {
    return this.#request<RecordingView>('POST', `/api/appointments/${enc(appointmentId)}/recordings`);
  }

  /** The patient's answer to the doctor's request. */
  answerRecording(recordingId: string, answer: ConsentAnswer['answer']): Promise<RecordingView> {
    const body: ConsentAnswer = { answer };
    return this.#request<RecordingView>('POST', `/api/recordings/${enc(recordingId)}/consent`, body);
  }

  /** The patient withdraws consent: capture stops and, under a "discard" policy, what was kept is destroyed. */
  withdrawRecording(recordingId: string): Promise<RecordingView> {
    return this.#request<RecordingView>('POST', `/api/recordings/${enc(recordingId)}/withdraw`);
  }

  /** The doctor's Stop, with how many chunks each segment has so the server knows when it has them all. */
  stopRecording(recordingId: string, request: RecordingStopRequest): Promise<RecordingView> {
    return this.#request<RecordingView>('POST', `/api/recordings/${enc(recordingId)}/stop`, request);
  }

  /** Uploads one chunk; the receipt comes once the server stored it durably. `signal` cancels it. */
  putRecordingChunk(
    recordingId: string,
    segment: number,
    seq: number,
    blob: Blob,
    sha256Hex: string,
    signal?: AbortSignal,
  ): Promise<ChunkReceipt> {
    const raw: RawBody = {
      raw: blob,
      contentType: 'application/octet-stream',
      headers: { [CHUNK_SHA256_HEADER]: sha256Hex },
    };
    return this.#request(
      'PUT',
      `/api/recordings/${enc(recordingId)}/segments/${segment}/chunks/${seq}`,
      raw,
      true,
      signal ? { signal } : {},
    );
  }

  /** An appointment's recordings, their files (when finished and the viewer may play) and their events. */
  listRecordings(appointmentId: string): Promise<AppointmentRecordings> {
    return this.#request('GET', `/api/appointments/${enc(appointmentId)}/recordings`);
  }

  async #request<T>(
    method: Method,
    path: string,
    body?: object | RawBody,
    withCsrf = true,
    options: { signal?: AbortSignal; allowEmpty?: boolean } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const init: RequestInit = { method, credentials: 'same-origin', headers };
    if (options.signal) init.signal = options.signal;
    if (method !== 'GET') {
      if (withCsrf && this.#csrfToken) headers['x-csrf-token'] = this.#csrfToken;
      if (isRawBody(body)) {
        headers['content-type'] = body.contentType;
        Object.assign(headers, body.headers);
        init.body = body.raw;
      } else {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(body ?? {});
      }
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
      if (isErrorBody(data)) {
        const { code, message, ...details } = data.error;
        throw new ApiError(response.status, code, message, { details });
      }
      const message = FALLBACK_MESSAGES[response.status] ?? 'Something went wrong on our side. Try again.';
      throw new ApiError(response.status, 'unexpected_response', message);
    }
    if (data === null && options.allowEmpty) return undefined as T;
    if (data === null) throw new ApiError(response.status, 'unexpected_response', 'The server sent no data.');
    return data as T;
  }
}
