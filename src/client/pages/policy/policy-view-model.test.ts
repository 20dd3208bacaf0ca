import { describe, expect, it } from 'vitest';
import type { HospitalPolicy, PolicyView } from '../../../protocol/api.js';
import { ApiClient } from '../../api/http-client.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { adminUser, doctorUser, sessionOf } from '../../testing/fixtures.js';
import { changeOf, draftOf, PolicyViewModel, SAVED_MESSAGE } from './policy-view-model.js';

const defaults: HospitalPolicy = {
  recordingAllowed: false,
  patientsSeeRecordings: false,
  retentionDays: 90,
  checkInMinutes: 15,
  maxCallMinutes: 60,
  idleTimeoutMinutes: 10,
  adminsReadChat: false,
  recordingOnWithdraw: 'discard',
};
const none = {
  recordingAllowed: null,
  patientsSeeRecordings: null,
  retentionDays: null,
  checkInMinutes: null,
  maxCallMinutes: null,
  idleTimeoutMinutes: null,
  adminsReadChat: null,
  recordingOnWithdraw: null,
};
const view = (overrides: Partial<PolicyView['overrides']> = {}): PolicyView => {
  const o = { ...none, ...overrides };
  const policy = { ...defaults };
  for (const [k, v] of Object.entries(o)) if (v !== null) (policy as Record<string, unknown>)[k] = v;
  return { hospitalId: 'h1', policy, overrides: o, defaults, updatedAt: null };
};
const POLICY = '/api/hospitals/h1/policy';

function setup(routes: Route[], user = adminUser) {
  const api = fakeApi([
    { method: 'GET', path: '/api/session', status: 200, body: sessionOf(user) },
    ...routes,
  ]);
  return { model: new PolicyViewModel(new ApiClient(api.fetch), fakePlatform()), api };
}

describe('the hospital policy page', () => {
  it('shows each setting as the hospital set it, empty where the server default applies', async () => {
    const { model } = setup([
      { method: 'GET', path: POLICY, status: 200, body: view({ checkInMinutes: 5, recordingAllowed: true }) },
    ]);
    await model.load();
    expect(model.state.phase).toBe('ready');
    expect(model.state.draft).toEqual({
      checkInMinutes: '5',
      maxCallMinutes: '',
      idleTimeoutMinutes: '',
      recordingAllowed: 'on',
      patientsSeeRecordings: '',
      retentionDays: '',
      adminsReadChat: '',
      recordingOnWithdraw: '',
    });
  });

  it('sends only what changed: a value sets it, empty returns it to the default', () => {
    const v = view({ checkInMinutes: 5, recordingAllowed: true });
    const draft = {
      checkInMinutes: '',
      maxCallMinutes: '30',
      idleTimeoutMinutes: '',
      recordingAllowed: 'on',
      patientsSeeRecordings: 'off',
      retentionDays: '',
      adminsReadChat: '',
      recordingOnWithdraw: '',
    };
    expect(changeOf(draft, v)).toEqual({
      change: { checkInMinutes: null, maxCallMinutes: 30, patientsSeeRecordings: false },
      errors: {},
    });
  });

  it('the withdrawal choice is sent as chosen, and a value that is not an option is refused', () => {
    const v = view();
    const draft = { ...draftOf(v), recordingOnWithdraw: 'keep' };
    expect(changeOf(draft, v)).toEqual({ change: { recordingOnWithdraw: 'keep' }, errors: {} });
    expect(changeOf({ ...draft, recordingOnWithdraw: 'shred' }, v).errors).toEqual({
      recordingOnWithdraw: 'Choose one of the options.',
    });
    expect(
      changeOf(draftOf(view({ recordingOnWithdraw: 'keep' })), view({ recordingOnWithdraw: 'keep' })).change,
    ).toEqual({});
  });

  it('checks the bounds by field before sending; the longest call may not pass the server’s', async () => {
    const { model, api } = setup([{ method: 'GET', path: POLICY, status: 200, body: view() }]);
    await model.load();
    model.set('maxCallMinutes', '61');
    model.set('checkInMinutes', '1.5');
    model.set('retentionDays', '-1');
    await model.save();
    expect(model.state.fieldErrors).toEqual({
      maxCallMinutes: 'Enter a whole number from 10 to 60, or leave it empty for the default.',
      checkInMinutes: 'Enter a whole number from 0 to 240, or leave it empty for the default.',
      retentionDays: 'Enter a whole number from 1 to 3650, or leave it empty for the default.',
    });
    expect(api.requests.some((r) => r.method === 'PUT')).toBe(false);
    model.set('maxCallMinutes', '45');
    expect(model.state.fieldErrors.maxCallMinutes).toBeUndefined();
  });

  it('saves, says it applies to the next call, and shows what the server kept', async () => {
    const saved = view({ maxCallMinutes: 45 });
    const { model, api } = setup([
      { method: 'GET', path: POLICY, status: 200, body: view() },
      { method: 'PUT', path: POLICY, status: 200, body: saved },
    ]);
    await model.load();
    await model.save();
    expect(model.state.message).toBe('Nothing changed.');
    model.set('maxCallMinutes', '45');
    await model.save();
    expect(api.requests.find((r) => r.method === 'PUT')?.body).toEqual({ maxCallMinutes: 45 });
    expect(model.state.message).toBe(SAVED_MESSAGE);
    expect(model.state.view).toEqual(saved);
    expect(model.state.draft.maxCallMinutes).toBe('45');
  });

  it('puts the server’s refusal beside its field', async () => {
    const { model } = setup([
      { method: 'GET', path: POLICY, status: 200, body: view() },
      {
        method: 'PUT',
        path: POLICY,
        status: 400,
        body: {
          error: { code: 'validation_failed', message: 'no', fields: { maxCallMinutes: 'at most 60' } },
        },
      },
    ]);
    await model.load();
    model.set('maxCallMinutes', '50');
    await model.save();
    expect(model.state.fieldErrors).toEqual({
      maxCallMinutes: 'Enter a whole number from 10 to 60, or leave it empty for the default.',
    });
    expect(model.state.error).toBe('Nothing was saved: see below.');
  });

  it('is for hospital admins only', async () => {
    const { model, api } = setup([], doctorUser);
    await model.load();
    expect(model.state.phase).toBe('forbidden');
    expect(api.requests.map((r) => r.path)).toEqual(['/api/session']);
    const refused = setup([
      { method: 'GET', path: POLICY, status: 403, body: { error: { code: 'forbidden', message: 'no' } } },
    ]);
    await refused.model.load();
    expect(refused.model.state.phase).toBe('forbidden');
  });
});
