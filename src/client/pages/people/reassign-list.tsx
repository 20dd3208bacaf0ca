import { useEffect } from 'preact/hooks';
import type { ReassignableAppointment } from '../../../protocol/people.js';
import { formatDateTime } from '../../lib/format.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { ReassignViewModel } from './reassign-view-model.js';

/** A deactivated doctor's coming appointments, each with a "Give to" doctor choice. */
export function ReassignList({
  model,
  hospitalId,
  appointments,
}: {
  model: ReassignViewModel;
  /** The admin's hospital, whose active doctors may take the appointments. */
  hospitalId: string;
  appointments: readonly ReassignableAppointment[];
}) {
  const s = useViewModel(model);
  useEffect(() => {
    void model.load(hospitalId);
  }, [model, hospitalId]);
  return (
    <>
      {s.error?.id === null && (
        <p role="alert" class="alert alert--error">
          {s.error.message}
        </p>
      )}
      <ul class="reassign">
        {appointments.map((a) => {
          const when = formatDateTime(a.scheduledAt);
          const label = `${when} · ${a.patient.displayName}`;
          const given = s.given[a.id];
          const selectId = `give-${a.id}`;
          return (
            <li key={a.id} class="reassign__item">
              <a href={`/appointments/${a.id}`}>{label}</a>
              {given ? (
                <p role="status">Given to {given}.</p>
              ) : (
                <div class="reassign__choice">
                  <label for={selectId}>Give to</label>
                  <select
                    id={selectId}
                    value={s.chosen[a.id] ?? ''}
                    onChange={(e) => model.choose(a.id, e.currentTarget.value)}
                  >
                    <option value="">Choose a doctor</option>
                    {s.doctors.map((d) => (
                      <option key={d.id} value={d.id}>
                        {d.displayName}
                      </option>
                    ))}
                  </select>
                  <button
                    type="button"
                    class="button button--primary"
                    disabled={s.busy !== null}
                    aria-busy={s.busy === a.id}
                    aria-label={`Give the appointment of ${a.patient.displayName} on ${when}`}
                    onClick={() => void model.give(a.id)}
                  >
                    Give
                  </button>
                </div>
              )}
              {s.warnings?.id === a.id && (
                <div class="alert alert--warn" role="alert">
                  <ul>
                    {s.warnings.words.map((w) => (
                      <li key={w}>{w}</li>
                    ))}
                  </ul>
                  <button
                    type="button"
                    class="button button--primary"
                    disabled={s.busy !== null}
                    onClick={() => void model.give(a.id, true)}
                  >
                    Give anyway
                  </button>
                </div>
              )}
              {s.error?.id === a.id && (
                <p role="alert" class="alert alert--error">
                  {s.error.message}
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}
