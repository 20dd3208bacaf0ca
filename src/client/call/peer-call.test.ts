import { describe, expect, it, vi } from 'vitest';
import type { Peer } from '../../protocol/messages.js';
import { callBetween, callSide, doctorPeer, patientPeer } from '../testing/call-side.js';
import { FakeStream, FakeTrack } from '../testing/fake-media.js';
import { settle } from '../testing/fake-peer-connection.js';
import { FakeRoomServer } from '../testing/fake-signaling.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { ICE_CONNECT_TIMEOUT_MS, ICE_DISCONNECTED_GRACE_MS } from './peer-call-lifecycle.js';
import { ACK_INTERVAL_MS } from './room-sequence.js';

const side = callSide;

async function callBetweenBoth() {
  return callBetween(new FakeRoomServer());
}

describe('PeerCall', () => {
  it('waits alone after joining, with the camera on', async () => {
    const server = new FakeRoomServer();
    const patient = side(server, new FakeTimers(), patientPeer);
    patient.call.start();
    await settle();
    expect(patient.phases).toEqual(['starting', 'joining', 'waiting']);
    expect(patient.signaling.sentOfType('join')).toEqual([expect.objectContaining({ appointmentId: 'a1' })]);
    expect(patient.pcs.created).toHaveLength(0);
    expect(patient.call.localStream).toBe(patient.local.asStream);
  });

  it('connects both sides when the second arrives, with the doctor making the first offer', async () => {
    const { patient, doctor } = await callBetweenBoth();
    const doctorPc = doctor.pcs.latest();
    const patientPc = patient.pcs.latest();
    expect(patient.phases.at(-1)).toBe('connecting');
    expect(doctor.phases.at(-1)).toBe('connecting');
    expect(doctorPc.configuration).toEqual({ iceServers: [{ urls: ['stun:stun.example.org'] }] });

    expect(doctor.signaling.sentOfType('offer')).toHaveLength(1);
    expect(patient.signaling.sentOfType('offer')).toHaveLength(0);
    expect(patient.signaling.sentOfType('answer')).toHaveLength(1);
    expect(doctorPc.tracks).toHaveLength(2);
    expect(patientPc.tracks).toHaveLength(2);
    expect(patientPc.history).toEqual([expect.stringMatching(/^remote offer:doctor/), 'answered']);
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(doctorPc.remoteDescription?.sdp).toMatch(/^answer:patient/);
    expect(doctor.errors.concat(patient.errors)).toEqual([]);

    doctorPc.reportConnectionState('connected');
    patientPc.reportConnectionState('connected');
    expect(doctor.phases.at(-1)).toBe('connected');
    expect(patient.phases.at(-1)).toBe('connected');
  });

  it('connects the same way when the doctor is the one who arrives second', async () => {
    const server = new FakeRoomServer();
    const timers = new FakeTimers();
    const doctor = side(server, timers, doctorPeer);
    const patient = side(server, timers, patientPeer);
    doctor.call.start();
    await settle();
    patient.call.start();
    await settle();
    expect(doctor.signaling.sentOfType('offer')).toHaveLength(1);
    expect(patient.signaling.sentOfType('offer')).toHaveLength(0);
    expect([doctor.pcs.latest().signalingState, patient.pcs.latest().signalingState]).toEqual([
      'stable',
      'stable',
    ]);
  });

  it('resolves glare by the doctor’s offer when both sides renegotiate at once', async () => {
    const { patient, doctor } = await callBetweenBoth();
    const doctorPc = doctor.pcs.latest();
    const patientPc = patient.pcs.latest();
    doctorPc.reportConnectionState('failed');
    patientPc.reportConnectionState('failed');
    await settle();
    expect(doctorPc.restarts).toBe(1);
    expect(patientPc.restarts).toBe(1);
    expect(patient.signaling.sentOfType('offer')).toHaveLength(1);
    expect(doctor.signaling.sentOfType('offer')).toHaveLength(2);
    expect(patientPc.history).toContain('rolled back');
    expect(doctorPc.history).not.toContain('rolled back');
    expect([doctorPc.signalingState, patientPc.signalingState]).toEqual(['stable', 'stable']);
    expect(doctor.errors.concat(patient.errors)).toEqual([]);
  });

  it('lets the patient offer itself when no offer came in time', async () => {
    const server = new FakeRoomServer();
    const timers = new FakeTimers();
    const patient = side(server, timers, patientPeer);
    patient.call.start();
    await settle();
    patient.signaling.events.emit('message', { type: 'peer-joined', peer: doctorPeer, seq: 1 });
    await settle();
    const pc = patient.pcs.latest();
    expect(pc.tracks).toHaveLength(0);
    timers.advance(ICE_CONNECT_TIMEOUT_MS);
    await settle();
    expect(pc.tracks).toHaveLength(2);
    expect(patient.signaling.sentOfType('offer')).toHaveLength(1);
  });

  it('trickles ICE candidates to the other side', async () => {
    const { patient, doctor } = await callBetweenBoth();
    const candidate = {
      candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    doctor.pcs.latest().handlers.iceCandidate({ toJSON: () => candidate } as unknown as RTCIceCandidate);
    await settle();
    expect(patient.pcs.latest().candidates).toEqual([{ ...candidate, usernameFragment: null }]);
  });

  it('shows the remote stream from the track event', async () => {
    const { patient } = await callBetweenBoth();
    const streams: (MediaStream | null)[] = [];
    patient.call.events.on('remote-stream', (s) => streams.push(s));
    const remote = FakeStream.withAudioAndVideo();
    const [audio, video] = remote.tracks;
    if (!audio || !video) throw new Error('tracks');
    const pc = patient.pcs.latest();
    pc.handlers.track(audio.asTrack, [remote.asStream]);
    pc.handlers.track(video.asTrack, [remote.asStream]);
    expect(streams).toEqual([remote.asStream]);
    expect(patient.call.remoteStream).toBe(remote.asStream);
  });

  it('builds a remote stream when the track comes without one', async () => {
    const { patient } = await callBetweenBoth();
    const track = new FakeTrack('video');
    patient.pcs.latest().handlers.track(track.asTrack, []);
    expect(patient.call.remoteStream?.getTracks()).toEqual([track]);
  });

  it('restarts ICE when a connection stays disconnected, and recovers', async () => {
    const { doctor, timers } = await callBetweenBoth();
    const pc = doctor.pcs.latest();
    pc.reportConnectionState('connected');
    pc.reportConnectionState('disconnected');
    expect(doctor.phases.at(-1)).toBe('reconnecting');
    timers.advance(ICE_DISCONNECTED_GRACE_MS - 1);
    expect(pc.restarts).toBe(0);
    timers.advance(1);
    expect(pc.restarts).toBe(1);
    await settle();
    expect(doctor.signaling.sentOfType('offer')).toHaveLength(2);
    pc.reportConnectionState('connected');
    expect(doctor.phases.at(-1)).toBe('connected');
    timers.advance(60_000);
    expect(pc.restarts).toBe(1);
  });

  it('closes the connection when the other side leaves and makes a new one when they return', async () => {
    const { patient, doctor, server } = await callBetweenBoth();
    const first = doctor.pcs.latest();
    first.reportConnectionState('connected');
    patient.call.close();
    await settle();
    expect(doctor.phases.at(-1)).toBe('peer-left');
    expect(first.closed).toBe(true);
    expect(server.inRoom()).toEqual(['d1']);

    const back = side(server, new FakeTimers(), patientPeer);
    back.call.start();
    await settle();
    expect(doctor.pcs.created).toHaveLength(2);
    expect(doctor.phases.at(-1)).toBe('connecting');
    const [, second] = doctor.pcs.created;
    expect(second?.signalingState).toBe('stable');
    expect(second?.remoteDescription?.sdp).toMatch(/^answer:patient/);
  });

  it('ignores negotiation from a stale connection and from anyone but the peer', async () => {
    const { doctor, patient } = await callBetweenBoth();
    const pc = doctor.pcs.latest();
    const before = [...pc.history];
    const stranger: Peer = { userId: 'zz', role: 'patient', displayName: 'Mallory' };
    doctor.signaling.events.emit('message', {
      type: 'offer',
      sdp: 'offer:mallory',
      from: stranger,
      seq: 100,
    });
    doctor.signaling.events.emit('message', {
      type: 'media-state',
      audioMuted: true,
      videoOff: true,
      from: stranger,
      seq: 101,
    });
    await settle();
    expect(pc.history).toEqual(before);
    expect(doctor.remoteMedia.at(-1)).toEqual({
      audioMuted: false,
      videoOff: false,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });

    const oldPatientPc = patient.pcs.latest();
    doctor.signaling.events.emit('message', { type: 'peer-joined', peer: patientPeer, seq: 102 });
    oldPatientPc.handlers.negotiationNeeded();
    oldPatientPc.handlers.connectionStateChange('connected');
    await settle();
    expect(doctor.phases.at(-1)).toBe('connecting');
  });

  it('mutes and turns the camera off through the tracks, and tells the other side', async () => {
    const { doctor, patient } = await callBetweenBoth();
    doctor.call.setAudioMuted(true);
    doctor.call.setVideoOff(true);
    await settle();
    expect(doctor.local.getAudioTracks()[0]?.enabled).toBe(false);
    expect(doctor.local.getVideoTracks()[0]?.enabled).toBe(false);
    expect(doctor.call.localMedia).toEqual({
      audioMuted: true,
      videoOff: true,
      hasAudio: true,
      hasVideo: true,
      microphone: 'on',
      camera: 'on',
      screenSharing: false,
    });
    expect(doctor.signaling.sentOfType('media-state').at(-1)).toMatchObject({
      audioMuted: true,
      videoOff: true,
    });
    expect(patient.remoteMedia.at(-1)).toEqual({
      audioMuted: true,
      videoOff: true,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });
    doctor.call.setAudioMuted(false);
    await settle();
    expect(patient.remoteMedia.at(-1)).toEqual({
      audioMuted: false,
      videoOff: true,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });
  });

  it('ends on call-status ended: leaves the room and releases the camera', async () => {
    const { doctor, server } = await callBetweenBoth();
    server.broadcast({
      type: 'call-status',
      call: {
        appointmentId: 'a1',
        status: 'ended',
        roomId: 'r1',
        startedAt: 1,
        connectedAt: 2,
        endedAt: 3,
        durationSeconds: 2,
        endReason: 'hung_up',
        endsAt: null,
      },
    });
    await settle();
    expect(doctor.phases.at(-1)).toBe('ended');
    expect(doctor.signaling.sentOfType('leave')).toHaveLength(1);
    expect(doctor.local.tracks.every((t) => t.stopped)).toBe(true);
    expect(doctor.pcs.latest().closed).toBe(true);
  });

  it('renegotiates with a new connection when the server cannot resume (the room forgot the patient)', async () => {
    const { doctor, patient } = await callBetweenBoth();
    const first = patient.pcs.latest();
    first.reportConnectionState('connected');
    patient.signaling.drop();
    expect(patient.call.state).toMatchObject({ phase: 'connected', resuming: true });
    expect(first.closed).toBe(false);
    await settle();
    expect(doctor.phases.at(-1)).toBe('peer-left');

    patient.signaling.restore();
    await settle();
    expect(patient.signaling.sentOfType('join').at(-1)).toMatchObject({
      resume: { roomId: 'r1', lastSeq: expect.any(Number) },
    });
    expect(first.closed).toBe(true);
    expect(patient.pcs.created).toHaveLength(2);
    expect(patient.call.state).toMatchObject({ phase: 'connecting', resuming: false });
    expect(doctor.phases.at(-1)).toBe('connecting');
    expect(patient.pcs.latest().signalingState).toBe('stable');
    expect(doctor.pcs.latest().remoteDescription?.sdp).toMatch(/^answer:patient2/);
  });

  it('resumes after a socket drop with the PC untouched and gets what it missed, once (S17)', async () => {
    const { server, doctor, patient } = await callBetweenBoth();
    server.holdOnDrop = true;
    const pc = patient.pcs.latest();
    pc.reportConnectionState('connected');
    doctor.pcs.latest().reportConnectionState('connected');
    await settle();
    const seenBefore = patient.signaling.sentOfType('join').length;

    patient.signaling.drop();
    doctor.call.setAudioMuted(true);
    await settle();
    expect(doctor.phases.at(-1)).toBe('connected');
    expect(patient.remoteMedia.at(-1)).toEqual({
      audioMuted: false,
      videoOff: false,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });

    patient.signaling.restore();
    await settle();
    const joins = patient.signaling.sentOfType('join');
    expect(joins).toHaveLength(seenBefore + 1);
    expect(joins.at(-1)?.resume?.roomId).toBe('r1');
    expect(pc.closed).toBe(false);
    expect(patient.pcs.created).toHaveLength(1);
    expect(patient.call.state).toMatchObject({ phase: 'connected', resuming: false });
    expect(patient.remoteMedia.at(-1)).toEqual({
      audioMuted: true,
      videoOff: false,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });
    expect(doctor.pcs.created).toHaveLength(1);
    expect(patient.errors.concat(doctor.errors)).toEqual([]);
  });

  it('drops a room message it has already seen and acknowledges the highest seq once a second', async () => {
    const { timers, patient } = await callBetweenBoth();
    await settle();
    const ackedUpTo = () => patient.signaling.sentOfType('ack').at(-1)?.seq;
    timers.advance(ACK_INTERVAL_MS);
    const highest = ackedUpTo() ?? -1;
    expect(highest).toBeGreaterThan(0);
    const muted = { type: 'media-state', audioMuted: true, videoOff: true, from: doctorPeer } as const;
    patient.signaling.events.emit('message', { ...muted, seq: highest });
    expect(patient.remoteMedia.at(-1)).toEqual({
      audioMuted: false,
      videoOff: false,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });
    patient.signaling.events.emit('message', { ...muted, seq: highest + 1 });
    patient.signaling.events.emit('message', { ...muted, audioMuted: false, seq: highest + 1 });
    expect(patient.remoteMedia.at(-1)).toEqual({
      audioMuted: true,
      videoOff: true,
      screenSharing: false,
      microphone: 'on',
      camera: 'on',
    });
    expect(patient.signaling.sentOfType('ack')).toHaveLength(1);
    timers.advance(ACK_INTERVAL_MS);
    expect(patient.signaling.sentOfType('ack').map((a) => a.seq)).toEqual([highest, highest + 1]);
    patient.signaling.events.emit('message', { ...muted, seq: highest + 2 });
    patient.call.flushAcks();
    expect(ackedUpTo()).toBe(highest + 2);
  });

  it('tells the page when the server warns of the maximum duration', async () => {
    const { server, doctor } = await callBetweenBoth();
    const warnings: number[] = [];
    doctor.call.events.on('call-warning', (w) => warnings.push(w.endsAt));
    server.broadcast({ type: 'call-warning', appointmentId: 'a1', reason: 'max_duration', endsAt: 99 });
    await settle();
    expect(warnings).toEqual([99]);
  });

  it('gets a call cookie, reconnects and joins again when the server asks for one', async () => {
    const server = new FakeRoomServer();
    server.withoutGrant.add('p1');
    let renewals = 0;
    const patient = side(server, new FakeTimers(), patientPeer, {
      renewGrant: async () => {
        renewals++;
        server.withoutGrant.delete('p1');
      },
    });
    patient.call.start();
    await settle();
    expect(renewals).toBe(1);
    expect(patient.signaling.reconnects).toBe(1);
    expect(patient.signaling.sentOfType('join')).toHaveLength(2);
    expect(patient.phases.at(-1)).toBe('waiting');
  });

  it('renews the cookie only once, then fails with the server’s words', async () => {
    const server = new FakeRoomServer();
    server.withoutGrant.add('p1');
    let renewals = 0;
    const patient = side(server, new FakeTimers(), patientPeer, {
      renewGrant: async () => {
        renewals++;
      },
    });
    patient.call.start();
    await settle();
    expect(renewals).toBe(1);
    expect(patient.call.state).toMatchObject({
      phase: 'failed',
      error: 'Open the call from your appointment.',
    });
  });

  it('ends when getting the cookie shows the call is over', async () => {
    const server = new FakeRoomServer();
    server.withoutGrant.add('p1');
    const patient = side(server, new FakeTimers(), patientPeer, {
      renewGrant: () => Promise.reject(Object.assign(new Error('Over.'), { code: 'call_not_active' })),
    });
    patient.call.start();
    await settle();
    expect(patient.phases.at(-1)).toBe('ended');
    expect(patient.signaling.reconnects).toBe(0);
  });

  it('ends when the server refuses the join because the call is over', async () => {
    const server = new FakeRoomServer();
    server.active = false;
    const patient = side(server, new FakeTimers(), patientPeer);
    patient.call.start();
    await settle();
    expect(patient.phases.at(-1)).toBe('ended');
    expect(patient.local.tracks.every((t) => t.stopped)).toBe(true);
  });

  it('S25 joins receive-only when the camera and microphone are blocked, and tells the other side why', async () => {
    const server = new FakeRoomServer();
    const timers = new FakeTimers();
    const patient = side(server, timers, patientPeer, {
      media: () => Promise.reject(Object.assign(new Error('denied'), { name: 'NotAllowedError' })),
    });
    const doctor = side(server, timers, doctorPeer);
    patient.call.start();
    await settle();
    expect(patient.call.state).toMatchObject({ phase: 'waiting', error: null });
    expect(patient.call.localMedia).toMatchObject({
      hasAudio: false,
      hasVideo: false,
      microphone: 'blocked',
      camera: 'blocked',
    });
    doctor.call.start();
    await settle();
    expect(doctor.remoteMedia.at(-1)).toEqual({
      audioMuted: true,
      videoOff: true,
      screenSharing: false,
      microphone: 'blocked',
      camera: 'blocked',
    });
    // Negotiated all the same: the patient receives on both m-lines and sends nothing.
    expect(
      patient.pcs
        .latest()
        .getTransceivers()
        .map((t) => [t.kind, t.sending]),
    ).toEqual([
      ['audio', false],
      ['video', false],
    ]);
    expect(patient.pcs.latest().signalingState).toBe('stable');
  });

  it('fails for good on a fatal socket close', async () => {
    const { doctor } = await callBetweenBoth();
    doctor.signaling.events.emit('fatal', { code: 4009, reason: '', message: 'Opened in another tab.' });
    expect(doctor.call.state).toMatchObject({
      phase: 'failed',
      peer: null,
      error: 'Opened in another tab.',
    });
    expect(doctor.pcs.latest().closed).toBe(true);
  });

  it('closes twice without harm and stops media that arrives after closing', async () => {
    const server = new FakeRoomServer();
    let resolveMedia: (s: MediaStream) => void = () => undefined;
    const late = FakeStream.withAudioAndVideo();
    const patient = side(server, new FakeTimers(), patientPeer, {
      media: () =>
        new Promise<MediaStream>((resolve) => {
          resolveMedia = resolve;
        }),
    });
    patient.call.start();
    patient.call.close();
    patient.call.close();
    resolveMedia(late.asStream);
    await settle();
    expect(patient.phases).toEqual(['starting', 'closed']);
    expect(late.tracks.every((t) => t.stopped)).toBe(true);
    expect(patient.signaling.sent).toEqual([]);
  });

  it('keeps working when a listener throws', async () => {
    const report = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = new FakeRoomServer();
    const patient = side(server, new FakeTimers(), patientPeer);
    patient.call.events.on('state', () => {
      throw new Error('view broke');
    });
    patient.call.start();
    await settle();
    expect(patient.call.state.phase).toBe('waiting');
    expect(report).toHaveBeenCalled();
    report.mockRestore();
  });
});
