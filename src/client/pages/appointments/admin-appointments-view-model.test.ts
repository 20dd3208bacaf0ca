import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { appointment } from '../../testing/fixtures.js';
import { AdminAppointmentsViewModel, listQuery, NO_FILTERS } from './admin-appointments-view-model.js';

const LIST = '/api/hospitals/h1/appointments?page=1&pageSize=25';
const page = (appointments = [appointment()], total = appointments.length) => ({
  method: 'GET',
  path: LIST,
  status: 200,
  body: { appointments, page: 1, pageSize: 25, total },
});

function setup(routes: Route[]) {
  const api = fakeApi(routes);
  return { model: new AdminAppointmentsViewModel(new ApiClient(api.fetch), 60), api };
}

describe('the hospital admin appointment tools', () => {
  it('turns filters into the list query, the day in the admin’s time zone', () => {
    expect(listQuery({ ...NO_FILTERS, day: '2026-12-04', noShow: 'true', patient: ' pat ' }, 2, 60)).toEqual({
      page: '2',
      pageSize: '25',
      day: '2026-12-04',
      tzOffsetMinutes: '60',
      noShow: 'true',
      patient: 'pat',
    });
  });

  it('filters by doctor; Reschedule opens the form on that appointment; a save reloads the list', async () => {
    expect(listQuery({ ...NO_FILTERS, doctorId: 'd1' }, 1, 0)).toEqual({
      page: '1',
      pageSize: '25',
      doctorId: 'd1',
    });
    const a = appointment({ id: 'a1', scheduledAt: Date.UTC(2026, 11, 10, 9), lengthMinutes: 20 });
    const { model, api } = setup([
      page([a, appointment({ id: 'a2', cancelledAt: 1 })]),
      {
        method: 'POST',
        path: '/api/appointments/a1/reschedule',
        status: 200,
        body: { appointment: a },
      },
    ]);
    await model.load('h1');
    expect(model.state.rows.map((r) => r.canReschedule)).toEqual([true, false]);
    model.reschedule('a1');
    expect(model.form.state.mode).toEqual({
      kind: 'reschedule',
      id: 'a1',
      patient: a.patient.displayName,
      doctor: a.doctor.displayName,
    });
    expect(model.form.state.draft.lengthMinutes).toBe('20');
    await model.form.submit();
    expect(api.requests.filter((r) => r.path === LIST)).toHaveLength(2);
  });

  it('lists, and shows a cancelled appointment as cancelled with no Cancel', async () => {
    const { model } = setup([page([appointment(), appointment({ id: 'a2', cancelledAt: 1 })])]);
    await model.load('h1');
    expect(model.state.rows.map((r) => [r.statusWords, r.canCancel])).toEqual([
      ['Not started', true],
      ['Cancelled', false],
    ]);
  });

  it('imports only a checked file without errors, and names the rows that are wrong', async () => {
    const { model, api } = setup([
      page(),
      {
        method: 'POST',
        path: '/api/hospitals/h1/appointments/import/preview',
        status: 200,
        body: { rows: 2, maxRows: 5000, errors: [{ row: 3, column: 'start', message: 'bad' }], warnings: [] },
      },
    ]);
    await model.load('h1');
    expect(model.canImport).toBe(false);
    model.setCsv('doctor_email,...');
    // The server checks every row of an unchecked file too.
    expect(model.canImport).toBe(true);
    await model.previewImport();
    expect(model.state.preview?.errors).toEqual([{ row: 3, column: 'start', message: 'bad' }]);
    expect(model.canImport).toBe(false);
    await model.runImport();
    expect(api.requests.filter((r) => r.path.endsWith('/import'))).toEqual([]);
  });

  it('asks to confirm warnings, imports, says how many, and reloads the list', async () => {
    const { model, api } = setup([
      page(),
      {
        method: 'POST',
        path: '/api/hospitals/h1/appointments/import/preview',
        status: 200,
        body: {
          rows: 1,
          maxRows: 5000,
          errors: [],
          warnings: [{ row: 2, code: 'in_past', message: 'past' }],
        },
      },
      { method: 'POST', path: '/api/hospitals/h1/appointments/import', status: 201, body: { imported: 1 } },
    ]);
    await model.load('h1');
    model.setCsv('csv');
    await model.previewImport();
    expect(model.canImport).toBe(false);
    model.setConfirmWarnings(true);
    expect(model.canImport).toBe(true);
    await model.runImport();
    expect(model.state.importMessage).toBe('Imported 1 appointment.');
    expect(api.requests.find((r) => r.path.endsWith('/import'))?.body).toEqual({ csv: 'csv', confirm: true });
    expect(api.requests.filter((r) => r.path === LIST)).toHaveLength(2);
  });

  it('an import refused for a wrong row imports nothing and names the row', async () => {
    const rowError = { row: 137, column: 'patient_email', message: 'nobody@x is not a patient here.' };
    const { model } = setup([
      page(),
      {
        method: 'POST',
        path: '/api/hospitals/h1/appointments/import',
        status: 400,
        body: {
          error: {
            code: 'import_invalid',
            message: 'Nothing was imported: row 137 is wrong.',
            errors: [rowError],
          },
        },
      },
    ]);
    await model.load('h1');
    model.setCsv('csv');
    await model.runImport();
    expect(model.state.importError).toBe('Nothing was imported: row 137 is wrong.');
    expect(model.state.importRowErrors).toEqual([rowError]);
    expect(model.state.importMessage).toBeNull();
    expect(model.state.csv).toBe('csv');
  });

  it('cancels after a second click', async () => {
    const { model, api } = setup([
      page(),
      {
        method: 'POST',
        path: '/api/appointments/a1/cancel',
        status: 200,
        body: { appointment: appointment() },
      },
    ]);
    await model.load('h1');
    model.askCancel('a1');
    expect(model.state.confirmingCancel).toBe('a1');
    await model.cancel('a1');
    expect(api.requests.some((r) => r.path === '/api/appointments/a1/cancel')).toBe(true);
    expect(model.state.confirmingCancel).toBeNull();
  });
});
