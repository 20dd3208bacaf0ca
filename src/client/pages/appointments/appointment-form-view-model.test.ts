import { describe, expect, it } from 'vitest';
import type { PersonAccount } from '../../../protocol/people.js';
import { ApiClient } from '../../api/http-client.js';
import { formatDateTime } from '../../lib/format.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { appointment } from '../../testing/fixtures.js';
import {
  AppointmentFormViewModel,
  checkDraft,
  instantOf,
  localDateTime,
} from './appointment-form-view-model.js';

const person = (id: string, displayName: string, role: PersonAccount['role']): PersonAccount => ({
  id,
  displayName,
  email: `${id}@example.org`,
  role,
  deactivatedAt: null,
  createdAt: 0,
});
const doctors = [person('d1', 'Dr. Ada', 'doctor'), person('d2', 'Dr. Bo', 'doctor')];
const patients = [person('p1', 'Pat', 'patient'), person('p2', 'Paula', 'patient')];
const peoplePage = (people: PersonAccount[]) => ({ people, total: people.length, page: 1, pageSize: 50 });
const DOCTORS = '/api/hospitals/h1/people?role=doctor&status=active&pageSize=200';
const PATIENTS = '/api/hospitals/h1/people?role=patient&status=active&pageSize=50';
const CREATE = '/api/hospitals/h1/appointments';
const at = instantOf('2026-12-10', '10:00') as number;

function setup(routes: Route[]) {
  const api = fakeApi([
    { method: 'GET', path: DOCTORS, status: 200, body: peoplePage(doctors) },
    { method: 'GET', path: PATIENTS, status: 200, body: peoplePage(patients) },
    ...routes,
  ]);
  let saved = 0;
  const model = new AppointmentFormViewModel(new ApiClient(api.fetch), async () => {
    saved += 1;
  });
  return { model, api, saved: () => saved };
}

async function openFilled(model: AppointmentFormViewModel) {
  await model.load('h1');
  model.openCreate();
  await model.searchPatients('');
  model.setDraft({
    doctorId: 'd1',
    patientId: 'p1',
    date: '2026-12-10',
    time: '10:00',
    reason: ' Follow-up ',
  });
}

const needsConfirmation = (warnings: unknown[]): Route => ({
  method: 'POST',
  path: CREATE,
  status: 409,
  body: { error: { code: 'appointment_needs_confirmation', message: 'confirm', warnings } },
});

describe('the admin’s appointment form', () => {
  it('reads the date and time inputs in this browser’s time zone, and refuses days that do not exist', () => {
    expect(localDateTime(at)).toEqual({ date: '2026-12-10', time: '10:00' });
    expect(instantOf('2026-02-30', '10:00')).toBeNull();
    expect(instantOf('2026-12-10', '24:00')).toBeNull();
    expect(instantOf('', '10:00')).toBeNull();
  });

  it('checks every field before sending, in plain words', () => {
    const errors = checkDraft(
      {
        doctorId: '',
        patientId: '',
        patientQuery: '',
        date: '',
        time: '',
        lengthMinutes: '2',
        reason: 'x'.repeat(501),
      },
      'create',
    );
    expect(errors).toEqual({
      doctor: 'Choose a doctor.',
      patient: 'Choose a patient.',
      date: 'Enter the day.',
      time: 'Enter the time.',
      length: 'Enter a length from 5 to 480 minutes.',
      reason: 'Keep the reason under 500 characters.',
    });
    // Moving keeps the doctor and the patient: only the time is asked.
    expect(
      checkDraft(
        {
          doctorId: '',
          patientId: '',
          patientQuery: '',
          date: '2026-02-30',
          time: '10:00',
          lengthMinutes: '30',
          reason: '',
        },
        'reschedule',
      ),
    ).toEqual({ date: 'There is no such day.' });
  });

  it('sends nothing while a field is wrong, and clears a field’s error once it is changed', async () => {
    const { model, api } = setup([]);
    await model.load('h1');
    model.openCreate();
    await model.submit();
    expect(model.state.fieldErrors.doctor).toBe('Choose a doctor.');
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
    model.setDraft({ doctorId: 'd1' });
    expect(model.state.fieldErrors.doctor).toBeUndefined();
    expect(model.state.fieldErrors.patient).toBe('Choose a patient.');
  });

  it('loads the doctors again when the form opens if the page could not', async () => {
    const api = fakeApi([
      { method: 'GET', path: DOCTORS, status: 500, body: { error: { code: 'internal', message: 'down' } } },
      { method: 'GET', path: DOCTORS, status: 200, body: peoplePage(doctors) },
      { method: 'GET', path: PATIENTS, status: 200, body: peoplePage(patients) },
    ]);
    const model = new AppointmentFormViewModel(new ApiClient(api.fetch), async () => {});
    await model.load('h1');
    expect(model.state.doctors).toEqual([]);
    model.openCreate();
    await expect.poll(() => model.state.doctors.length).toBe(2);
    expect(model.state.error).toBeNull();
  });

  it('narrows the patients by a search, picks the only match, and drops a late answer', async () => {
    const { model } = setup([
      {
        method: 'GET',
        path: `${PATIENTS}&q=paula`,
        status: 200,
        body: peoplePage([patients[1] as PersonAccount]),
      },
    ]);
    await model.load('h1');
    model.openCreate();
    const late = model.searchPatients('');
    await model.searchPatients('paula');
    await late;
    expect(model.state.patients.map((p) => p.id)).toEqual(['p2']);
    expect(model.state.draft.patientId).toBe('p2');
  });

  it('shows the server’s warnings in plain words; "Create anyway" sends confirm and reloads the list', async () => {
    const other = appointment({
      id: 'a9',
      scheduledAt: at,
      lengthMinutes: 30,
      doctor: { id: 'd1', displayName: 'Dr. Ada' },
      patient: { id: 'p9', displayName: 'Sam' },
    });
    const made = appointment({ id: 'a2', scheduledAt: at, patient: { id: 'p1', displayName: 'Pat' } });
    const { model, api, saved } = setup([
      needsConfirmation([{ code: 'in_past' }, { code: 'overlaps', appointment: other }]),
      { method: 'POST', path: CREATE, status: 201, body: { appointment: made } },
    ]);
    await openFilled(model);
    await model.submit();
    expect(model.state.warnings).toEqual([
      'This time is in the past.',
      `Dr. Ada already sees Sam on ${formatDateTime(at)} for 30 minutes: the times overlap.`,
    ]);
    expect(model.state.mode).toEqual({ kind: 'create' });
    expect(saved()).toBe(0);
    await model.submit(true);
    const posts = api.requests.filter((r) => r.method === 'POST').map((r) => r.body);
    expect(posts).toEqual([
      {
        doctorId: 'd1',
        patientId: 'p1',
        scheduledAt: at,
        lengthMinutes: 30,
        reason: 'Follow-up',
        confirm: false,
      },
      {
        doctorId: 'd1',
        patientId: 'p1',
        scheduledAt: at,
        lengthMinutes: 30,
        reason: 'Follow-up',
        confirm: true,
      },
    ]);
    expect(model.state.mode).toBeNull();
    expect(model.state.message).toBe(`Appointment made: Pat with Dr. Ada, ${formatDateTime(at)}.`);
    expect(saved()).toBe(1);
  });

  it('"Change time" puts the warnings away and keeps the form as it was', async () => {
    const { model } = setup([needsConfirmation([{ code: 'in_past' }])]);
    await openFilled(model);
    await model.submit();
    model.changeTime();
    expect(model.state.warnings).toBeNull();
    expect(model.state.draft).toMatchObject({ doctorId: 'd1', date: '2026-12-10', time: '10:00' });
  });

  it('shows the server’s refusals beside their fields', async () => {
    const refusal = (code: string, extra: Record<string, unknown> = {}): Route => ({
      method: 'POST',
      path: CREATE,
      status: 400,
      body: { error: { code, message: 'server words', ...extra } },
    });
    const { model } = setup([
      refusal('doctor_not_in_hospital'),
      refusal('patient_not_in_hospital'),
      refusal('validation_failed', { fields: { lengthMinutes: 'Too big', scheduledAt: 'Too small' } }),
      refusal('validation_failed'),
    ]);
    await openFilled(model);
    await model.submit();
    expect(model.state.fieldErrors).toEqual({
      doctor: 'This doctor does not work at this hospital, or is deactivated.',
    });
    await model.submit();
    expect(model.state.fieldErrors).toEqual({ patient: 'This person is not a patient of this hospital.' });
    await model.submit();
    expect(model.state.fieldErrors).toEqual({
      length: 'Enter a length from 5 to 480 minutes.',
      date: 'Enter the day.',
    });
    await model.submit();
    expect([model.state.fieldErrors, model.state.error]).toEqual([{}, 'server words']);
    expect(model.state.mode).toEqual({ kind: 'create' });
  });

  it('moves an appointment: prefilled with its time and length; a call under way is refused clearly', async () => {
    const a = appointment({ id: 'a1', scheduledAt: at, lengthMinutes: 45 });
    const moved = { ...a, scheduledAt: at + 3_600_000 };
    const { model, api, saved } = setup([
      {
        method: 'POST',
        path: '/api/appointments/a1/reschedule',
        status: 409,
        body: { error: { code: 'appointment_in_call', message: 'in call' } },
      },
      { method: 'POST', path: '/api/appointments/a1/reschedule', status: 200, body: { appointment: moved } },
    ]);
    await model.load('h1');
    model.openReschedule(a);
    expect(model.state.draft).toMatchObject({ date: '2026-12-10', time: '10:00', lengthMinutes: '45' });
    model.setDraft({ time: '11:00' });
    await model.submit();
    expect(model.state.error).toBe(
      `The call of ${a.patient.displayName} is under way: the appointment cannot be moved until the call has ended.`,
    );
    expect(saved()).toBe(0);
    await model.submit();
    expect(api.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      { scheduledAt: at + 3_600_000, lengthMinutes: 45, confirm: false },
      { scheduledAt: at + 3_600_000, lengthMinutes: 45, confirm: false },
    ]);
    expect(model.state.message).toMatch(/^Appointment moved: /);
    expect(saved()).toBe(1);
  });
});
