import type { PolicyView } from '../../../protocol/api.js';
import { formatDateTime } from '../../lib/format.js';
import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import { optionsOf, POLICY_FIELDS, type PolicyField, valueWords } from './policy-fields.js';
import { maxOf, type PolicyState, type PolicyViewModel } from './policy-view-model.js';

function Setting({
  field,
  view,
  s,
  model,
}: {
  field: PolicyField;
  view: PolicyView;
  s: PolicyState;
  model: PolicyViewModel;
}) {
  const id = `policy-${field.key}`;
  const error = s.fieldErrors[field.key];
  const defaultWords = valueWords(field, view.defaults[field.key]);
  const own = view.overrides[field.key];
  const described = [`${id}-explain`, `${id}-source`, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div class="field policy__setting">
      <label for={id}>{field.label}</label>
      <p id={`${id}-explain`} class="hint">
        {field.explain}
      </p>
      {field.kind !== 'number' ? (
        <select
          id={id}
          value={s.draft[field.key]}
          aria-describedby={described}
          aria-invalid={error ? true : undefined}
          onChange={(e) => model.set(field.key, e.currentTarget.value)}
        >
          <option value="">Server default ({defaultWords})</option>
          {optionsOf(field).map((option) => (
            <option key={option.value} value={option.value}>
              {option.words}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type="number"
          inputMode="numeric"
          min={field.min}
          max={maxOf(field, view)}
          placeholder={`Default: ${view.defaults[field.key]}`}
          value={s.draft[field.key]}
          aria-describedby={described}
          aria-invalid={error ? true : undefined}
          onInput={(e) => model.set(field.key, e.currentTarget.value)}
        />
      )}
      <p id={`${id}-source`} class="muted policy__source">
        {own === null
          ? `Uses the server default: ${defaultWords}.`
          : `This hospital’s own setting: ${valueWords(field, own)} (server default: ${defaultWords}).`}
        {field.kind === 'number' ? ' Leave it empty to use the default.' : ''}
      </p>
      {error && (
        <p id={`${id}-error`} class="field__error">
          {error}
        </p>
      )}
    </div>
  );
}

/** The hospital's policy: every setting with its server default, saved for the next call. */
export function PolicyPage({ model }: { model: PolicyViewModel }) {
  const s = useViewModel(model);
  const view = s.view;
  return (
    <>
      <SiteHeader user={s.user} onSignOut={() => void model.signOut()} signingOut={s.signingOut} />
      <main id="main" class="page">
        <h1>Hospital policy</h1>
        {s.phase === 'loading' && (
          <p role="status" class="muted">
            Loading the policy…
          </p>
        )}
        {s.phase === 'forbidden' && (
          <p role="alert" class="alert alert--error">
            Only a hospital admin may see and change the hospital’s policy.
          </p>
        )}
        {s.phase === 'failed' && s.error && (
          <p role="alert" class="alert alert--error">
            {s.error}
          </p>
        )}
        {s.phase === 'ready' && view && (
          <form
            class="card stack policy"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void model.save();
            }}
          >
            <p>
              These settings apply to this hospital’s calls. A change applies from the <strong>next</strong>{' '}
              call; a call already under way keeps its settings. Every change is recorded.
            </p>
            {POLICY_FIELDS.map((field) => (
              <Setting key={field.key} field={field} view={view} s={s} model={model} />
            ))}
            {s.error && (
              <p role="alert" class="alert alert--error">
                {s.error}
              </p>
            )}
            <div class="actions">
              <button type="submit" class="button button--primary" disabled={s.saving} aria-busy={s.saving}>
                Save
              </button>
            </div>
            <p role="status" class="policy__saved">
              {s.message}
            </p>
            {view.updatedAt !== null && <p class="muted">Last changed {formatDateTime(view.updatedAt)}.</p>}
          </form>
        )}
      </main>
    </>
  );
}
