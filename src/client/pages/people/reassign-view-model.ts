import type { PersonAccount } from '../../../protocol/people.js';
import { ApiError, errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import { warningsOf, warningWords } from '../../lib/appointment-warnings.js';
import { ViewModel } from '../../ui/view-model.js';

export interface ReassignState {
  /** The hospital's active doctors: who an appointment may be given to. */
  doctors: PersonAccount[];
  /** The doctor chosen for each appointment, by appointment id. */
  chosen: Readonly<Record<string, string>>;
  /** The appointment being given. */
  busy: string | null;
  /** Warnings for one appointment, waiting for "Give anyway". */
  warnings: { id: string; words: string[] } | null;
  /** Appointments already given: the new doctor's name. */
  given: Readonly<Record<string, string>>;
  error: { id: string | null; message: string } | null;
}

/**
 * "Give to": a deactivated doctor's coming appointments handed, one by one, to another active doctor of
 * the hospital. An overlap with the new doctor's day is a warning to confirm.
 */
export class ReassignViewModel extends ViewModel<ReassignState> {
  readonly #api: ApiClient;

  constructor(api: ApiClient) {
    super({ doctors: [], chosen: {}, busy: null, warnings: null, given: {}, error: null });
    this.#api = api;
  }

  async load(hospitalId: string): Promise<void> {
    try {
      this.update({ doctors: await this.#api.activeDoctors(hospitalId), error: null });
    } catch (error) {
      this.update({
        error: { id: null, message: `The doctors could not be loaded. ${errorMessage(error)}` },
      });
    }
  }

  choose(appointmentId: string, doctorId: string): void {
    this.update({
      chosen: { ...this.state.chosen, [appointmentId]: doctorId },
      warnings: this.state.warnings?.id === appointmentId ? null : this.state.warnings,
      error: null,
    });
  }

  /** Gives the appointment to the chosen doctor; `confirm` answers the warnings ("Give anyway"). */
  async give(appointmentId: string, confirm = false): Promise<void> {
    if (this.state.busy) return;
    const doctorId = this.state.chosen[appointmentId];
    if (!doctorId) {
      this.update({ error: { id: appointmentId, message: 'Choose a doctor first.' } });
      return;
    }
    this.update({ busy: appointmentId, warnings: null, error: null });
    try {
      const { appointment } = await this.#api.reassignAppointment(appointmentId, { doctorId, confirm });
      this.update({
        busy: null,
        given: { ...this.state.given, [appointmentId]: appointment.doctor.displayName },
      });
    } catch (error) {
      const warnings = warningsOf(error);
      if (warnings) {
        this.update({
          busy: null,
          warnings: { id: appointmentId, words: warnings.map((w) => warningWords(w)) },
        });
        return;
      }
      this.update({ busy: null, error: { id: appointmentId, message: refusalWords(error) } });
    }
  }
}

function refusalWords(error: unknown): string {
  if (!(error instanceof ApiError)) return errorMessage(error);
  switch (error.code) {
    case 'doctor_not_in_hospital':
      return 'That doctor cannot take it: they do not work here or are deactivated. Choose another.';
    case 'appointment_in_call':
      return 'Its call is under way: it can be given to another doctor once the call has ended.';
    case 'appointment_cancelled':
      return 'This appointment was cancelled.';
    default:
      return error.message;
  }
}
