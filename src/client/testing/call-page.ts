import type { CallContext } from '../../protocol/api.js';
import { ApiClient } from '../api/http-client.js';
import { CallViewModel } from '../pages/call/call-view-model.js';
import { PRE_JOIN_STORAGE_KEY } from '../pages/call/pre-join-choice.js';
import type { Platform } from '../platform/platform.js';
import { fakeApi, type Route } from './fake-api.js';
import { FakeStream } from './fake-media.js';
import { fakePeerConnectionFactory } from './fake-peer-connection.js';
import type { FakeConnection } from './fake-socket.js';
import { callContext, callStatus, patientPeer } from './fixtures.js';
import { pageHarness } from './page-harness.js';

export const CONTEXT = '/api/call/context?appointmentId=a1';
export const TOKEN = 'tok_SECRET_0123456789';
export const err = (code: string, message = 'Refused.') => ({ error: { code, message } });
export const joinInfo = (status: 'waiting' | 'in_progress' = 'waiting') => ({
  call: callStatus(status),
  iceServers: [{ urls: ['stun:fresh.example.org'] }],
});

/**
 * The call page of appointment a1 on a fake API, socket, camera and peer connections; not loaded yet.
 * Its browser remembers "join straight away" unless `preJoin: 'show'`: the tests about the call itself
 * start where the pre-join screen ends (pre-join.test.ts covers the screen).
 */
export function callPage(
  routes: Route[],
  options: {
    hash?: string;
    now?: number;
    platform?: Partial<Platform>;
    preJoin?: 'show' | 'skip';
    /** What this browser's storage holds before the page starts. */
    storage?: Record<string, string>;
    /** The pre-join screen's running preview, handed to the call at Join now. */
    preview?: { take(): MediaStream | null };
  } = {},
) {
  const api = fakeApi(routes);
  const pcs = fakePeerConnectionFactory('pc');
  const local = FakeStream.withAudioAndVideo();
  const asked: MediaStreamConstraints[] = [];
  const { platform, socket, connection, connections } = pageHarness({
    pathname: '/appointments/a1/call',
    hash: options.hash ?? '',
    createPeerConnection: pcs.factory,
    getUserMedia: async (constraints) => {
      asked.push(constraints);
      return local.asStream;
    },
    createMediaStream: () => new FakeStream().asStream,
    ...options.platform,
  });
  platform.fakeTimers.now = options.now ?? 0;
  platform.storage.set('carecall.videoInput', 'cam-2');
  if (options.preJoin !== 'show') {
    platform.storage.set(PRE_JOIN_STORAGE_KEY, JSON.stringify({ skip: true, audio: true, video: true }));
  }
  for (const [key, value] of Object.entries(options.storage ?? {})) platform.storage.set(key, value);
  const model = new CallViewModel(new ApiClient(api.fetch), platform, socket, options.preview ?? null);
  const posts = () => api.requests.filter((r) => r.method === 'POST');
  return { api, platform, model, connection, connections, pcs, local, asked, posts };
}

export const contextRoute = (overrides: Partial<CallContext> = {}): Route => ({
  method: 'GET',
  path: CONTEXT,
  status: 200,
  body: callContext(overrides),
});

export const activeContext = (overrides: Partial<CallContext> = {}) =>
  contextRoute({ call: callStatus('waiting'), hasGrant: true, ...overrides });

export function joined(c: FakeConnection, peers = [] as (typeof patientPeer)[], self = patientPeer) {
  c.receive({ type: 'joined', appointmentId: 'a1', roomId: 'r1', self, peers, resumed: false, lastSeq: 0 });
}
