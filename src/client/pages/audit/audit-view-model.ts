import type { UserView } from '../../../protocol/api.js';
import type { AuditEntryView, AuditOutcomeView } from '../../../protocol/audit.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { requireAdminSession, signOut } from '../session.js';

/** The filters as the form holds them: days as YYYY-MM-DD (the browser's own days), the rest as typed. */
export interface AuditFilters {
  from: string;
  to: string;
  actor: string;
  action: string;
  outcome: '' | AuditOutcomeView;
  target: string;
}

export const NO_FILTERS: AuditFilters = { from: '', to: '', actor: '', action: '', outcome: '', target: '' };

export interface AuditState {
  phase: 'loading' | 'ready' | 'forbidden' | 'failed';
  user: UserView | null;
  filters: AuditFilters;
  /** The filters of the entries shown (and of the CSV link): the form's, once applied. */
  applied: AuditFilters;
  entries: AuditEntryView[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
  signingOut: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Midnight at the start of a YYYY-MM-DD day in the browser's time zone, in epoch ms. */
function startOfDay(day: string, plusDays = 0): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).getTime();
}

/**
 * The API's query for these filters (docs/audit.md): `from` at the start of its day, `to` at the end of
 * its day (the day itself included), blanks left out, an action lower-cased.
 */
export function auditQuery(f: AuditFilters, cursor: string | null = null): string {
  const q = new URLSearchParams();
  if (DAY.test(f.from)) q.set('from', String(startOfDay(f.from)));
  if (DAY.test(f.to)) q.set('to', String(startOfDay(f.to, 1)));
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  if (f.action.trim()) q.set('action', f.action.trim().toLowerCase());
  if (f.outcome) q.set('outcome', f.outcome);
  if (f.target.trim()) q.set('target', f.target.trim());
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}

/** Where "Download CSV" points: the same filters, every page. */
export function csvHref(hospitalId: string, f: AuditFilters): string {
  const q = auditQuery(f);
  return `/api/hospitals/${encodeURIComponent(hospitalId)}/audit.csv${q ? `?${q}` : ''}`;
}

/** An entry's detail in words: `key: value` pairs, as stored (codes and ids only). */
export function detailWords(detail: AuditEntryView['detail']): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${v === null ? '–' : String(v)}`)
    .join(', ');
}

export const OUTCOME_WORDS: Record<AuditOutcomeView, string> = {
  ok: 'Done',
  denied: 'Refused',
  failed: 'Failed',
};

/** A hospital admin's audit trail: the newest entries first, filtered, with older pages on request. */
export class AuditViewModel extends ViewModel<AuditState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;

  constructor(api: ApiClient, platform: Platform) {
    super({
      phase: 'loading',
      user: null,
      filters: NO_FILTERS,
      applied: NO_FILTERS,
      entries: [],
      nextCursor: null,
      loading: false,
      error: null,
      signingOut: false,
    });
    this.#api = api;
    this.#platform = platform;
  }

  get hospitalId(): string | null {
    return this.state.user?.hospitalId ?? null;
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
      await this.#read(this.state.applied, null);
    } catch (error) {
      this.#failed(error);
    }
  }

  set(change: Partial<AuditFilters>): void {
    this.update({ filters: { ...this.state.filters, ...change } });
  }

  /** Shows the first page for the form's filters. */
  async apply(): Promise<void> {
    await this.#read(this.state.filters, null);
  }

  async clear(): Promise<void> {
    this.update({ filters: NO_FILTERS });
    await this.#read(NO_FILTERS, null);
  }

  /** Adds the next page of older entries under those shown. */
  async older(): Promise<void> {
    const { nextCursor, applied } = this.state;
    if (nextCursor) await this.#read(applied, nextCursor);
  }

  async #read(filters: AuditFilters, cursor: string | null): Promise<void> {
    const hospitalId = this.hospitalId;
    if (!hospitalId || this.state.loading) return;
    this.update({ loading: true, error: null });
    try {
      const page = await this.#api.getAudit(hospitalId, auditQuery(filters, cursor));
      this.update({
        phase: 'ready',
        loading: false,
        applied: filters,
        entries: cursor ? [...this.state.entries, ...page.entries] : page.entries,
        nextCursor: page.nextCursor,
      });
    } catch (error) {
      this.update({ loading: false });
      this.#failed(error);
    }
  }

  #failed(error: unknown): void {
    const forbidden = error instanceof ApiError && error.status === 403;
    if (forbidden) this.update({ phase: 'forbidden', error: null });
    else if (this.state.phase === 'ready') this.update({ error: errorMessage(error) });
    else this.update({ phase: 'failed', error: errorMessage(error) });
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    const failed = await signOut(this.#api, this.#platform);
    if (failed) this.update({ signingOut: false, error: failed });
  }
}
