import { describe, expect, it } from 'vitest';
import { doctorPeer, patientPeer } from '../testing/call-side.js';
import { FakeStream } from '../testing/fake-media.js';
import {
  type FakePeerConnection,
  fakePeerConnectionFactory,
  settle,
} from '../testing/fake-peer-connection.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { OutgoingSenders } from './outgoing-senders.js';
import { PeerLink, type PeerLinkOptions } from './peer-link.js';
import type { NegotiationMessage } from './perfect-negotiation.js';
import { QUALITY_INTERVAL_MS } from './quality-sampling.js';
import { NO_REMOTE_MEDIA } from './remote-media.js';

function setup(options: Partial<PeerLinkOptions> = {}) {
  const pcs = fakePeerConnectionFactory('pc');
  const local = FakeStream.withAudioAndVideo();
  const createMediaStream = () => new FakeStream().asStream;
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  const senders = new OutgoingSenders({
    tracks: {
      stream: local.asStream,
      screenSharing: false,
      outgoing: (kind) => local.tracks.find((t) => t.kind === kind)?.asTrack ?? null,
    },
    createMediaStream,
    onError,
  });
  const sent: NegotiationMessage[] = [];
  const states: string[] = [];
  const remoteTracks: MediaStreamTrack[] = [];
  const timers = new FakeTimers();
  const link = new PeerLink({
    createPeerConnection: pcs.factory,
    iceServers: [{ urls: ['stun:stun.example.org'] }],
    polite: false,
    send: (message) => sent.push(message),
    senders,
    remote: {
      media: NO_REMOTE_MEDIA,
      addTrack: (track) => {
        remoteTracks.push(track);
      },
    },
    timers,
    active: () => true,
    onQuality: () => undefined,
    onState: (state) => states.push(state),
    onError,
    ...options,
  });
  return { link, pc: pcs.latest() as FakePeerConnection, sent, states, remoteTracks, timers, errors };
}

describe('PeerLink', () => {
  it('makes the peer connection with the configured servers and transport policy', () => {
    const { pc } = setup({ iceTransportPolicy: 'relay' });
    expect(pc.configuration).toEqual({
      iceServers: [{ urls: ['stun:stun.example.org'] }],
      iceTransportPolicy: 'relay',
    });
  });

  it('offers at once on the impolite side, and waits for an offer on the polite side', async () => {
    const impolite = setup();
    await settle();
    expect(impolite.pc.tracks).toHaveLength(2);
    expect(impolite.sent.map((m) => m.type)).toEqual(['offer']);

    const polite = setup({ polite: true });
    await settle();
    expect(polite.pc.tracks).toHaveLength(0);
    expect(polite.sent).toEqual([]);
    const offer = impolite.sent[0];
    if (offer?.type !== 'offer') throw new Error('no offer');
    polite.link.signalled({ type: 'offer', sdp: offer.sdp, from: doctorPeer, seq: 1 });
    await settle();
    expect(polite.pc.tracks).toHaveLength(2);
    expect(polite.sent.map((m) => m.type)).toEqual(['answer']);
  });

  it('reports the connection states the table takes, and nothing once closed', () => {
    const { link, pc, states, remoteTracks } = setup();
    pc.reportConnectionState('connecting');
    pc.reportConnectionState('connected');
    pc.reportConnectionState('disconnected');
    link.close();
    pc.handlers.connectionStateChange('failed');
    pc.handlers.track(FakeStream.withAudioAndVideo().tracks[0]?.asTrack as MediaStreamTrack, []);
    expect(states).toEqual(['connected', 'disconnected']);
    expect(remoteTracks).toEqual([]);
  });

  it('sends an offer still unanswered again instead of restarting ICE', async () => {
    const { link, pc, sent } = setup();
    await settle();
    link.restartIce();
    await settle();
    expect(pc.restarts).toBe(0);
    expect(sent.map((m) => m.type)).toEqual(['offer', 'offer']);
    expect(sent[1]).toEqual(sent[0]);
  });

  it('restarts ICE with fresh servers once negotiated', async () => {
    const fresh = { iceServers: [{ urls: ['turn:turn.example.org'] }], iceTransportPolicy: 'all' as const };
    const doctor = setup({ refreshIceConfig: async () => fresh });
    const patient = setup({ polite: true });
    await settle();
    for (const message of doctor.sent) {
      if (message.type === 'offer') patient.link.signalled({ ...message, from: doctorPeer, seq: 1 });
    }
    await settle();
    for (const message of patient.sent) {
      if (message.type === 'answer') doctor.link.signalled({ ...message, from: patientPeer, seq: 1 });
    }
    await settle();
    expect(doctor.pc.signalingState).toBe('stable');
    doctor.link.restartIce();
    await settle();
    expect(doctor.pc.reconfigured).toEqual([expect.objectContaining(fresh)]);
    expect(doctor.pc.restarts).toBe(1);
  });

  it('closes its connection and stops sampling, once', async () => {
    const { link, pc, timers } = setup();
    pc.connectionState = 'connected';
    timers.advance(QUALITY_INTERVAL_MS);
    await settle();
    link.close();
    link.close();
    timers.advance(5 * QUALITY_INTERVAL_MS);
    await settle();
    expect(pc.closed).toBe(true);
    expect(pc.statsCalls).toBe(1);
  });
});
