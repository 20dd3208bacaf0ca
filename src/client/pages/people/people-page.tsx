import { useEffect, useRef } from 'preact/hooks';
import { ROLES, type Role } from '../../../protocol/call-status.js';
import type { PersonAccount } from '../../../protocol/people.js';
import { formatDateTime, roleWords } from '../../lib/format.js';
import { SubmitForm, TextField } from '../../ui/form.js';
import { ModalDialog } from '../../ui/modal-dialog.js';
import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { PeopleState, PeopleViewModel } from './people-view-model.js';
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
        {s.message && <Outcome message={s.message} settled={s.busyId === null} />}
        <LinkDialog s={s} model={model} />
        <ConfirmDeactivateDialog s={s} model={model} />
        {s.reassign && s.user?.hospitalId && (
          <section class="card stack" aria-labelledby="reassign-heading">
            <h2 id="reassign-heading">Appointments of {s.reassign.name} to give to another doctor</h2>
            <ReassignList
              model={giveTo}
              hospitalId={s.user.hospitalId}
              appointments={s.reassign.appointments}
            />
          </section>
        )}
        {(s.phase === 'ready' || s.phase === 'failed') && s.user?.role === 'admin' && (
          <>
            <section class="card" aria-labelledby="add-heading">
              <h2 id="add-heading">Add a person</h2>
              <SubmitForm
                onSubmit={() => void model.create()}
                error={s.formError}
                pending={s.creating}
                submitLabel="Add"
              >
                <TextField
                  id="new-name"
                  label="Name"
                  required
                  maxLength={200}
                  autocomplete="off"
                  value={s.draft.displayName}
                  onValue={(displayName) => model.setDraft({ displayName })}
                />
                <TextField
                  id="new-email"
                  label="Email"
                  type="email"
                  required
                  maxLength={254}
                  autocomplete="off"
                  value={s.draft.email}
                  onValue={(email) => model.setDraft({ email })}
                />
                <RoleSelect
                  id="new-role"
                  label="Role"
                  value={s.draft.role}
                  onChange={(role) => {
                    if (role) model.setDraft({ role });
                  }}
                />
              </SubmitForm>
            </section>

            <section class="people__section" aria-labelledby="list-heading">
              <h2 id="list-heading">Your hospital’s people</h2>
              <form
                class="people__filters"
                onSubmit={(event) => {
                  event.preventDefault();
                  void model.refresh();
                }}
              >
                <TextField
                  id="search"
                  label="Name or email"
                  type="search"
                  value={s.filter.q}
                  onValue={(q) => model.setFilter({ q })}
                />
                <RoleSelect
                  id="filter-role"
                  label="Show role"
                  anyLabel="Everyone"
                  value={s.filter.role}
                  onChange={(role) => {
                    model.setFilter({ role });
                    void model.refresh();
                  }}
                />
                <div class="field">
                  <label for="filter-status">Show status</label>
                  <select
                    id="filter-status"
                    value={s.filter.status}
                    onChange={(e) => {
                      model.setFilter({ status: e.currentTarget.value as PeopleState['filter']['status'] });
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
                  <PersonRow key={p.id} person={p} s={s} model={model} />
                ))}
              </ul>
              {model.pageCount > 1 && (
                <nav class="people__actions" aria-label="Pages">
                  <button
                    type="button"
                    class="button"
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
                    class="button"
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

interface Parts {
  s: PeopleState;
  model: PeopleViewModel;
}

/** A role to choose; with `anyLabel`, also "any role" (the empty value). */
function RoleSelect<V extends Role | ''>({
  id,
  label,
  value,
  anyLabel,
  onChange,
}: {
  id: string;
  label: string;
  value: V;
  anyLabel?: string;
  onChange: (role: V) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value as V)}>
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {roleWords(r)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** One person: who they are, and what the admin may do about them (each button names the person). */
function PersonRow({ person: p, s, model }: Parts & { person: PersonAccount }) {
  /** The button says `words`; its name adds the person after them (the name starts with what is seen). */
  const action = (words: string, forWhom: string, onClick: () => void, danger = false) => (
    // aria-disabled rather than disabled while busy: a disabled button loses the focus, and the keyboard
    // user their place in the list (the view model ignores a press while it is busy).
    <button
      type="button"
      class={`button${danger ? ' button--danger' : ''}`}
      aria-disabled={s.busyId !== null}
      aria-label={`${words} ${forWhom}${p.displayName}`}
      onClick={onClick}
    >
      {words}
    </button>
  );
  return (
    <li class="card people__person">
      <div>
        <strong>{p.displayName}</strong> · {roleWords(p.role)}
        {p.deactivatedAt !== null && <span class="people__badge"> · deactivated</span>}
        <div class="muted people__email">{p.email}</div>
      </div>
      <div class="people__actions">
        {p.deactivatedAt !== null ? (
          action('Reactivate', '', () => void model.reactivate(p))
        ) : (
          <>
            {action('New password link', 'for ', () => void model.newLink(p))}
            {p.id !== s.user?.id && action('Deactivate', '', () => model.askDeactivate(p), true)}
          </>
        )}
      </div>
    </li>
  );
}

/** The one-time link just made, to copy and pass on; it is shown only now. */
function LinkDialog({ s, model }: Parts) {
  const link = s.link;
  return (
    <ModalDialog
      open={link !== null}
      onClose={() => model.dismissLink()}
      headingId="link-heading"
      fallbackFocusId="new-name"
    >
      {link && (
        <>
          <h2 id="link-heading" class="dialog__title">
            Set-password link for {link.name}
          </h2>
          <p>
            Pass it on to them: it works once, until {formatDateTime(link.expiresAt)}, and is shown only now.
            {link.emailed ? ' It was also sent by email.' : ''}
          </p>
          <div class="field">
            <label for="link-url">Link</label>
            <input
              id="link-url"
              class="people__url"
              type="text"
              readOnly
              value={link.url}
              // Selected when it has the focus (the dialog opens on it): a copy by keyboard takes it whole.
              onFocus={(e) => e.currentTarget.select()}
            />
          </div>
          <p role="status" class="hint">
            {link.copy === 'copied'
              ? 'Copied.'
              : link.copy === 'failed'
                ? 'Copying was blocked: select the link and copy it.'
                : ''}
          </p>
          <div class="dialog__actions">
            <button type="button" class="button button--primary" onClick={() => void model.copyLink()}>
              Copy
            </button>
            <button type="button" class="button" onClick={() => model.dismissLink()}>
              Done
            </button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}

/** Deactivating asks first: the person is signed out at once. */
function ConfirmDeactivateDialog({ s, model }: Parts) {
  const person = s.confirming;
  return (
    <ModalDialog
      open={person !== null}
      onClose={() => model.cancelDeactivate()}
      headingId="confirm-heading"
      describedBy="confirm-text"
      role="alertdialog"
    >
      {person && (
        <>
          <h2 id="confirm-heading" class="dialog__title">
            Deactivate {person.displayName}?
          </h2>
          <p id="confirm-text">
            They are signed out at once, leave any call they are in, and cannot sign in until reactivated.
          </p>
          <div class="dialog__actions">
            {/* First, so that it has the focus: the safe choice is the one a stray Enter makes. */}
            <button type="button" class="button" onClick={() => model.cancelDeactivate()}>
              Cancel
            </button>
            <button
              type="button"
              class="button button--danger"
              onClick={() => void model.confirmDeactivate()}
            >
              Deactivate
            </button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}

/**
 * What an action did. When the control that had the focus is gone (Deactivate becomes Reactivate), the
 * focus comes here rather than falling back to the top of the page.
 */
function Outcome({ message, settled }: { message: string; settled: boolean }) {
  const element = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    // Checked once the action's list has been drawn again (settled), when the old control is gone.
    const active = element.current?.ownerDocument.activeElement;
    if (settled && (!active || active === element.current?.ownerDocument.body)) element.current?.focus();
  }, [message, settled]);
  return (
    <p ref={element} role="status" class="alert alert--info" tabIndex={-1}>
      {message}
    </p>
  );
}
