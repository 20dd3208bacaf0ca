import { useEffect, useRef } from 'preact/hooks';
import { useViewModel } from '../../ui/use-view-model.js';
import {
  type AppointmentDraft,
  type AppointmentFormViewModel,
  type FormField,
  MAX_LENGTH_MINUTES,
  MAX_REASON_LENGTH,
  MIN_LENGTH_MINUTES,
} from './appointment-form-view-model.js';

const value = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

/** The admin's form for a new appointment, and for moving one (same fields, without doctor and patient). */
export function AppointmentForm({ model }: { model: AppointmentFormViewModel }) {
  const s = useViewModel(model);
  const heading = useRef<HTMLHeadingElement>(null);
  const warningsRef = useRef<HTMLDivElement>(null);
  const timeRef = useRef<HTMLInputElement>(null);
  const modeKey = s.mode ? (s.mode.kind === 'create' ? 'create' : s.mode.id) : null;
  // Opening the form (from a row far down the list, too) takes the admin to it.
  useEffect(() => {
    if (modeKey) heading.current?.focus();
  }, [modeKey]);
  useEffect(() => {
    if (s.warnings) warningsRef.current?.focus();
  }, [s.warnings]);
  if (!s.mode) return null;
  const mode = s.mode;
  const creating = mode.kind === 'create';
  const set = (patch: Partial<AppointmentDraft>) => model.setDraft(patch);
  const fieldError = (field: FormField) => s.fieldErrors[field];
  const describedBy = (field: FormField) => (s.fieldErrors[field] ? `appt-${field}-error` : undefined);
  const errorText = (field: FormField) =>
    s.fieldErrors[field] ? (
      <p id={`appt-${field}-error`} class="field__error">
        {s.fieldErrors[field]}
      </p>
    ) : null;
  return (
    <section class="admin-tools card appointment-form" aria-labelledby="appt-form-heading">
      <h2 id="appt-form-heading" tabIndex={-1} ref={heading}>
        {creating ? 'New appointment' : `Move the appointment of ${mode.patient} with ${mode.doctor}`}
      </h2>
      <form
        class="appointment-form__fields"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void model.submit();
        }}
      >
        {creating && (
          <>
            <div class="field">
              <label for="appt-doctor">Doctor</label>
              <select
                id="appt-doctor"
                value={s.draft.doctorId}
                aria-invalid={fieldError('doctor') ? true : undefined}
                aria-describedby={describedBy('doctor')}
                onChange={(e) => set({ doctorId: value(e) })}
              >
                <option value="">Choose a doctor</option>
                {s.doctors.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.displayName}
                  </option>
                ))}
              </select>
              {errorText('doctor')}
            </div>
            <div class="field">
              <label for="appt-patient-search">Find the patient (name or email)</label>
              <input
                id="appt-patient-search"
                type="search"
                autocomplete="off"
                value={s.draft.patientQuery}
                onInput={(e) => void model.searchPatients(value(e))}
              />
            </div>
            <div class="field">
              <label for="appt-patient">Patient</label>
              <select
                id="appt-patient"
                value={s.draft.patientId}
                aria-invalid={fieldError('patient') ? true : undefined}
                aria-describedby={describedBy('patient')}
                aria-busy={s.searching}
                onChange={(e) => set({ patientId: value(e) })}
              >
                <option value="">
                  {s.patients.length === 0 && !s.searching
                    ? 'No patient matches'
                    : `Choose a patient (${s.patients.length} found)`}
                </option>
                {s.patients.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.displayName} · {p.email}
                  </option>
                ))}
              </select>
              {errorText('patient')}
            </div>
          </>
        )}
        <div class="field">
          <label for="appt-date">Day</label>
          <input
            id="appt-date"
            type="date"
            value={s.draft.date}
            aria-invalid={fieldError('date') ? true : undefined}
            aria-describedby={describedBy('date')}
            onInput={(e) => set({ date: value(e) })}
          />
          {errorText('date')}
        </div>
        <div class="field">
          <label for="appt-time">Time</label>
          <input
            id="appt-time"
            ref={timeRef}
            type="time"
            value={s.draft.time}
            aria-invalid={fieldError('time') ? true : undefined}
            aria-describedby={describedBy('time')}
            onInput={(e) => set({ time: value(e) })}
          />
          {errorText('time')}
        </div>
        <div class="field">
          <label for="appt-length">Length in minutes</label>
          <input
            id="appt-length"
            type="number"
            inputMode="numeric"
            min={MIN_LENGTH_MINUTES}
            max={MAX_LENGTH_MINUTES}
            step={5}
            value={s.draft.lengthMinutes}
            aria-invalid={fieldError('length') ? true : undefined}
            aria-describedby={describedBy('length')}
            onInput={(e) => set({ lengthMinutes: value(e) })}
          />
          {errorText('length')}
        </div>
        {creating && (
          <div class="field appointment-form__reason">
            <label for="appt-reason">Reason (optional)</label>
            <input
              id="appt-reason"
              maxLength={MAX_REASON_LENGTH}
              value={s.draft.reason}
              aria-invalid={fieldError('reason') ? true : undefined}
              aria-describedby={describedBy('reason')}
              onInput={(e) => set({ reason: value(e) })}
            />
            {errorText('reason')}
          </div>
        )}
        {s.error && (
          <p role="alert" class="alert alert--error appointment-form__wide">
            {s.error}
          </p>
        )}
        {s.warnings ? (
          <div
            class="alert alert--warn appointment-form__wide"
            role="alert"
            tabIndex={-1}
            ref={warningsRef}
            aria-labelledby="appt-warnings-heading"
          >
            <p id="appt-warnings-heading">
              <strong>Please check before you {creating ? 'make this appointment' : 'move it'}:</strong>
            </p>
            <ul>
              {s.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
            <div class="actions">
              <button
                type="button"
                class="button button--primary"
                disabled={s.saving}
                onClick={() => void model.submit(true)}
              >
                {creating ? 'Create anyway' : 'Move anyway'}
              </button>
              <button
                type="button"
                class="button"
                onClick={() => {
                  model.changeTime();
                  timeRef.current?.focus();
                }}
              >
                Change time
              </button>
            </div>
          </div>
        ) : (
          <div class="actions appointment-form__wide">
            <button type="submit" class="button button--primary" disabled={s.saving} aria-busy={s.saving}>
              {creating ? 'Create appointment' : 'Move appointment'}
            </button>
            <button type="button" class="button" onClick={() => model.close()}>
              Close
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
