import type { AuditOutcomeView } from '../../../protocol/audit.js';
import { formatDateTime, roleWords } from '../../lib/format.js';
import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import {
  type AuditFilters,
  type AuditViewModel,
  csvHref,
  detailWords,
  OUTCOME_WORDS,
} from './audit-view-model.js';

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

/** A hospital admin's audit trail: filters, the entries newest first, a CSV of them, older pages. */
export function AuditPage({ model }: { model: AuditViewModel }) {
  const s = useViewModel(model);
  const f = s.filters;
  const set = (change: Partial<AuditFilters>) => model.set(change);
  const hospitalId = model.hospitalId;
  return (
    <>
      <SiteHeader user={s.user} onSignOut={() => void model.signOut()} signingOut={s.signingOut} />
      <main id="main" class="page audit">
        <h1>Audit trail</h1>
        {s.phase === 'loading' && (
          <p role="status" class="muted">
            Loading the audit trail…
          </p>
        )}
        {s.phase === 'forbidden' && (
          <p role="alert" class="alert alert--error">
            Only a hospital admin may read the hospital’s audit trail.
          </p>
        )}
        {s.phase === 'failed' && s.error && (
          <p role="alert" class="alert alert--error">
            {s.error}
          </p>
        )}
        {s.phase === 'ready' && hospitalId && (
          <>
            <p class="muted">
              Every sign-in, call, recording, admin change and refusal at this hospital, newest first. Entries
              cannot be changed; <code>carecall audit verify</code> checks that none was.
            </p>
            <form
              class="admin-filters admin-tools"
              aria-label="Filter the audit trail"
              onSubmit={(e) => {
                e.preventDefault();
                void model.apply();
              }}
            >
              <label>
                From
                <input type="date" value={f.from} onInput={(e) => set({ from: value(e) })} />
              </label>
              <label>
                To
                <input type="date" value={f.to} onInput={(e) => set({ to: value(e) })} />
              </label>
              <label>
                Person (email)
                <input type="search" value={f.actor} onInput={(e) => set({ actor: value(e) })} />
              </label>
              <label>
                Action (or its start, e.g. call.)
                <input type="search" value={f.action} onInput={(e) => set({ action: value(e) })} />
              </label>
              <label>
                Outcome
                <select
                  value={f.outcome}
                  onChange={(e) => set({ outcome: value(e) as '' | AuditOutcomeView })}
                >
                  <option value="">Any</option>
                  {(Object.keys(OUTCOME_WORDS) as AuditOutcomeView[]).map((o) => (
                    <option key={o} value={o}>
                      {OUTCOME_WORDS[o]}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Target or appointment id
                <input type="search" value={f.target} onInput={(e) => set({ target: value(e) })} />
              </label>
              <button type="submit" class="button button--primary" disabled={s.loading}>
                Filter
              </button>
              <button type="button" class="button" onClick={() => void model.clear()}>
                Clear
              </button>
            </form>
            <p class="actions">
              <a class="button" href={csvHref(hospitalId, s.applied)} download>
                Download CSV
              </a>
            </p>
            {s.error && (
              <p role="alert" class="alert alert--error">
                {s.error}
              </p>
            )}
            <p role="status" class="muted admin-count">
              {s.loading
                ? 'Loading…'
                : `${s.entries.length} entr${s.entries.length === 1 ? 'y' : 'ies'} shown`}
            </p>
            {s.entries.length > 0 && (
              <div class="table-scroll">
                <table class="admin-table audit__table">
                  <caption class="visually-hidden">Audit entries, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Who</th>
                      <th scope="col">Action</th>
                      <th scope="col">Target</th>
                      <th scope="col">Outcome</th>
                      <th scope="col">Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.entries.map((e) => (
                      <tr key={e.id}>
                        <td>{formatDateTime(e.at)}</td>
                        <td>
                          {e.actor ? (
                            <>
                              {e.actor.name ?? e.actor.id}
                              {e.actor.role && <span class="muted"> · {roleWords(e.actor.role)}</span>}
                            </>
                          ) : (
                            <span class="muted">carecall</span>
                          )}
                        </td>
                        <td>
                          <code>{e.action}</code>
                        </td>
                        <td class="audit__target">{e.target ?? ''}</td>
                        <td>{OUTCOME_WORDS[e.outcome]}</td>
                        <td class="audit__detail">{detailWords(e.detail)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {s.nextCursor && (
              <p class="pager">
                <button type="button" class="button" disabled={s.loading} onClick={() => void model.older()}>
                  Older entries
                </button>
              </p>
            )}
          </>
        )}
      </main>
    </>
  );
}
