import type { ImportRowError } from '../../../protocol/api.js';
import { CALL_STATUSES } from '../../../protocol/call-status.js';
import { callStatusWords } from '../../lib/format.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { AdminAppointmentsViewModel, AdminFilters } from './admin-appointments-view-model.js';
import { AppointmentForm } from './appointment-form.js';

const CSV_EXAMPLE =
  'doctor_email,patient_email,start,length_minutes,reason\ndoctor@example.org,patient@example.org,2026-12-04T09:30:00+01:00,30,Follow-up';

/** The rows of a CSV that are wrong, each with its column and problem. */
function ImportErrors({ errors }: { errors: readonly ImportRowError[] }) {
  return (
    <ul class="import-errors">
      {errors.map((e) => (
        <li key={`${e.row}-${e.column ?? ''}-${e.message}`}>
          Row {e.row}
          {e.column ? `, ${e.column}` : ''}: {e.message}
        </li>
      ))}
    </ul>
  );
}

/** The hospital admin's list with filters, the new-appointment form, and the CSV import with its preview. */
export function AdminAppointments({ model }: { model: AdminAppointmentsViewModel }) {
  const s = useViewModel(model);
  const form = useViewModel(model.form);
  const f = s.filters;
  const set = (patch: Partial<AdminFilters>) => model.setFilters(patch);
  const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
  return (
    <>
      <div class="actions">
        <button
          type="button"
          class="button button--primary"
          aria-expanded={form.mode?.kind === 'create'}
          onClick={() => model.form.openCreate()}
        >
          New appointment
        </button>
      </div>
      <p role="status" class="appointment-form__message">
        {form.message}
      </p>
      <AppointmentForm model={model.form} />
      <section class="admin-tools card" aria-labelledby="admin-list-heading">
        <h2 id="admin-list-heading">Find appointments</h2>
        <form
          class="admin-filters"
          onSubmit={(e) => {
            e.preventDefault();
            void model.search();
          }}
        >
          <label>
            Day
            <input type="date" value={f.day} onInput={(e) => set({ day: value(e) })} />
          </label>
          <label>
            Doctor
            <select value={f.doctorId} onChange={(e) => set({ doctorId: value(e) })}>
              <option value="">Any</option>
              {form.doctors.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.displayName}
                </option>
              ))}
            </select>
          </label>
          <label>
            Call status
            <select
              value={f.callStatus}
              onChange={(e) => set({ callStatus: value(e) as AdminFilters['callStatus'] })}
            >
              <option value="">Any</option>
              {CALL_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {callStatusWords(status, 'admin')}
                </option>
              ))}
            </select>
          </label>
          <label>
            Checked in
            <select
              value={f.checkedIn}
              onChange={(e) => set({ checkedIn: value(e) as AdminFilters['checkedIn'] })}
            >
              <option value="">Any</option>
              <option value="true">Yes</option>
              <option value="false">No</option>
            </select>
          </label>
          <label>
            No-show
            <select value={f.noShow} onChange={(e) => set({ noShow: value(e) as AdminFilters['noShow'] })}>
              <option value="">Any</option>
              <option value="true">Yes</option>
              <option value="false">No</option>
            </select>
          </label>
          <label>
            Patient (name or email)
            <input type="search" value={f.patient} onInput={(e) => set({ patient: value(e) })} />
          </label>
          <button type="submit" class="button button--primary" disabled={s.loading}>
            Search
          </button>
        </form>
        {s.error && (
          <p role="alert" class="alert alert--error">
            {s.error}
          </p>
        )}
        <p role="status" class="muted admin-count">
          {s.loading ? 'Loading…' : `${s.total} appointment${s.total === 1 ? '' : 's'}`}
        </p>
        {s.rows.length > 0 && (
          <div class="table-scroll">
            <table class="admin-table">
              <caption class="visually-hidden">Appointments</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Patient</th>
                  <th scope="col">Doctor</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.rows.map((row) => (
                  <tr key={row.id}>
                    <td>
                      <a href={row.href}>
                        <time dateTime={row.isoDate}>{row.when}</time>
                      </a>
                    </td>
                    <td>{row.patient}</td>
                    <td>{row.doctor}</td>
                    <td>{row.reason}</td>
                    <td>{row.statusWords}</td>
                    <td class="admin-table__actions">
                      {row.canReschedule && s.confirmingCancel !== row.id && (
                        <button
                          type="button"
                          class="button"
                          aria-label={`Reschedule the appointment of ${row.patient} on ${row.when}`}
                          onClick={() => model.reschedule(row.id)}
                        >
                          Reschedule
                        </button>
                      )}{' '}
                      {row.canCancel && s.confirmingCancel !== row.id && (
                        <button
                          type="button"
                          class="button button--quiet"
                          aria-label={`Cancel the appointment of ${row.patient} on ${row.when}`}
                          disabled={s.cancelling !== null}
                          onClick={() => model.askCancel(row.id)}
                        >
                          Cancel
                        </button>
                      )}
                      {s.confirmingCancel === row.id && (
                        <span class="admin-confirm">
                          <button
                            type="button"
                            class="button button--primary"
                            aria-label={`Yes, cancel the appointment of ${row.patient}`}
                            disabled={s.cancelling !== null}
                            onClick={() => void model.cancel(row.id)}
                          >
                            Yes, cancel it
                          </button>{' '}
                          <button type="button" class="button" onClick={() => model.askCancel(null)}>
                            Keep
                          </button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {model.pages > 1 && (
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              class="button"
              disabled={s.page <= 1}
              onClick={() => void model.goToPage(s.page - 1)}
            >
              Previous
            </button>
            <span>
              Page {s.page} of {model.pages}
            </span>
            <button
              type="button"
              class="button"
              disabled={s.page >= model.pages}
              onClick={() => void model.goToPage(s.page + 1)}
            >
              Next
            </button>
          </nav>
        )}
      </section>

      <section class="admin-tools card" aria-labelledby="import-heading">
        <h2 id="import-heading">Import appointments (CSV)</h2>
        <p class="hint">
          Columns: doctor_email, patient_email, start (with a time zone), length_minutes, reason. Nothing is
          imported unless every row is right.
        </p>
        <label for="import-csv">CSV</label>
        <textarea
          id="import-csv"
          class="admin-csv"
          rows={6}
          placeholder={CSV_EXAMPLE}
          value={s.csv}
          onInput={(e) => model.setCsv((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <label>
          Or choose a file{' '}
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => {
              const file = (e.currentTarget as HTMLInputElement).files?.[0];
              if (file) void file.text().then((text) => model.setCsv(text));
            }}
          />
        </label>
        <p>
          <button
            type="button"
            class="button"
            disabled={s.importing || !s.csv.trim()}
            onClick={() => void model.previewImport()}
          >
            Check the file
          </button>{' '}
          <button
            type="button"
            class="button button--primary"
            disabled={!model.canImport}
            onClick={() => void model.runImport()}
          >
            Import
          </button>
        </p>
        {s.importError && (
          <div role="alert" class="alert alert--error">
            <p>{s.importError}</p>
            {s.importRowErrors.length > 0 && <ImportErrors errors={s.importRowErrors} />}
          </div>
        )}
        {s.importMessage && <p role="status">{s.importMessage}</p>}
        {s.preview && (
          <div class="import-preview" role="status">
            <p>
              {s.preview.rows} row{s.preview.rows === 1 ? '' : 's'} checked:{' '}
              {s.preview.errors.length === 0
                ? 'no errors.'
                : `${s.preview.errors.length} error${s.preview.errors.length === 1 ? '' : 's'}; nothing can be imported until they are fixed.`}
            </p>
            {s.preview.errors.length > 0 && <ImportErrors errors={s.preview.errors} />}
            {s.preview.warnings.length > 0 && (
              <>
                <ul class="import-warnings">
                  {s.preview.warnings.map((w) => (
                    <li key={`${w.row}-${w.code}`}>
                      Row {w.row}: {w.message}
                    </li>
                  ))}
                </ul>
                <label>
                  <input
                    type="checkbox"
                    checked={s.confirmWarnings}
                    onChange={(e) => model.setConfirmWarnings((e.currentTarget as HTMLInputElement).checked)}
                  />{' '}
                  Import these rows anyway
                </label>
              </>
            )}
          </div>
        )}
      </section>
    </>
  );
}
