import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, type ServerMessage } from '../../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../../src/protocol/version.js';
import type { StreamRead } from '../../src/server/bus/bus.js';
import { MemoryBus } from '../../src/server/bus/memory-bus.js';
import type { World } from '../support/fixtures.js';
import type { Agent, TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const SDP = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n${'a=x\r\n'.repeat(500)}`;

/** A memory bus that can run something just before the next stream read: a join racing a relay. */
class HookedBus extends MemoryBus {
  beforeRead: (() => Promise<void>) | null = null;

  override async readStream(stream: string, afterSeq: number): Promise<StreamRead> {
    const hook = this.beforeRead;
    this.beforeRead = null;
    if (hook) await hook();
    return super.readStream(stream, afterSeq);
  }
}

describe.each(testDatabases())('signaling protocol on $name', (database) => {
  const setup = useWorld({ database, hubLimits: { reconnectGraceMs: 300 } });
  let bus: HookedBus;
  let server: TestServer;
  let world: World;
  let agents: Record<'doctor' | 'patient' | 'admin' | 'otherDoctor' | 'otherPatient', Agent>;

  /**
   * Opens a socket for a party. A patient of an active call first gets its call cookie (S16), as the
   * call page does; the doctor got one from start.
   */
  const connect = async (who: keyof typeof agents) => {
    const appointmentId = who.startsWith('other') ? world.otherAppointment.id : world.appointment.id;
    if ((who === 'patient' || who === 'otherPatient') && !agents[who].callCookie) {
      await agents[who].request('POST', `/api/appointments/${appointmentId}/call/join`, {});
    }
    return setup.socket(agents[who]);
  };
  const start = (who: 'doctor' | 'otherDoctor', appointmentId: string) =>
    agents[who].request('POST', `/api/appointments/${appointmentId}/call/start`, {});

  beforeEach(async () => {
    bus = new HookedBus();
    ({ server, world } = await setup.open({ bus }));
    agents = await setup.signInAll('doctor', 'patient', 'admin', 'otherDoctor', 'otherPatient');
  });

  it('S2 the first message is welcome with the protocol version and the user', async () => {
    const s = await agents.patient.socket();
    setup.track(s);
    const w = await s.next('welcome');
    expect(w).toEqual({
      type: 'welcome',
      v: PROTOCOL_VERSION,
      user: { id: world.patient.id, role: 'patient', displayName: 'Patient A' },
    });
  });

  it('S3 a frame over 64 KiB closes the socket with 1009', async () => {
    const s = await connect('patient');
    s.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect((await s.closed()).code).toBe(1009);
  });

  it('S3 a binary frame is refused with an error', async () => {
    const s = await connect('patient');
    s.ws.send(Buffer.from([1, 2, 3]));
    expect(await s.next('error')).toMatchObject({ code: 'bad_request' });
  });

  it('S4 invalid JSON, unknown types and bad shapes each get their error code, echoing the id', async () => {
    const s = await connect('patient');
    s.send('{not json');
    expect(await s.next('error')).toMatchObject({ code: 'invalid_json' });
    s.send({ type: 'teleport', id: 'a1' });
    expect(await s.next('error')).toMatchObject({ code: 'unknown_message', id: 'a1' });
    s.send({ type: 'offer', id: 'a2' });
    expect(await s.next('error')).toMatchObject({ code: 'validation_failed', id: 'a2' });
    s.send({ type: 'offer', id: 'a3', sdp: 'x', from: { userId: 'someone-else' } });
    expect(await s.next('error')).toMatchObject({ code: 'validation_failed', id: 'a3' });
  });

  it('S5 a message with an id gets exactly one reply with that id', async () => {
    const s = await connect('patient');
    expect(await s.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const r = await s.call({ type: 'subscribe', appointmentId: world.appointment.id });
    expect(r.type).toBe('ack');
  });

  it('S6 subscribe: parties and the same hospital’s admin only; admins get call status but never chat', async () => {
    const outsider = await connect('otherDoctor');
    expect(await outsider.call({ type: 'subscribe', appointmentId: world.appointment.id })).toMatchObject({
      type: 'error',
      code: 'not_party',
    });
    const admin = await connect('admin');
    expect((await admin.call({ type: 'subscribe', appointmentId: world.appointment.id })).type).toBe('ack');
    await admin.next('call-status');
    const doctor = await connect('doctor');
    await doctor.call({ type: 'subscribe', appointmentId: world.appointment.id });
    const patient = await connect('patient');
    await patient.call({
      type: 'chat',
      appointmentId: world.appointment.id,
      clientId: 'k1',
      body: 'secret symptom',
    });
    expect((await doctor.next('chat')).message.body).toBe('secret symptom');
    await start('doctor', world.appointment.id);
    expect((await admin.next('call-status', (m) => m.call.status === 'waiting')).call.appointmentId).toBe(
      world.appointment.id,
    );
    expect(admin.received.filter((m) => m.type === 'chat')).toEqual([]);
  });

  it('S7 chat is stored before the ack, the ack carries the stored message, retries are not stored twice', async () => {
    const patient = await connect('patient');
    const doctor = await connect('doctor');
    await doctor.call({ type: 'subscribe', appointmentId: world.appointment.id });
    const ack = await patient.call({
      type: 'chat',
      appointmentId: world.appointment.id,
      clientId: 'same',
      body: '<img src=x onerror=alert(1)>',
    });
    if (ack.type !== 'ack' || !ack.message) throw new Error('expected an ack with the message');
    const stored = await server.ctx.store.chat.list(world.appointment.id, { limit: 10 });
    expect(stored).toEqual([ack.message]);
    expect(ack.message.body).toBe('<img src=x onerror=alert(1)>');
    const again = await patient.call({
      type: 'chat',
      appointmentId: world.appointment.id,
      clientId: 'same',
      body: '<img src=x onerror=alert(1)>',
    });
    expect(again).toMatchObject({ type: 'ack', message: { id: ack.message.id } });
    expect(await server.ctx.store.chat.list(world.appointment.id, { limit: 10 })).toHaveLength(1);
    expect((await doctor.next('chat')).message).toEqual(ack.message);
  });

  it('S7 chat to an appointment you are not party to is refused and not stored', async () => {
    const s = await connect('otherPatient');
    // Being a party of one appointment on this socket (checked once, then remembered) admits to that one only.
    await s.call({ type: 'subscribe', appointmentId: world.otherAppointment.id });
    expect(
      await s.call({ type: 'chat', appointmentId: world.otherAppointment.id, clientId: 'own', body: 'hi' }),
    ).toMatchObject({ type: 'ack', message: { body: 'hi' } });
    expect(
      await s.call({ type: 'chat', appointmentId: 'no-such-appointment', clientId: 'y', body: 'hi' }),
    ).toMatchObject({ code: 'not_found' });
    expect(
      await s.call({ type: 'chat', appointmentId: world.appointment.id, clientId: 'x', body: 'hi' }),
    ).toMatchObject({ code: 'not_party' });
    const admin = await connect('admin');
    // An admin may watch the call's status (S6), which does not make it a party.
    await admin.call({ type: 'subscribe', appointmentId: world.appointment.id });
    expect(
      await admin.call({ type: 'chat', appointmentId: world.appointment.id, clientId: 'x', body: 'hi' }),
    ).toMatchObject({ code: 'wrong_role' });
    expect(await server.ctx.store.chat.list(world.appointment.id, { limit: 10 })).toEqual([]);
  });

  it('S8 join needs a started call, a party role; the second party in makes the call in_progress', async () => {
    const early = await connect('patient');
    expect(await early.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      code: 'call_not_active',
    });
    await start('doctor', world.appointment.id);
    // S16: a socket opened before the call cookie existed cannot join; a new one can.
    expect(await early.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      code: 'call_grant_required',
    });
    const patient = await connect('patient');
    const admin = await connect('admin');
    expect(await admin.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      code: 'wrong_role',
    });
    const intruder = await connect('otherDoctor');
    expect(await intruder.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      code: 'not_party',
    });

    const doctor = await connect('doctor');
    await doctor.call({ type: 'join', appointmentId: world.appointment.id });
    const dj = await doctor.next('joined');
    expect(dj.peers).toEqual([]);
    expect((await server.ctx.store.appointments.get(world.appointment.id))?.video_call_status).toBe(
      'waiting',
    );
    await patient.call({ type: 'join', appointmentId: world.appointment.id });
    const pj = await patient.next('joined');
    expect(pj.peers).toEqual([{ userId: world.doctor.id, role: 'doctor', displayName: 'Dr. A' }]);
    expect((await doctor.next('peer-joined')).peer).toEqual({
      userId: world.patient.id,
      role: 'patient',
      displayName: 'Patient A',
    });
    const a = await server.ctx.store.appointments.get(world.appointment.id);
    expect(a?.video_call_status).toBe('in_progress');
    const sessions = await server.ctx.store.callSessions.listForAppointment(world.appointment.id);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.connected_at).not.toBeNull();
    expect(sessions[0]?.doctor_joined_at).not.toBeNull();
    expect(sessions[0]?.patient_joined_at).not.toBeNull();
  });

  it('S8 both parties joining at the same instant still makes the call in_progress', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    d.send({ type: 'join', appointmentId: world.appointment.id });
    p.send({ type: 'join', appointmentId: world.appointment.id });
    const [dj, pj] = await Promise.all([d.next('joined'), p.next('joined')]);
    expect(dj.peers.length + pj.peers.length).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect((await server.ctx.store.appointments.get(world.appointment.id))?.video_call_status).toBe(
      'in_progress',
    );
  });

  it('S8 a join that does not change the call status writes only its call session (and its audit entry); a status change is audited with it', async () => {
    await start('doctor', world.appointment.id);
    const version = async () => (await server.ctx.store.appointments.get(world.appointment.id))?.version;
    const joinAudits = async () =>
      (await server.ctx.store.audit.list({ appointmentId: world.appointment.id })).filter(
        (e) => e.action === 'call.join',
      );
    const before = await version();
    const doctor = await connect('doctor');
    await doctor.call({ type: 'join', appointmentId: world.appointment.id });
    // The first party into a waiting call: the session records it, the appointment is untouched.
    expect(await version()).toBe(before);
    const [session] = await server.ctx.store.callSessions.listForAppointment(world.appointment.id);
    expect(session?.doctor_joined_at).not.toBeNull();
    // Every entry into the room is in the audit trail (docs/audit.md), this one too.
    const waitingJoin = JSON.stringify({ from: 'waiting', to: 'waiting' });
    expect((await joinAudits()).map((e) => [e.actor_id, e.detail])).toEqual([[world.doctor.id, waitingJoin]]);

    // The audit record commits with the change or not at all: a failing audit write undoes the join's
    // status change, and the retried join makes it once.
    const audit = server.ctx.store.audit;
    const record = audit.record.bind(audit);
    audit.record = async () => {
      throw new Error('audit store unavailable');
    };
    const patient = await connect('patient');
    await patient.call({ type: 'join', appointmentId: world.appointment.id }).catch(() => undefined);
    audit.record = record;
    expect((await server.ctx.store.appointments.get(world.appointment.id))?.video_call_status).toBe(
      'waiting',
    );
    expect(await version()).toBe(before);
    const again = await connect('patient');
    await again.call({ type: 'join', appointmentId: world.appointment.id });
    const after = await server.ctx.store.appointments.get(world.appointment.id);
    expect(after?.video_call_status).toBe('in_progress');
    expect(after?.version).toBe((before ?? 0) + 1);
    expect((await joinAudits()).map((e) => e.detail)).toEqual([
      waitingJoin,
      JSON.stringify({ from: 'waiting', to: 'in_progress' }),
    ]);

    // Rejoining a call in progress (a second tab) leaves the appointment as it is.
    const tab = await connect('doctor');
    await tab.call({ type: 'join', appointmentId: world.appointment.id });
    expect(await version()).toBe(after?.version);
    expect((await joinAudits()).map((e) => e.detail)).toHaveLength(3);
  });

  it('S8 a join decided on a read from before the call ended is refused, and neither that call nor the next one is touched', async () => {
    await start('doctor', world.appointment.id);
    const stale = await server.ctx.store.appointments.get(world.appointment.id);
    const [session] = await server.ctx.store.callSessions.listForAppointment(world.appointment.id);
    if (!stale || !session) throw new Error('no call');
    await agents.doctor.request('POST', `/api/appointments/${world.appointment.id}/call/end`, {
      reason: 'hung_up',
    });
    await expect(
      server.ctx.calls.joined(world.patient.id, world.appointment.id, 'patient', false, {
        appointment: stale,
        session,
      }),
    ).rejects.toMatchObject({ code: 'call_not_active' });
    const [ended] = await server.ctx.store.callSessions.listForAppointment(world.appointment.id);
    expect(ended?.patient_joined_at).toBeNull();
    expect(ended?.last_presence_at).toBe(session.last_presence_at);

    // The doctor starts the call again: the stale join must not land in the new call either.
    await start('doctor', world.appointment.id);
    await expect(
      server.ctx.calls.joined(world.patient.id, world.appointment.id, 'patient', false, {
        appointment: stale,
        session,
      }),
    ).rejects.toMatchObject({ code: 'call_not_active' });
    const sessions = await server.ctx.store.callSessions.listForAppointment(world.appointment.id);
    expect(sessions).toHaveLength(2);
    expect(sessions.map((s) => s.patient_joined_at)).toEqual([null, null]);
  });

  it('S5 messages of one socket are handled in order: an offer sent right after join is relayed', async () => {
    await start('doctor', world.appointment.id);
    const d = await connect('doctor');
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    const p = await connect('patient');
    p.send({ type: 'join', appointmentId: world.appointment.id });
    p.send({ type: 'offer', sdp: SDP, id: 'o1' });
    expect(await p.next('ack', (m) => m.id === 'o1')).toBeTruthy();
    expect((await d.next('offer')).from.role).toBe('patient');
  });

  it('S9 relayed messages reach only the other party of the same room, stamped by the server', async () => {
    await start('doctor', world.appointment.id);
    await start('otherDoctor', world.otherAppointment.id);
    const [d, p, d2, p2] = await Promise.all([
      connect('doctor'),
      connect('patient'),
      connect('otherDoctor'),
      connect('otherPatient'),
    ]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    await d2.call({ type: 'join', appointmentId: world.otherAppointment.id });
    await p2.call({ type: 'join', appointmentId: world.otherAppointment.id });
    expect(await p.call({ type: 'offer', sdp: SDP })).toMatchObject({ type: 'ack' });
    const offer = await d.next('offer');
    expect(offer).toEqual({
      type: 'offer',
      sdp: SDP,
      from: { userId: world.patient.id, role: 'patient', displayName: 'Patient A' },
      seq: expect.any(Number),
    });
    const candidates = Array.from({ length: 20 }, (_, i) => ({
      candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host`,
      sdpMid: '0',
      sdpMLineIndex: 0,
    }));
    for (const c of candidates) d.send({ type: 'ice-candidate', candidate: c });
    for (const c of candidates) expect((await p.next('ice-candidate')).candidate).toEqual(c);
    await d.call({ type: 'answer', sdp: SDP });
    await p.next('answer');
    await new Promise((r) => setTimeout(r, 100));
    for (const other of [d2, p2]) {
      expect(other.received.filter((m) => ['offer', 'answer', 'ice-candidate'].includes(m.type))).toEqual([]);
    }
    expect(d.received.filter((m) => m.type === 'offer' || m.type === 'ice-candidate')).toEqual([]);
  });

  it('S5 S9 a burst of relays sent without waiting arrives in order, each acked once, and a leave right after comes last', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    await d.next('peer-joined');
    const burst = [
      { type: 'media-state', audioMuted: false, videoOff: false },
      { type: 'offer', sdp: SDP },
      ...Array.from({ length: 20 }, (_, i) => ({
        type: 'ice-candidate',
        candidate: { candidate: `candidate:${i} 1 udp 1 127.0.0.1 ${50000 + i} typ host`, sdpMid: '0' },
      })),
      { type: 'ice-candidate', candidate: null },
      { type: 'media-state', audioMuted: true, videoOff: false },
      { type: 'screen-share', active: true },
    ];
    for (const [i, m] of burst.entries()) d.send({ ...m, id: `b${i}` });
    d.send({ type: 'leave', id: 'bye' });
    const relayedTypes = ['offer', 'ice-candidate', 'media-state', 'screen-share', 'peer-left'];
    const got: ServerMessage[] = [];
    for (let i = 0; i <= burst.length; i++) {
      got.push(await p.nextWhere((m) => relayedTypes.includes(m.type), 'a relay or peer-left'));
    }
    const asSent = (m: ServerMessage) => {
      const { seq: _seq, from: _from, ...rest } = m as ServerMessage & { seq?: number; from?: unknown };
      return rest;
    };
    expect(got.slice(0, -1).map(asSent)).toEqual(burst);
    expect(got.at(-1)?.type).toBe('peer-left');
    const seqs = got.map((m) => (m as { seq: number }).seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
    for (const id of [...burst.map((_, i) => `b${i}`), 'bye']) await d.next('ack', (m) => m.id === id);
    expect(d.received.filter((m) => m.type === 'error' || m.type === 'ack')).toEqual([]);
  });

  it('S17 what the other party relays while a party is joining follows its joined; what came before does not', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    expect(await d.call({ type: 'offer', sdp: 'v=0 before' })).toMatchObject({ type: 'ack' });
    // The patient's presence is claimed, its stream not yet read: the doctor can already see it and offer.
    bus.beforeRead = async () => {
      expect(await d.call({ type: 'offer', sdp: 'v=0 during' })).toMatchObject({ type: 'ack' });
    };
    expect(await p.call({ type: 'join', appointmentId: world.appointment.id })).toMatchObject({
      type: 'ack',
    });
    const joined = await p.next('joined');
    const offer = await p.next('offer');
    expect(offer.sdp).toBe('v=0 during');
    expect(offer.seq).toBe(joined.lastSeq + 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(p.received.filter((m) => m.type === 'offer')).toEqual([]);
  });

  it('S25 media-state carries each device’s status to the other party; an unknown status is refused and not relayed', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    await d.next('peer-joined');
    // A patient whose browser blocked both devices joins receive-only, then turns the microphone on.
    const receiveOnly = {
      type: 'media-state',
      audioMuted: true,
      videoOff: true,
      microphone: 'blocked',
      camera: 'blocked',
    } as const;
    expect(await p.call(receiveOnly)).toMatchObject({ type: 'ack' });
    expect(await d.next('media-state')).toEqual({
      ...receiveOnly,
      from: { userId: world.patient.id, role: 'patient', displayName: 'Patient A' },
      seq: expect.any(Number),
    });
    const refused = await p.call({
      type: 'media-state',
      audioMuted: false,
      videoOff: true,
      microphone: 'exploded',
      camera: 'blocked',
    });
    expect(refused).toMatchObject({ type: 'error', code: 'validation_failed' });
    // A client from before S25 sends neither field; it is relayed as sent.
    expect(await p.call({ type: 'media-state', audioMuted: false, videoOff: false })).toMatchObject({
      type: 'ack',
    });
    // The next relayed media-state is this one: the refused one never reached the doctor.
    const older = await d.next('media-state');
    expect(older).not.toHaveProperty('microphone');
    expect(older).not.toHaveProperty('camera');
    expect(d.received.filter((m) => m.type === 'media-state')).toEqual([]);
  });

  it('S9 relaying before joining a room is refused', async () => {
    const s = await connect('doctor');
    expect(await s.call({ type: 'offer', sdp: SDP })).toMatchObject({ code: 'not_in_room' });
  });

  it('S10 only the doctor may signal screen sharing', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    expect(await p.call({ type: 'screen-share', active: true })).toMatchObject({ code: 'wrong_role' });
    expect(await d.call({ type: 'screen-share', active: true })).toMatchObject({ type: 'ack' });
    expect(await p.next('screen-share')).toMatchObject({ active: true, from: { role: 'doctor' } });
  });

  it('S10 the appointment’s screenSharingActive follows the doctor’s share, and its departure clears it', async () => {
    const id = world.appointment.id;
    const sharing = async () =>
      (
        (await agents.doctor.request('GET', `/api/appointments/${id}`)).body as {
          appointment: { screenSharingActive: boolean };
        }
      ).appointment.screenSharingActive;
    await start('doctor', id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: id });
    await p.call({ type: 'join', appointmentId: id });
    expect(await sharing()).toBe(false);
    // A refused share from the patient changes nothing.
    expect(await p.call({ type: 'screen-share', active: true })).toMatchObject({ code: 'wrong_role' });
    expect(await sharing()).toBe(false);
    await d.call({ type: 'screen-share', active: true });
    expect(await sharing()).toBe(true);
    await d.call({ type: 'screen-share', active: false });
    expect(await sharing()).toBe(false);
    await d.call({ type: 'screen-share', active: true });
    await d.call({ type: 'leave' });
    await p.next('peer-left');
    expect(await sharing()).toBe(false);
    await d.call({ type: 'join', appointmentId: id });
    await d.call({ type: 'screen-share', active: true });
    await agents.doctor.request('POST', `/api/appointments/${id}/call/end`, { reason: 'hung_up' });
    expect(await sharing()).toBe(false);
  });

  it('S11 ending the call tells both sides, stores the duration, and closes the room', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    await new Promise((r) => setTimeout(r, 1100));
    const r = await agents.doctor.request('POST', `/api/appointments/${world.appointment.id}/call/end`, {});
    expect(r.status).toBe(200);
    for (const s of [d, p]) {
      const status = await s.next('call-status', (m) => m.call.status === 'ended');
      expect(status.call.durationSeconds).toBeGreaterThanOrEqual(1);
    }
    const a = await server.ctx.store.appointments.get(world.appointment.id);
    expect(a?.video_call_status).toBe('ended');
    expect(a?.call_duration_seconds).toBeGreaterThanOrEqual(1);
    const [session] = await server.ctx.store.callSessions.listForAppointment(world.appointment.id);
    expect(session).toMatchObject({ end_reason: 'hung_up', ended_by: world.doctor.id });
    await new Promise((r2) => setTimeout(r2, 50));
    expect(await d.call({ type: 'offer', sdp: SDP })).toMatchObject({ code: 'not_in_room' });
    const again = await agents.doctor.request(
      'POST',
      `/api/appointments/${world.appointment.id}/call/end`,
      {},
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: 'call_not_active' } });
  });

  it('S11 a doctor may restart an ended call: a new session and a new room', async () => {
    const first = (await start('doctor', world.appointment.id)).body as { call: { roomId: string } };
    await agents.doctor.request('POST', `/api/appointments/${world.appointment.id}/call/end`, {});
    const second = (await start('doctor', world.appointment.id)).body as {
      call: { roomId: string; status: string };
    };
    expect(second.call.status).toBe('waiting');
    expect(second.call.roomId).not.toBe(first.call.roomId);
    expect(await server.ctx.store.callSessions.listForAppointment(world.appointment.id)).toHaveLength(2);
  });

  it('S12 an ICE burst passes; a flood of 1,000 messages is refused and then closes the socket with 4008', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    for (let i = 0; i < 40; i++)
      d.send({ type: 'ice-candidate', candidate: { candidate: `c${i}`, sdpMid: '0', sdpMLineIndex: 0 } });
    for (let i = 0; i < 40; i++) await p.next('ice-candidate');
    expect(d.received.filter((m) => m.type === 'error')).toEqual([]);
    for (let i = 0; i < 1000; i++) d.send({ type: 'ping' });
    const closed = await d.closed();
    expect(closed.code).toBe(4008);
    expect(d.received.some((m) => m.type === 'error' && m.code === 'rate_limited')).toBe(true);
    expect((await server.ctx.store.appointments.get(world.appointment.id))?.video_call_status).toBe(
      'in_progress',
    );
  });

  it('S13 the same user joining from a second tab replaces the first cleanly', async () => {
    await start('doctor', world.appointment.id);
    const tab1 = await connect('doctor');
    await tab1.call({ type: 'join', appointmentId: world.appointment.id });
    const p = await connect('patient');
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    const tab2 = await connect('doctor');
    await tab2.call({ type: 'join', appointmentId: world.appointment.id });
    expect((await tab1.closed()).code).toBe(4009);
    expect((await tab2.next('joined')).peers.map((x) => x.role)).toEqual(['patient']);
    await p.call({ type: 'offer', sdp: SDP });
    await tab2.next('offer');
  });

  it('S15 leave tells the other party', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'leave' });
    expect((await d.next('peer-left')).peer.role).toBe('patient');
    expect(await p.call({ type: 'answer', sdp: SDP })).toMatchObject({ code: 'not_in_room' });
  });

  it('S15 a dropped connection counts as leaving once the reconnect grace is over', async () => {
    await start('doctor', world.appointment.id);
    const [d, p] = await Promise.all([connect('doctor'), connect('patient')]);
    await d.call({ type: 'join', appointmentId: world.appointment.id });
    await p.call({ type: 'join', appointmentId: world.appointment.id });
    p.ws.terminate();
    expect((await d.next('peer-left')).peer.role).toBe('patient');
  });
});
