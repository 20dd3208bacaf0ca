import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import type { PathMeasurement } from '../../device-check/connection-probe.js';
import type { Platform } from '../../platform/platform.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { FakeStream, FakeTrack } from '../../testing/fake-media.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { doctorUser, patientUser, sessionOf } from '../../testing/fixtures.js';
import { backHref, DeviceTestViewModel } from './device-test-view-model.js';

const DIRECT: PathMeasurement = {
  connected: true,
  failure: null,
  candidateType: 'host',
  gathered: ['host'],
  iceErrors: [],
  rttMs: 1,
  lossPercent: null,
  bitrateKbps: null,
  bitrateCapped: false,
};

function setup(routes: Route[], overrides: Partial<Platform> = {}) {
  const api = fakeApi(routes);
  const platform = fakePlatform({
    pathname: '/device-test',
    getUserMedia: async () => new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]).asStream,
    ...overrides,
  });
  const model = new DeviceTestViewModel(new ApiClient(api.fetch), platform, async () => ({
    ...DIRECT,
    connected: false,
    failure: 'timeout',
  }));
  return { model, platform, api };
}

const signedIn = (user = patientUser): Route => ({
  method: 'GET',
  path: '/api/session',
  status: 200,
  body: sessionOf(user),
});
const signedOut: Route = {
  method: 'GET',
  path: '/api/session',
  status: 401,
  body: { error: { code: 'unauthenticated', message: 'Sign in.' } },
};

describe('backHref', () => {
  it('goes back to the page the user came from on this site', () => {
    expect(backHref('/appointments/a1')).toBe('/appointments/a1');
    expect(backHref(null)).toBe('/appointments');
    expect(backHref('/device-test')).toBe('/appointments');
    expect(backHref('//evil.example/')).toBe('/appointments');
  });
});

describe('DeviceTestViewModel', () => {
  it('works signed out (someone who came by call link) instead of sending them to sign in', async () => {
    const { model, platform } = setup([signedOut]);
    await model.load();
    expect(platform.replaced).toEqual([]);
    expect(model.state).toMatchObject({ signedIn: false, user: null, error: null });
    expect(model.state.signInHref).toBe('/login?next=%2Fdevice-test');
    expect(model.devices.state.access).toBe('ask');
  });

  it('judges screen sharing by the role: a failure for a doctor, a note for a patient', async () => {
    const doctor = setup([signedIn(doctorUser)]);
    await doctor.model.load();
    expect(doctor.model.state.checks.find((c) => c.id === 'getDisplayMedia')?.outcome).toBe('fail');
    const patient = setup([signedIn(patientUser)]);
    await patient.model.load();
    expect(patient.model.state.checks.find((c) => c.id === 'getDisplayMedia')?.outcome).toBe('note');
  });

  it('matches the troubleshooting tips to what the device check and the connection test found', async () => {
    const busy = Object.assign(new Error('busy'), { name: 'NotReadableError' });
    const { model } = setup(
      [
        signedIn(),
        {
          method: 'GET',
          path: '/api/ice-servers',
          status: 200,
          body: { iceServers: [], iceTransportPolicy: 'all', expiresAt: null },
        },
      ],
      {
        getUserMedia: async () => {
          throw busy;
        },
        createSocket: (_url, handlers) => {
          queueMicrotask(() => handlers.close(1006, ''));
          return { send: () => undefined, close: () => undefined };
        },
      },
    );
    await model.load();
    expect(model.state.tips.matched.map((tip) => tip.id)).toEqual([]);
    await model.devices.allow();
    expect(model.state.tips.matched.map((tip) => tip.id)).toEqual(['camera-in-use']);
    await model.runConnectionTest();
    expect(model.state.tips.matched.map((tip) => tip.id)).toEqual([
      'camera-in-use',
      'cannot-connect',
      'websocket-blocked',
    ]);
  });

  it('a blocked camera is said once, by the device check: no camera line that says it works, no second tip', async () => {
    const { model, platform } = setup([signedIn()], {
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
    });
    platform.permissions = { camera: 'denied', microphone: 'granted' };
    expect(model.state.checks.map((c) => c.id)).toContain('getUserMedia');
    await model.load();
    expect(model.devices.state).toMatchObject({
      access: 'denied',
      error: 'Your browser is blocking carecall from using your camera.',
      help: { browser: 'Firefox' },
    });
    expect(model.state.checks.map((c) => c.id)).not.toContain('getUserMedia');
    expect(model.state.checks.every((c) => c.outcome === 'pass' || c.outcome === 'note')).toBe(true);
    const tips = [...model.state.tips.matched, ...model.state.tips.other].map((tip) => tip.id);
    expect(tips).not.toContain('permission-denied');
  });

  it('releases the camera when the page goes away', async () => {
    const stream = new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]);
    const { model, platform } = setup([signedIn()], { getUserMedia: async () => stream.asStream });
    platform.permissions = { camera: 'granted', microphone: 'granted' };
    await model.load();
    expect(model.devices.state.stream).toBe(stream.asStream);
    model.dispose();
    expect(stream.tracks.every((track) => track.stopped)).toBe(true);
  });
});
