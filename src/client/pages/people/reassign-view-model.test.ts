import { describe, expect, it } from 'vitest';
import type { PersonAccount } from '../../../protocol/people.js';
import { ApiClient } from '../../api/http-client.js';
import { formatDateTime } from '../../lib/format.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { appointment } from '../../testing/fixtures.js';
import { ReassignViewModel } from './reassign-view-model.js';

const DOCTORS = '/api/hospitals/h1/people?role=doctor&status=active&pageSize=200';
const REASSIGN = '/api/appointments/a1/reassign';
const bo: PersonAccount = {
  id: 'd2',
  displayName: 'Dr. Bo',
  email: 'bo@example.org',
  role: 'doctor',
  deactivatedAt: null,
  createdAt: 0,
};

function setup(routes: Route[]) {
  const api = fakeApi([
    { method: 'GET', path: DOCTORS, status: 200, body: { people: [bo], total: 1, page: 1, pageSize: 200 } },
    ...routes,
  ]);
  return { model: new ReassignViewModel(new ApiClient(api.fetch)), api };
}

const refusal = (code: string, status = 400, extra: Record<string, unknown> = {}): Route => ({
  method: 'POST',
  path: REASSIGN,
  status,
  body: { error: { code, message: 'server words', ...extra } },
});

describe('giving a deactivated doctor’s appointments to another doctor', () => {
  it('offers the active doctors and asks for a choice before sending', async () => {
    const { model, api } = setup([]);
    await model.load('h1');
    expect(model.state.doctors.map((d) => d.displayName)).toEqual(['Dr. Bo']);
    await model.give('a1');
    expect(model.state.error).toEqual({ id: 'a1', message: 'Choose a doctor first.' });
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('warns of an overlap in the new doctor’s day, gives with "Give anyway", and says to whom', async () => {
    const other = appointment({
      id: 'a9',
      scheduledAt: Date.UTC(2026, 11, 10, 9),
      lengthMinutes: 30,
      doctor: { id: 'd2', displayName: 'Dr. Bo' },
      patient: { id: 'p9', displayName: 'Sam' },
    });
    const given = appointment({ id: 'a1', doctor: { id: 'd2', displayName: 'Dr. Bo' } });
    const { model, api } = setup([
      refusal('appointment_needs_confirmation', 409, {
        warnings: [{ code: 'overlaps', appointment: other }],
      }),
      { method: 'POST', path: REASSIGN, status: 200, body: { appointment: given } },
    ]);
    await model.load('h1');
    model.choose('a1', 'd2');
    await model.give('a1');
    expect(model.state.warnings).toEqual({
      id: 'a1',
      words: [
        `Dr. Bo already sees Sam on ${formatDateTime(other.scheduledAt)} for 30 minutes: the times overlap.`,
      ],
    });
    expect(model.state.given).toEqual({});
    await model.give('a1', true);
    expect(api.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      { doctorId: 'd2', confirm: false },
      { doctorId: 'd2', confirm: true },
    ]);
    expect(model.state.given).toEqual({ a1: 'Dr. Bo' });
    expect(model.state.warnings).toBeNull();
  });

  it('says plainly why the server refused', async () => {
    const { model } = setup([
      refusal('doctor_not_in_hospital'),
      refusal('appointment_in_call', 409),
      refusal('appointment_cancelled', 409),
      refusal('forbidden', 403),
    ]);
    await model.load('h1');
    model.choose('a1', 'd2');
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      await model.give('a1');
      seen.push(model.state.error?.message);
    }
    expect(seen).toEqual([
      'That doctor cannot take it: they do not work here or are deactivated. Choose another.',
      'Its call is under way: it can be given to another doctor once the call has ended.',
      'This appointment was cancelled.',
      'server words',
    ]);
    expect(model.state.given).toEqual({});
  });
});
