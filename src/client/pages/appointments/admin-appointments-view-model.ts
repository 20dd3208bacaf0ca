import type { AppointmentView, ImportPreview, ImportRowError } from '../../../protocol/api.js';
import type { CallStatus } from '../../../protocol/call-status.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { appointmentStatusWords, formatDateTime } from '../../lib/format.js';
import { ViewModel } from '../../ui/view-model.js';
import { AppointmentFormViewModel } from './appointment-form-view-model.js';

export const PAGE_SIZE = 25;

export interface AdminFilters {
  /** YYYY-MM-DD in the viewer's time zone; empty: every day. */
  day: string;
  /** A doctor's id; empty: every doctor. */
  doctorId: string;
  callStatus: CallStatus | '';
  checkedIn: '' | 'true' | 'false';
  noShow: '' | 'true' | 'false';
  patient: string;
}

export interface AdminRow {
  id: string;
  href: string;
  when: string;
  isoDate: string;
  doctor: string;
  patient: string;
  reason: string;
  statusWords: string;
  canCancel: boolean;
  /** Not cancelled: it may be moved (the server refuses while its call is under way). */
  canReschedule: boolean;
}

export interface AdminAppointmentsState {
  filters: AdminFilters;
  page: number;
  total: number;
  rows: AdminRow[];
  loading: boolean;
  error: string | null;
  cancelling: string | null;
  /** The appointment whose cancellation waits for a second click. */
  confirmingCancel: string | null;
  csv: string;
  preview: ImportPreview | null;
  confirmWarnings: boolean;
  importing: boolean;
  importMessage: string | null;
  importError: string | null;
  /** The rows an import found wrong (it imported nothing). */
  importRowErrors: ImportRowError[];
}

export const NO_FILTERS: AdminFilters = {
  day: '',
  doctorId: '',
  callStatus: '',
  checkedIn: '',
  noShow: '',
  patient: '',
};

function toRow(a: AppointmentView): AdminRow {
  return {
    id: a.id,
    href: `/appointments/${encodeURIComponent(a.id)}`,
    when: formatDateTime(a.scheduledAt),
    isoDate: new Date(a.scheduledAt).toISOString(),
    doctor: a.doctor.displayName,
    patient: a.patient.displayName,
    reason: a.reason,
    statusWords: appointmentStatusWords(a, 'admin'),
    canCancel:
      a.cancelledAt === null && a.videoCallStatus !== 'waiting' && a.videoCallStatus !== 'in_progress',
    canReschedule: a.cancelledAt === null,
  };
}

/** What a refused import shows: the server's words (naming the rows) and the rows. */
function importRefusal(error: unknown): Partial<AdminAppointmentsState> {
  if (error instanceof ApiError && error.code === 'import_invalid') {
    const rows = error.details['errors'];
    return {
      importError: error.message,
      importRowErrors: Array.isArray(rows) ? (rows as ImportRowError[]) : [],
    };
  }
  return { importError: `Nothing was imported. ${errorMessage(error)}` };
}

/** The query the server's list route takes for these filters (the day in the viewer's time zone). */
export function listQuery(
  filters: AdminFilters,
  page: number,
  tzOffsetMinutes: number,
): Record<string, string> {
  const q: Record<string, string> = { page: String(page), pageSize: String(PAGE_SIZE) };
  if (filters.day) {
    q['day'] = filters.day;
    q['tzOffsetMinutes'] = String(tzOffsetMinutes);
  }
  if (filters.doctorId) q['doctorId'] = filters.doctorId;
  if (filters.callStatus) q['callStatus'] = filters.callStatus;
  if (filters.checkedIn) q['checkedIn'] = filters.checkedIn;
  if (filters.noShow) q['noShow'] = filters.noShow;
  if (filters.patient.trim()) q['patient'] = filters.patient.trim();
  return q;
}

/**
 * A hospital admin's tools on the appointments page: the filtered list, the form for a new appointment
 * and for moving one, cancelling, the CSV import.
 */
export class AdminAppointmentsViewModel extends ViewModel<AdminAppointmentsState> {
  /** The new-appointment and reschedule form; a save reloads the list. */
  readonly form: AppointmentFormViewModel;
  readonly #api: ApiClient;
  #appointments: AppointmentView[] = [];
  /** Minutes east of UTC, as the server's `tzOffsetMinutes` wants them. */
  readonly #tzOffsetMinutes: number;
  #hospitalId: string | null = null;

  constructor(api: ApiClient, tzOffsetMinutes: number) {
    super({
      filters: NO_FILTERS,
      page: 1,
      total: 0,
      rows: [],
      // Until the first page arrives: the count says "Loading…", not "0 appointments".
      loading: true,
      error: null,
      cancelling: null,
      confirmingCancel: null,
      csv: '',
      preview: null,
      confirmWarnings: false,
      importing: false,
      importMessage: null,
      importError: null,
      importRowErrors: [],
    });
    this.#api = api;
    this.#tzOffsetMinutes = tzOffsetMinutes;
    this.form = new AppointmentFormViewModel(api, () => this.#fetch());
  }

  get pages(): number {
    return Math.max(1, Math.ceil(this.state.total / PAGE_SIZE));
  }

  async load(hospitalId: string): Promise<void> {
    this.#hospitalId = hospitalId;
    await Promise.all([this.#fetch(), this.form.load(hospitalId)]);
  }

  /** Opens the form on a listed appointment, to move it. */
  reschedule(id: string): void {
    const a = this.#appointments.find((x) => x.id === id);
    if (a) this.form.openReschedule(a);
  }

  setFilters(patch: Partial<AdminFilters>): void {
    this.update({ filters: { ...this.state.filters, ...patch }, page: 1 });
  }

  async search(): Promise<void> {
    await this.#fetch();
  }

  async goToPage(page: number): Promise<void> {
    this.update({ page: Math.min(Math.max(1, page), this.pages) });
    await this.#fetch();
  }

  askCancel(id: string | null): void {
    this.update({ confirmingCancel: id });
  }

  async cancel(id: string): Promise<void> {
    if (this.state.cancelling) return;
    this.update({ cancelling: id, error: null });
    try {
      await this.#api.cancelAppointment(id);
      await this.#fetch();
    } catch (error) {
      this.update({ error: errorMessage(error) });
    } finally {
      this.update({ cancelling: null, confirmingCancel: null });
    }
  }

  setCsv(csv: string): void {
    this.update({
      csv,
      preview: null,
      confirmWarnings: false,
      importMessage: null,
      importError: null,
      importRowErrors: [],
    });
  }

  setConfirmWarnings(confirm: boolean): void {
    this.update({ confirmWarnings: confirm });
  }

  /**
   * Whether the file may be sent: the server checks every row again and imports all or nothing, so an
   * unchecked file may be sent too; a checked one only without errors and with its warnings confirmed.
   */
  get canImport(): boolean {
    const p = this.state.preview;
    if (!this.state.csv.trim() || this.state.importing) return false;
    if (p === null) return true;
    return p.rows > 0 && p.errors.length === 0 && (p.warnings.length === 0 || this.state.confirmWarnings);
  }

  async previewImport(): Promise<void> {
    const hospitalId = this.#hospitalId;
    if (!hospitalId || !this.state.csv.trim()) return;
    this.update({
      importing: true,
      importError: null,
      importRowErrors: [],
      importMessage: null,
      preview: null,
    });
    try {
      this.update({ preview: await this.#api.previewAppointmentImport(hospitalId, this.state.csv) });
    } catch (error) {
      this.update({ importError: errorMessage(error) });
    } finally {
      this.update({ importing: false });
    }
  }

  async runImport(): Promise<void> {
    const hospitalId = this.#hospitalId;
    if (!hospitalId || !this.canImport) return;
    this.update({ importing: true, importError: null, importRowErrors: [] });
    try {
      const { imported } = await this.#api.importAppointments(
        hospitalId,
        this.state.csv,
        this.state.confirmWarnings,
      );
      this.update({
        importMessage: `Imported ${imported} appointment${imported === 1 ? '' : 's'}.`,
        csv: '',
        preview: null,
        confirmWarnings: false,
      });
      await this.#fetch();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'appointment_needs_confirmation') {
        // Sent unchecked, and some rows need a second look: show them, with the box to confirm.
        this.update({ importing: false });
        await this.previewImport();
        this.update({ importError: 'Nothing was imported yet: some rows need a second look (below).' });
        return;
      }
      this.update(importRefusal(error));
    } finally {
      this.update({ importing: false });
    }
  }

  async #fetch(): Promise<void> {
    const hospitalId = this.#hospitalId;
    if (!hospitalId) return;
    this.update({ loading: true, error: null });
    try {
      const result = await this.#api.listHospitalAppointments(
        hospitalId,
        listQuery(this.state.filters, this.state.page, this.#tzOffsetMinutes),
      );
      this.#appointments = result.appointments;
      this.update({ rows: result.appointments.map(toRow), total: result.total });
    } catch (error) {
      this.update({ error: errorMessage(error) });
    } finally {
      this.update({ loading: false });
    }
  }
}
