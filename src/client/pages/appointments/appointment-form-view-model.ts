import type { AppointmentView } from '../../../protocol/api.js';
import type { PersonAccount } from '../../../protocol/people.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { warningsOf, warningWords } from '../../lib/appointment-warnings.js';
import { formatDateTime } from '../../lib/format.js';
import { ViewModel } from '../../ui/view-model.js';

export const MIN_LENGTH_MINUTES = 5;
export const MAX_LENGTH_MINUTES = 480;
export const MAX_REASON_LENGTH = 500;
/** How many of the hospital's patients the form offers at once; a search narrows them. */
export const PATIENT_CHOICES = 50;

export type FormField = 'doctor' | 'patient' | 'date' | 'time' | 'length' | 'reason';

export interface AppointmentDraft {
  doctorId: string;
  patientId: string;
  /** Part of a patient's name or email, narrowing the patient choices. */
  patientQuery: string;
  /** YYYY-MM-DD and HH:MM in this browser's time zone, as the date and time inputs give them. */
  date: string;
  time: string;
  lengthMinutes: string;
  reason: string;
}

/** A new appointment, or moving one: its doctor and patient stay. */
export type FormMode =
  | { kind: 'create' }
  | { kind: 'reschedule'; id: string; patient: string; doctor: string };

export interface AppointmentFormState {
  /** null while the form is closed. */
  mode: FormMode | null;
  draft: AppointmentDraft;
  doctors: PersonAccount[];
  patients: PersonAccount[];
  searching: boolean;
  fieldErrors: Partial<Record<FormField, string>>;
  /** The server's warnings in plain words, waiting for "… anyway" or "Change time". */
  warnings: string[] | null;
  error: string | null;
  saving: boolean;
  /** What was done, for the page's live region. */
  message: string | null;
}

const EMPTY_DRAFT: AppointmentDraft = {
  doctorId: '',
  patientId: '',
  patientQuery: '',
  date: '',
  time: '',
  lengthMinutes: '30',
  reason: '',
};

/** The words for a field the server found wrong (its own words are for developers). */
const FIELD_WORDS: Record<FormField, string> = {
  doctor: 'Choose a doctor.',
  patient: 'Choose a patient.',
  date: 'Enter the day.',
  time: 'Enter the time.',
  length: `Enter a length from ${MIN_LENGTH_MINUTES} to ${MAX_LENGTH_MINUTES} minutes.`,
  reason: `Keep the reason under ${MAX_REASON_LENGTH} characters.`,
};

/** The request's field names, as the form's. */
const SERVER_FIELDS: Record<string, FormField> = {
  doctorId: 'doctor',
  patientId: 'patient',
  scheduledAt: 'date',
  lengthMinutes: 'length',
  reason: 'reason',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** The date and time inputs' values for an instant, in this browser's time zone. */
export function localDateTime(epochMs: number): { date: string; time: string } {
  const d = new Date(epochMs);
  return {
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
  };
}

/** The instant the date and time inputs name in this browser's time zone, or null if they name none. */
export function instantOf(date: string, time: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return null;
  const [year, month, day, hours, minutes] = [d[1], d[2], d[3], t[1], t[2]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const at = new Date(year, month - 1, day, hours, minutes);
  // 2026-02-30 rolls over to March: not a day anyone meant.
  if (at.getMonth() !== month - 1 || at.getDate() !== day || hours > 23 || minutes > 59) return null;
  return at.getTime();
}

/** The form's own checks, before anything is sent. */
export function checkDraft(
  draft: AppointmentDraft,
  kind: FormMode['kind'],
): Partial<Record<FormField, string>> {
  const errors: Partial<Record<FormField, string>> = {};
  if (kind === 'create' && !draft.doctorId) errors.doctor = FIELD_WORDS.doctor;
  if (kind === 'create' && !draft.patientId) errors.patient = FIELD_WORDS.patient;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(draft.date)) errors.date = FIELD_WORDS.date;
  if (!/^\d{2}:\d{2}$/.test(draft.time)) errors.time = FIELD_WORDS.time;
  else if (!errors.date && instantOf(draft.date, draft.time) === null) errors.date = 'There is no such day.';
  const length = Number(draft.lengthMinutes);
  if (!Number.isInteger(length) || length < MIN_LENGTH_MINUTES || length > MAX_LENGTH_MINUTES) {
    errors.length = FIELD_WORDS.length;
  }
  if (draft.reason.trim().length > MAX_REASON_LENGTH) errors.reason = FIELD_WORDS.reason;
  return errors;
}

/**
 * The admin's form for a new appointment and for moving one: the form's checks, then the server's
 * warnings (a time in the past, an overlap) to confirm or change, and its refusals beside their fields.
 */
export class AppointmentFormViewModel extends ViewModel<AppointmentFormState> {
  readonly #api: ApiClient;
  readonly #onSaved: () => Promise<void>;
  #hospitalId: string | null = null;
  #search = 0;

  constructor(api: ApiClient, onSaved: () => Promise<void>) {
    super({
      mode: null,
      draft: EMPTY_DRAFT,
      doctors: [],
      patients: [],
      searching: false,
      fieldErrors: {},
      warnings: null,
      error: null,
      saving: false,
      message: null,
    });
    this.#api = api;
    this.#onSaved = onSaved;
  }

  /** The hospital's active doctors, for the form and the list's doctor filter. */
  async load(hospitalId: string): Promise<void> {
    this.#hospitalId = hospitalId;
    try {
      this.update({ doctors: await this.#api.activeDoctors(hospitalId) });
    } catch (error) {
      this.update({ error: `The list of doctors could not be loaded. ${errorMessage(error)}` });
    }
  }

  openCreate(): void {
    this.update({
      mode: { kind: 'create' },
      draft: {
        ...EMPTY_DRAFT,
        doctorId: this.state.doctors.length === 1 ? (this.state.doctors[0]?.id ?? '') : '',
      },
      fieldErrors: {},
      warnings: null,
      error: null,
      message: null,
    });
    // The doctors could not be loaded with the page: try again now that they are needed.
    if (this.state.doctors.length === 0 && this.#hospitalId) void this.load(this.#hospitalId);
    void this.searchPatients('');
  }

  openReschedule(
    a: Pick<AppointmentView, 'id' | 'scheduledAt' | 'lengthMinutes' | 'doctor' | 'patient'>,
  ): void {
    this.update({
      mode: { kind: 'reschedule', id: a.id, patient: a.patient.displayName, doctor: a.doctor.displayName },
      draft: {
        ...EMPTY_DRAFT,
        ...localDateTime(a.scheduledAt),
        lengthMinutes: String(a.lengthMinutes ?? 30),
      },
      fieldErrors: {},
      warnings: null,
      error: null,
      message: null,
    });
  }

  close(): void {
    this.update({ mode: null, warnings: null, fieldErrors: {}, error: null });
  }

  setDraft(patch: Partial<AppointmentDraft>): void {
    // Any change answers the warnings: they were about the values sent.
    const fieldErrors = { ...this.state.fieldErrors };
    for (const key of Object.keys(patch)) {
      const field =
        key === 'doctorId'
          ? 'doctor'
          : key === 'patientId'
            ? 'patient'
            : key === 'lengthMinutes'
              ? 'length'
              : key;
      delete fieldErrors[field as FormField];
    }
    this.update({ draft: { ...this.state.draft, ...patch }, fieldErrors, warnings: null });
  }

  /** Narrows the patient choices to those whose name or email holds `query`; a late answer is dropped. */
  async searchPatients(query: string): Promise<void> {
    this.setDraft({ patientQuery: query });
    const mine = ++this.#search;
    this.update({ searching: true });
    try {
      const q = query.trim();
      const hospitalId = this.#hospitalId;
      if (hospitalId === null) return;
      const { people } = await this.#api.listPeople(hospitalId, {
        role: 'patient',
        status: 'active',
        pageSize: PATIENT_CHOICES,
        ...(q ? { q } : {}),
      });
      if (mine !== this.#search) return;
      const chosen = this.state.draft.patientId;
      const keep = people.some((p) => p.id === chosen);
      this.update({
        patients: people,
        searching: false,
        draft: {
          ...this.state.draft,
          patientId: keep ? chosen : people.length === 1 ? (people[0]?.id ?? '') : '',
        },
      });
    } catch (error) {
      if (mine === this.#search) this.update({ searching: false, error: errorMessage(error) });
    }
  }

  /** "Change time": the warnings go, the admin edits the time. */
  changeTime(): void {
    this.update({ warnings: null });
  }

  /** Sends the form; `confirm` answers the warnings ("Create anyway", "Move anyway"). */
  async submit(confirm = false): Promise<void> {
    const mode = this.state.mode;
    const hospitalId = this.#hospitalId;
    if (!mode || !hospitalId || this.state.saving) return;
    const { draft } = this.state;
    const fieldErrors = checkDraft(draft, mode.kind);
    if (Object.keys(fieldErrors).length > 0) {
      this.update({ fieldErrors, warnings: null, error: null });
      return;
    }
    const scheduledAt = instantOf(draft.date, draft.time) as number;
    const lengthMinutes = Number(draft.lengthMinutes);
    this.update({ saving: true, fieldErrors: {}, warnings: null, error: null, message: null });
    try {
      const { appointment } =
        mode.kind === 'create'
          ? await this.#api.createAppointment(hospitalId, {
              doctorId: draft.doctorId,
              patientId: draft.patientId,
              scheduledAt,
              lengthMinutes,
              reason: draft.reason.trim(),
              confirm,
            })
          : await this.#api.rescheduleAppointment(mode.id, { scheduledAt, lengthMinutes, confirm });
      const who = `${appointment.patient.displayName} with ${appointment.doctor.displayName}`;
      this.update({
        saving: false,
        mode: null,
        draft: EMPTY_DRAFT,
        message: `${mode.kind === 'create' ? 'Appointment made' : 'Appointment moved'}: ${who}, ${formatDateTime(appointment.scheduledAt)}.`,
      });
      await this.#onSaved();
    } catch (error) {
      this.update({ saving: false, ...this.#refusal(error, mode) });
    }
  }

  #refusal(error: unknown, mode: FormMode): Partial<AppointmentFormState> {
    const warnings = warningsOf(error);
    if (warnings) return { warnings: warnings.map((w) => warningWords(w)) };
    if (!(error instanceof ApiError)) return { error: errorMessage(error) };
    switch (error.code) {
      case 'doctor_not_in_hospital':
        return { fieldErrors: { doctor: 'This doctor does not work at this hospital, or is deactivated.' } };
      case 'patient_not_in_hospital':
        return { fieldErrors: { patient: 'This person is not a patient of this hospital.' } };
      case 'appointment_in_call':
        return {
          error: `The call of ${mode.kind === 'reschedule' ? mode.patient : 'this appointment'} is under way: the appointment cannot be moved until the call has ended.`,
        };
      case 'appointment_cancelled':
        return { error: 'This appointment was cancelled: it cannot be moved.' };
      case 'validation_failed': {
        const fieldErrors: Partial<Record<FormField, string>> = {};
        for (const key of Object.keys(error.fields)) {
          const field = SERVER_FIELDS[key];
          if (field) fieldErrors[field] = FIELD_WORDS[field];
        }
        return Object.keys(fieldErrors).length > 0 ? { fieldErrors } : { error: error.message };
      }
      default:
        return { error: error.message };
    }
  }
}
