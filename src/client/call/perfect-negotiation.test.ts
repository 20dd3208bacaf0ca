import { describe, expect, it } from 'vitest';
import { FakePeerConnection } from '../testing/fake-peer-connection.js';
import type { PeerConnectionHandlers } from './peer-connection.js';
import { type NegotiationMessage, PerfectNegotiation } from './perfect-negotiation.js';

const noHandlers: PeerConnectionHandlers = {
  negotiationNeeded: () => undefined,
  iceCandidate: () => undefined,
  track: () => undefined,
  connectionStateChange: () => undefined,
};

function side(name: string, polite: boolean) {
  const pc = new FakePeerConnection(name, {}, noHandlers);
  const sent: NegotiationMessage[] = [];
  const errors: unknown[] = [];
  const beforeAnswer: string[] = [];
  const negotiation = new PerfectNegotiation({
    pc,
    polite,
    send: (m) => sent.push(m),
    onError: (e) => errors.push(e),
    beforeAnswer: () => beforeAnswer.push(pc.signalingState),
  });
  return { pc, sent, errors, negotiation, beforeAnswer };
}

const candidate = { candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('PerfectNegotiation', () => {
  it('sends an offer when negotiation is needed and applies the answer', async () => {
    const doctor = side('doctor', false);
    const patient = side('patient', true);
    await doctor.negotiation.onNegotiationNeeded();
    const [offer] = doctor.sent;
    expect(offer).toMatchObject({ type: 'offer' });
    if (offer?.type !== 'offer') throw new Error('no offer');
    await patient.negotiation.onRemoteDescription(offer);
    const [answer] = patient.sent;
    if (answer?.type !== 'answer') throw new Error('no answer');
    await doctor.negotiation.onRemoteDescription(answer);
    expect([doctor.pc.signalingState, patient.pc.signalingState]).toEqual(['stable', 'stable']);
    expect(patient.beforeAnswer).toEqual(['have-remote-offer']);
    expect(doctor.beforeAnswer).toEqual([]);
    expect(doctor.errors.concat(patient.errors)).toEqual([]);
  });

  it('on glare the impolite side ignores the offer, and the failing candidates for it quietly', async () => {
    const doctor = side('doctor', false);
    const making = doctor.negotiation.onNegotiationNeeded();
    await doctor.negotiation.onRemoteDescription({ type: 'offer', sdp: 'offer:patient' });
    expect(doctor.negotiation.isIgnoringOffer).toBe(true);
    await doctor.negotiation.onRemoteCandidate(candidate);
    await making;
    expect(doctor.pc.history).toEqual(['offered']);
    expect(doctor.pc.signalingState).toBe('have-local-offer');
    expect(doctor.errors).toEqual([]);
  });

  it('stays quiet about a candidate of the ignored offer that fails after the answer arrived', async () => {
    const doctor = side('doctor', false);
    await doctor.negotiation.onNegotiationNeeded();
    const ignored = doctor.negotiation.onRemoteDescription({ type: 'offer', sdp: 'offer:patient' });
    const stale = doctor.negotiation.onRemoteCandidate(candidate);
    const answer = doctor.negotiation.onRemoteDescription({ type: 'answer', sdp: 'answer:patient' });
    const fresh = doctor.negotiation.onRemoteCandidate(candidate);
    await Promise.all([ignored, stale, answer, fresh]);
    expect(doctor.negotiation.isIgnoringOffer).toBe(false);
    expect(doctor.pc.candidates).toEqual([candidate]);
    expect(doctor.errors).toEqual([]);
  });

  it('on glare the polite side rolls back, takes the offer and answers', async () => {
    const patient = side('patient', true);
    const making = patient.negotiation.onNegotiationNeeded();
    const applying = patient.negotiation.onRemoteDescription({ type: 'offer', sdp: 'offer:doctor' });
    const adding = patient.negotiation.onRemoteCandidate(candidate);
    await Promise.all([making, applying, adding]);
    expect(patient.pc.history).toEqual(['offered', 'rolled back', 'remote offer:doctor', 'answered']);
    expect(patient.sent.map((m) => m.type)).toEqual(['offer', 'answer']);
    expect(patient.pc.candidates).toEqual([candidate]);
    expect(patient.pc.signalingState).toBe('stable');
    expect(patient.errors).toEqual([]);
  });

  it('accepts an offer that arrives while its own answer is being applied', async () => {
    const doctor = side('doctor', false);
    await doctor.negotiation.onNegotiationNeeded();
    const applying = doctor.negotiation.onRemoteDescription({ type: 'answer', sdp: 'answer:patient' });
    const next = doctor.negotiation.onRemoteDescription({ type: 'offer', sdp: 'offer:patient:2' });
    await Promise.all([applying, next]);
    expect(doctor.negotiation.isIgnoringOffer).toBe(false);
    expect(doctor.pc.history).toEqual([
      'offered',
      'remote answer:patient',
      'remote offer:patient:2',
      'answered',
    ]);
  });

  it('reports candidate errors when not ignoring an offer, and skips end-of-candidates', async () => {
    const patient = side('patient', true);
    await patient.negotiation.onRemoteCandidate(null);
    expect(patient.errors).toEqual([]);
    await patient.negotiation.onRemoteCandidate(candidate);
    expect(patient.errors).toEqual([expect.objectContaining({ name: 'InvalidStateError' })]);
  });

  it('trickles local candidates in the protocol shape', () => {
    const doctor = side('doctor', false);
    const browserCandidate = {
      toJSON: () => ({ ...candidate, usernameFragment: 'abcd' }),
    } as unknown as RTCIceCandidate;
    doctor.negotiation.onLocalCandidate(browserCandidate);
    doctor.negotiation.onLocalCandidate(null);
    expect(doctor.sent).toEqual([
      { type: 'ice-candidate', candidate: { ...candidate, usernameFragment: 'abcd' } },
      { type: 'ice-candidate', candidate: null },
    ]);
  });

  it('sends nothing after close', async () => {
    const doctor = side('doctor', false);
    doctor.negotiation.close();
    await doctor.negotiation.onNegotiationNeeded();
    doctor.negotiation.onLocalCandidate(null);
    await doctor.negotiation.onRemoteDescription({ type: 'offer', sdp: 'x' });
    expect(doctor.sent).toEqual([]);
    expect(doctor.pc.history).toEqual([]);
  });

  it('rewrites remote descriptions before applying them and says when an exchange completed', async () => {
    const pc = new FakePeerConnection('doctor', {}, noHandlers);
    const sent: NegotiationMessage[] = [];
    const negotiated: string[] = [];
    const doctor = new PerfectNegotiation({
      pc,
      polite: false,
      send: (m) => sent.push(m),
      onError: (e) => {
        throw e;
      },
      transformRemoteSdp: (sdp) => `${sdp}+tuned`,
      onNegotiated: () => negotiated.push(pc.signalingState),
    });
    await doctor.onNegotiationNeeded();
    expect(negotiated).toEqual([]);
    await doctor.onRemoteDescription({ type: 'answer', sdp: 'answer:patient' });
    expect(pc.remoteDescription?.sdp).toBe('answer:patient+tuned');
    expect(negotiated).toEqual(['stable']);
    await doctor.onRemoteDescription({ type: 'offer', sdp: 'offer:patient' });
    expect(sent.at(-1)).toMatchObject({ type: 'answer' });
    expect(negotiated).toEqual(['stable', 'stable']);
  });
});
