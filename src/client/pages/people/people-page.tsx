import { ROLES } from '../../../protocol/call-status.js';
import { formatDateTime, roleWords } from '../../lib/format.js';
import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { PeopleViewModel } from './people-view-model.js';
import { ReassignList } from './reassign-list.js';
import type { ReassignViewModel } from './reassign-view-model.js';

export function PeoplePage({ model, giveTo }: { model: PeopleViewModel; giveTo: ReassignViewModel }) {
  const s = useViewModel(model);
  return (
    <>
      <SiteHeader user={s.user} onSignOut={() => void model.signOut()} signingOut={s.signingOut} />
      <main id="main" class="page">
        <h1>People</h1>
        {s.phase === 'loading' && (
          <p role="status" class="muted">
            Loading people…
          </p>
        )}
        {s.phase === 'forbidden' && (
          <p role="alert" class="alert alert--error">
            Only a hospital admin may manage people.
          </p>
        )}
        {s.error && (
          <p role="alert" class="alert alert--error">
            {s.error}
          </p>
        )}
        {s.message && (
          <p role="status" class="alert alert--info">
            {s.message}
          </p>
        )}
        {s.link && (
          <section class="card stack people__link" aria-labelledby="link-heading">
            <h2 id="link-heading">Set-password link for {s.link.name}</h2>
            <p>
              Pass it on to them: it works once, until {formatDateTime(s.link.expiresAt)}, and is shown only
              now.{s.link.emailed ? ' It was also sent by email.' : ''}
            </p>
            <label for="link-url">Link</label>
            <input id="link-url" class="people__url" type="text" readOnly value={s.link.url} />
            <div class="people__actions">
              <button type="button" class="button button--primary" onClick={() => void model.copyLink()}>
                Copy
              </button>
              <button type="button" class="button button--quiet" onClick={() => model.dismissLink()}>
                Done
              </button>
              <span role="status" class="hint">
                {s.link.copy === 'copied'
                  ? 'Copied.'
                  : s.link.copy === 'failed'
                    ? 'Copying was blocked: select the link and copy it.'
                    : ''}
              </span>
            </div>
          </section>
        )}
        {s.reassign && (
          <section class="card stack" aria-labelledby="reassign-heading">
            <h2 id="reassign-heading">Appointments of {s.reassign.name} to give to another doctor</h2>
            <ReassignList model={giveTo} appointments={s.reassign.appointments} />
          </section>
        )}
        {s.confirming && (
          <section
            class="card stack"
            role="alertdialog"
            aria-labelledby="confirm-heading"
            aria-describedby="confirm-text"
          >
            <h2 id="confirm-heading">Deactivate {s.confirming.displayName}?</h2>
            <p id="confirm-text">
              They are signed out at once, leave any call they are in, and cannot sign in until reactivated.
            </p>
            <div class="people__actions">
              <button
                type="button"
                class="button button--danger"
                onClick={() => void model.confirmDeactivate()}
              >
                Deactivate
              </button>
              <button type="button" class="button button--quiet" onClick={() => model.cancelDeactivate()}>
                Cancel
              </button>
            </div>
          </section>
        )}
        {(s.phase === 'ready' || s.phase === 'failed') && s.user?.role === 'admin' && (
          <>
            <section class="card" aria-labelledby="add-heading">
              <h2 id="add-heading">Add a person</h2>
              <form
                class="stack"
                onSubmit={(event) => {
                  event.preventDefault();
                  void model.create();
                }}
              >
                <div class="field">
                  <label for="new-name">Name</label>
                  <input
                    id="new-name"
                    required
                    maxLength={200}
                    autocomplete="off"
                    value={s.draft.displayName}
                    onInput={(e) => model.setDraft({ displayName: e.currentTarget.value })}
                  />
                </div>
                <div class="field">
                  <label for="new-email">Email</label>
                  <input
                    id="new-email"
                    type="email"
                    required
                    maxLength={254}
                    autocomplete="off"
                    value={s.draft.email}
                    onInput={(e) => model.setDraft({ email: e.currentTarget.value })}
                  />
                </div>
                <div class="field">
                  <label for="new-role">Role</label>
                  <select
                    id="new-role"
                    value={s.draft.role}
                    onChange={(e) =>
                      model.setDraft({ role: e.currentTarget.value as (typeof ROLES)[number] })
                    }
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {roleWords(r)}
                      </option>
                    ))}
                  </select>
                </div>
                {s.formError && (
                  <p role="alert" class="alert alert--error">
                    {s.formError}
                  </p>
                )}
                <button
                  type="submit"
                  class="button button--primary"
                  disabled={s.creating}
                  aria-busy={s.creating}
                >
                  Add
                </button>
              </form>
            </section>

            <section aria-labelledby="list-heading">
              <h2 id="list-heading">Your hospital’s people</h2>
              <form
                class="people__filters"
                onSubmit={(event) => {
                  event.preventDefault();
                  void model.refresh();
                }}
              >
                <div class="field">
                  <label for="search">Name or email</label>
                  <input
                    id="search"
                    type="search"
                    value={s.filter.q}
                    onInput={(e) => model.setFilter({ q: e.currentTarget.value })}
                  />
                </div>
                <div class="field">
                  <label for="filter-role">Show role</label>
                  <select
                    id="filter-role"
                    value={s.filter.role}
                    onChange={(e) => {
                      model.setFilter({ role: e.currentTarget.value as (typeof ROLES)[number] | '' });
                      void model.refresh();
                    }}
                  >
                    <option value="">Everyone</option>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {roleWords(r)}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for="filter-status">Show status</label>
                  <select
                    id="filter-status"
                    value={s.filter.status}
                    onChange={(e) => {
                      model.setFilter({ status: e.currentTarget.value as 'active' | 'deactivated' | '' });
                      void model.refresh();
                    }}
                  >
                    <option value="">Any</option>
                    <option value="active">Active</option>
                    <option value="deactivated">Deactivated</option>
                  </select>
                </div>
                <button type="submit" class="button">
                  Search
                </button>
              </form>
              <p class="muted" role="status">
                {s.total === 1 ? '1 person' : `${s.total} people`}
              </p>
              <ul class="people__list">
                {s.people.map((p) => (
                  <li key={p.id} class="card people__person">
                    <div>
                      <strong>{p.displayName}</strong> · {roleWords(p.role)}
                      {p.deactivatedAt !== null && <span class="people__badge"> · deactivated</span>}
                      <div class="muted people__email">{p.email}</div>
                    </div>
                    <div class="people__actions">
                      {p.deactivatedAt === null ? (
                        <>
                          <button
                            type="button"
                            class="button button--small"
                            disabled={s.busyId !== null}
                            aria-label={`New set-password link for ${p.displayName}`}
                            onClick={() => void model.newLink(p)}
                          >
                            New link
                          </button>
                          {p.id !== s.user?.id && (
                            <button
                              type="button"
                              class="button button--small button--danger"
                              disabled={s.busyId !== null}
                              aria-label={`Deactivate ${p.displayName}`}
                              onClick={() => model.askDeactivate(p)}
                            >
                              Deactivate
                            </button>
                          )}
                        </>
                      ) : (
                        <button
                          type="button"
                          class="button button--small"
                          disabled={s.busyId !== null}
                          aria-label={`Reactivate ${p.displayName}`}
                          onClick={() => void model.reactivate(p)}
                        >
                          Reactivate
                        </button>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
              {model.pageCount > 1 && (
                <nav class="people__actions" aria-label="Pages">
                  <button
                    type="button"
                    class="button button--small"
                    disabled={s.page <= 1}
                    onClick={() => void model.goToPage(s.page - 1)}
                  >
                    Previous
                  </button>
                  <span>
                    Page {s.page} of {model.pageCount}
                  </span>
                  <button
                    type="button"
                    class="button button--small"
                    disabled={s.page >= model.pageCount}
                    onClick={() => void model.goToPage(s.page + 1)}
                  >
                    Next
                  </button>
                </nav>
              )}
            </section>
          </>
        )}
      </main>
    </>
  );
}
