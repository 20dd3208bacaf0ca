import type { AnalyticsReport } from '../../../protocol/analytics.js';
import type { UserView } from '../../../protocol/api.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { redirectIfSignedOut, requireAdminSession, signOut } from '../session.js';

export type Preset = '7' | '30' | '90' | 'custom';

export const PRESETS: readonly { value: Preset; words: string }[] = [
  { value: '7', words: 'Last 7 days' },
  { value: '30', words: 'Last 30 days' },
  { value: '90', words: 'Last 90 days' },
  { value: 'custom', words: 'Choose dates' },
];

export interface AnalyticsState {
  phase: 'loading' | 'ready' | 'forbidden' | 'failed';
  user: UserView | null;
  preset: Preset;
  /** The dates of the custom period as typed (YYYY-MM-DD). */
  from: string;
  to: string;
  report: AnalyticsReport | null;
  fetching: boolean;
  /** The server's complaint about a field of the period (`from`, `to`). */
  fieldErrors: Partial<Record<'from' | 'to', string>>;
  error: string | null;
  /** Charts shown as their table. */
  tables: Record<string, boolean>;
  signingOut: boolean;
}

/** YYYY-MM-DD of `epochMs` in `timeZone`. */
export function dayIn(epochMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The last `days` days, today included, in the time zone. */
export function lastDays(days: number, now: number, timeZone: string): { from: string; to: string } {
  const to = dayIn(now, timeZone);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

/** The query both analytics routes take. */
export function periodQuery(period: { from: string; to: string }, timeZone: string): string {
  return new URLSearchParams({ from: period.from, to: period.to, tz: timeZone }).toString();
}

/** The admin's reports: usage and call quality over a period, as charts, tables and a CSV. */
export class AnalyticsViewModel extends ViewModel<AnalyticsState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  readonly #timeZone: string;
  #asked = 0;

  constructor(api: ApiClient, platform: Platform, timeZone: string) {
    const { from, to } = lastDays(30, platform.now(), timeZone);
    super({
      phase: 'loading',
      user: null,
      preset: '30',
      from,
      to,
      report: null,
      fetching: false,
      fieldErrors: {},
      error: null,
      tables: {},
      signingOut: false,
    });
    this.#api = api;
    this.#platform = platform;
    this.#timeZone = timeZone;
  }

  get timeZone(): string {
    return this.#timeZone;
  }

  /** The CSV of the period on show, for the Download link. */
  csvUrl(): string | null {
    const hospitalId = this.state.user?.hospitalId;
    const report = this.state.report;
    if (!hospitalId || !report) return null;
    return `/api/hospitals/${encodeURIComponent(hospitalId)}/analytics/calls.csv?${periodQuery(report, this.#timeZone)}`;
  }

  async load(): Promise<void> {
    try {
      const admin = await requireAdminSession(this.#api, this.#platform);
      if (!admin) return;
      if (!admin.hospitalId) {
        this.update({ user: admin.user, phase: 'forbidden' });
        return;
      }
      this.update({ user: admin.user });
      await this.#fetch();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** A preset shows its period at once; "Choose dates" waits for Show. */
  async choose(preset: Preset): Promise<void> {
    if (preset === 'custom') {
      this.update({ preset });
      return;
    }
    this.update({ preset, ...lastDays(Number(preset), this.#platform.now(), this.#timeZone) });
    await this.#fetch();
  }

  setDate(field: 'from' | 'to', value: string): void {
    const fieldErrors = { ...this.state.fieldErrors };
    delete fieldErrors[field];
    this.update({ [field]: value, fieldErrors } as Partial<AnalyticsState>);
  }

  async show(): Promise<void> {
    const { from, to } = this.state;
    const fieldErrors: AnalyticsState['fieldErrors'] = {};
    if (!from) fieldErrors.from = 'Choose the first day.';
    if (!to) fieldErrors.to = 'Choose the last day.';
    else if (from && to < from) fieldErrors.to = 'The last day must not be before the first.';
    if (Object.keys(fieldErrors).length > 0) {
      this.update({ fieldErrors });
      return;
    }
    await this.#fetch();
  }

  toggleTable(chartId: string): void {
    this.update({ tables: { ...this.state.tables, [chartId]: !this.state.tables[chartId] } });
  }

  async #fetch(): Promise<void> {
    const hospitalId = this.state.user?.hospitalId;
    if (!hospitalId) return;
    const asked = ++this.#asked;
    this.update({ fetching: true, error: null, fieldErrors: {} });
    try {
      const report = await this.#api.getAnalytics(hospitalId, periodQuery(this.state, this.#timeZone));
      // A slower answer to an earlier choice must not replace a later one.
      if (asked !== this.#asked) return;
      this.update({ report, fetching: false, phase: 'ready' });
    } catch (error) {
      if (asked !== this.#asked) return;
      const fields = error instanceof ApiError ? error.fields : {};
      const fieldErrors: AnalyticsState['fieldErrors'] = {};
      if (fields['from']) fieldErrors.from = `The first day: ${fields['from']}.`;
      if (fields['to']) fieldErrors.to = `The last day: ${fields['to']}.`;
      if (Object.keys(fieldErrors).length > 0) {
        this.update({ fetching: false, fieldErrors, phase: 'ready' });
        return;
      }
      this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    if (redirectIfSignedOut(error, this.#platform)) return;
    const forbidden = error instanceof ApiError && error.status === 403;
    this.update({
      fetching: false,
      phase: forbidden ? 'forbidden' : 'failed',
      error: forbidden ? null : errorMessage(error),
    });
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    const failed = await signOut(this.#api, this.#platform);
    if (failed) this.update({ signingOut: false, error: failed });
  }
}
