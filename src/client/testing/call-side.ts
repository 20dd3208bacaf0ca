import type { Peer } from '../../protocol/messages.js';
import type { DeviceList } from '../call/devices.js';
import type { LocalMedia } from '../call/local-media.js';
import type { CallMedia } from '../call/media.js';
import { PeerCall } from '../call/peer-call.js';
import type { PeerCallPhase } from '../call/peer-call-lifecycle.js';
import type { PeerCallOptions } from '../call/peer-call-types.js';
import type { QualityReport } from '../call/quality.js';
import { QualityWindow } from '../call/quality-window.js';
import type { RemoteMedia } from '../call/remote-media.js';
import { FakeStream } from './fake-media.js';
import { fakePeerConnectionFactory, settle } from './fake-peer-connection.js';
import type { FakeRoomServer } from './fake-signaling.js';
import { FakeTimers } from './fake-timers.js';

export const doctorPeer: Peer = { userId: 'd1', role: 'doctor', displayName: 'Dr. Ada' };
export const patientPeer: Peer = { userId: 'p1', role: 'patient', displayName: 'Pat' };

export type SideOptions = Partial<
  Pick<PeerCallOptions, 'renewGrant' | 'devices' | 'refreshIceConfig' | 'iceTransportPolicy' | 'join'>
> & {
  /** The stream the call starts with (every device worked). */
  media?: () => Promise<MediaStream>;
  /** What the call starts with when some device did not (S25); wins over `media`. */
  callMedia?: PeerCallOptions['acquireMedia'];
};

/** One party's PeerCall on a fake room server, with everything it emits recorded. */
export function callSide(server: FakeRoomServer, timers: FakeTimers, peer: Peer, options: SideOptions = {}) {
  const signaling = server.connect(peer);
  const pcs = fakePeerConnectionFactory(peer.role);
  const local = FakeStream.withAudioAndVideo();
  const errors: unknown[] = [];
  const { media, callMedia, ...rest } = options;
  const started = media ?? (async () => local.asStream);
  const call = new PeerCall({
    appointmentId: server.appointmentId,
    polite: peer.role === 'patient',
    iceServers: [{ urls: ['stun:stun.example.org'] }],
    signaling,
    createPeerConnection: pcs.factory,
    acquireMedia: callMedia ?? (async (): Promise<CallMedia> => ({ stream: await started(), problems: {} })),
    createMediaStream: () => new FakeStream().asStream,
    timers,
    now: () => timers.now,
    loadQualityWindow: async () => ({ QualityWindow }),
    onError: (e) => errors.push(e),
    ...rest,
  });
  const phases: PeerCallPhase[] = [];
  call.events.on('state', (s) => phases.push(s.phase));
  const remoteMedia: RemoteMedia[] = [];
  call.events.on('remote-media', (m) => remoteMedia.push(m));
  const localMedia: LocalMedia[] = [];
  call.events.on('local-media', (m) => localMedia.push(m));
  const previews: Array<MediaStream | null> = [];
  call.events.on('local-stream', (s) => previews.push(s));
  const quality: Array<QualityReport | null> = [];
  call.events.on('quality', (q) => quality.push(q));
  const devices: DeviceList[] = [];
  call.events.on('devices', (d) => devices.push(d));
  return {
    call,
    signaling,
    pcs,
    local,
    phases,
    errors,
    remoteMedia,
    localMedia,
    previews,
    quality,
    devices,
  };
}

export type CallSide = ReturnType<typeof callSide>;

/** The patient waits, then the doctor arrives; both have negotiated (not yet "connected"). */
export async function callBetween(
  server: FakeRoomServer,
  options: { patient?: SideOptions; doctor?: SideOptions } = {},
) {
  const timers = new FakeTimers();
  const patient = callSide(server, timers, patientPeer, options.patient);
  const doctor = callSide(server, timers, doctorPeer, options.doctor);
  patient.call.start();
  await settle();
  doctor.call.start();
  await settle();
  return { server, timers, patient, doctor };
}
