import type { PolicyChange, PolicyKey, PolicyView, UserView } from '../../../protocol/api.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import type { Platform } from '../../platform/platform.js';
import { ViewModel } from '../../ui/view-model.js';
import { requireAdminSession, signOut } from '../session.js';
import { POLICY_FIELDS, type PolicyField } from './policy-fields.js';

/**
 * What the form holds for each setting: `''` is the server's default; a flag is `'on'` or `'off'`, a
 * number its digits as typed.
 */
export type PolicyDraft = Record<PolicyKey, string>;

export interface PolicyState {
  phase: 'loading' | 'ready' | 'forbidden' | 'failed';
  user: UserView | null;
  view: PolicyView | null;
  draft: PolicyDraft;
  fieldErrors: Partial<Record<PolicyKey, string>>;
  saving: boolean;
  message: string | null;
  error: string | null;
  signingOut: boolean;
}

export const SAVED_MESSAGE = 'Saved; applies to the next call.';

export function draftOf(view: PolicyView): PolicyDraft {
  const draft = {} as PolicyDraft;
  for (const field of POLICY_FIELDS) {
    const v = view.overrides[field.key];
    draft[field.key] = v === null ? '' : typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
  }
  return draft;
}

/** The highest value a number setting may take here. */
export function maxOf(field: PolicyField, view: PolicyView): number {
  if (field.kind !== 'number') return 1;
  return field.max === 'default' ? (view.defaults[field.key] as number) : field.max;
}

/** "Enter a whole number from 10 to 60 (or leave it empty for the default)." */
export function rangeWords(field: PolicyField, view: PolicyView): string {
  if (field.kind !== 'number') return '';
  return `Enter a whole number from ${field.min} to ${maxOf(field, view)}, or leave it empty for the default.`;
}

/**
 * What the draft changes, or the fields at fault. Only settings that differ from what is stored are sent:
 * a value sets one, null returns it to the default.
 */
export function changeOf(
  draft: PolicyDraft,
  view: PolicyView,
): { change: PolicyChange; errors: Partial<Record<PolicyKey, string>> } {
  const change: Record<string, number | boolean | string | null> = {};
  const errors: Partial<Record<PolicyKey, string>> = {};
  for (const field of POLICY_FIELDS) {
    const raw = draft[field.key].trim();
    let next: number | boolean | string | null;
    if (raw === '') next = null;
    else if (field.kind === 'flag') next = raw === 'on';
    else if (field.kind === 'choice') {
      if (!field.options.some((o) => o.value === raw)) {
        errors[field.key] = 'Choose one of the options.';
        continue;
      }
      next = raw;
    } else {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n < field.min || n > maxOf(field, view)) {
        errors[field.key] = rangeWords(field, view);
        continue;
      }
      next = n;
    }
    if (next !== view.overrides[field.key]) change[field.key] = next;
  }
  return { change: change as PolicyChange, errors };
}

/** A hospital admin's policy page: each setting, its server default and whether the hospital overrides it. */
export class PolicyViewModel extends ViewModel<PolicyState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;

  constructor(api: ApiClient, platform: Platform) {
    super({
      phase: 'loading',
      user: null,
      view: null,
      draft: {} as PolicyDraft,
      fieldErrors: {},
      saving: false,
      message: null,
      error: null,
      signingOut: false,
    });
    this.#api = api;
    this.#platform = platform;
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
      const view = await this.#api.getPolicy(hospitalId);
      this.update({ user, view, draft: draftOf(view), phase: 'ready' });
    } catch (error) {
      const forbidden = error instanceof ApiError && error.status === 403;
      this.update({
        phase: forbidden ? 'forbidden' : 'failed',
        error: forbidden ? null : errorMessage(error),
      });
    }
  }

  set(key: PolicyKey, value: string): void {
    const fieldErrors = { ...this.state.fieldErrors };
    delete fieldErrors[key];
    this.update({ draft: { ...this.state.draft, [key]: value }, fieldErrors, message: null });
  }

  async save(): Promise<void> {
    const { view, draft, saving } = this.state;
    const hospitalId = this.state.user?.hospitalId;
    if (!view || !hospitalId || saving) return;
    const { change, errors } = changeOf(draft, view);
    if (Object.keys(errors).length > 0) {
      this.update({ fieldErrors: errors, message: null, error: 'Some settings need a change: see below.' });
      return;
    }
    if (Object.keys(change).length === 0) {
      this.update({ fieldErrors: {}, error: null, message: 'Nothing changed.' });
      return;
    }
    this.update({ saving: true, fieldErrors: {}, error: null, message: null });
    try {
      const saved = await this.#api.updatePolicy(hospitalId, change);
      this.update({ saving: false, view: saved, draft: draftOf(saved), message: SAVED_MESSAGE });
    } catch (error) {
      const fields = error instanceof ApiError ? error.fields : {};
      const fieldErrors: Partial<Record<PolicyKey, string>> = {};
      for (const field of POLICY_FIELDS) {
        if (fields[field.key])
          fieldErrors[field.key] = rangeWords(field, view) || 'Choose one of the options.';
      }
      this.update({
        saving: false,
        fieldErrors,
        error: Object.keys(fieldErrors).length > 0 ? 'Nothing was saved: see below.' : errorMessage(error),
      });
    }
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    const failed = await signOut(this.#api, this.#platform);
    if (failed) this.update({ signingOut: false, error: failed });
  }
}
