import { beforeEach, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../src/protocol/close-codes.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { streams } from '../../src/server/realtime/envelope.js';
import type { World } from '../support/fixtures.js';
import type { Agent, SocketClient, TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const GRACE_MS = 1000;
const PENALTY_MS = 500;
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';
const candidate = (i: number) => ({
  candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seqOf = (m: ServerMessage): number | undefined => ('seq' in m ? m.seq : undefined);

describe.each(testDatabases())('resume and reconnection on $name', (database) => {
  const setup = useWorld({
    database,
    hubLimits: { reconnectGraceMs: GRACE_MS, burst: 1000, abusePenaltyMs: PENALTY_MS },
  });
  let server: TestServer;
  let world: World;
  let doctor: Agent;
  let patient: Agent;
  let roomId: string;

  const socket = (agent: Agent) => setup.socket(agent);
  /** Every message a socket receives from now on, including those a test consumes with next(). */
  const record = (s: SocketClient): ServerMessage[] => {
    const log: ServerMessage[] = [];
    s.ws.on('message', (data) => log.push(JSON.parse(data.toString()) as ServerMessage));
    return log;
  };
  const join = (s: SocketClient, resume?: { roomId: string; lastSeq: number }) =>
    s.call({ type: 'join', appointmentId: world.appointment.id, ...(resume ? { resume } : {}) });
  const patientStream = () => server.ctx.bus.readStream(streams.room(roomId, 'patient'), 0);

  /** Doctor and patient in the room; returns their sockets and the last seq the patient has seen. */
  const inRoom = async () => {
    const r = await doctor.request('POST', `/api/appointments/${world.appointment.id}/call/start`, {});
    roomId = (r.body as { call: { roomId: string } }).call.roomId;
    await patient.request('POST', `/api/appointments/${world.appointment.id}/call/join`, {});
    const d = await socket(doctor);
    await join(d);
    await d.next('joined');
    const p = await socket(patient);
    await join(p);
    const joined = await p.next('joined');
    const status = await p.next('call-status', (m) => m.call.status === 'in_progress');
    await d.next('peer-joined');
    expect(status.seq).toBe(joined.lastSeq + 1);
    return { d, p, lastSeq: status.seq ?? 0 };
  };

  beforeEach(async () => {
    ({ server, world } = await setup.open());
    ({ doctor, patient } = await setup.signInAll('doctor', 'patient'));
  });

  it('S17 a resume within the grace replays exactly the missed messages, then live ones; the doctor sees no departure', async () => {
    const { d, p, lastSeq } = await inRoom();
    const doctorLog = record(d);
    const droppedAt = Date.now();
    p.ws.terminate();
    await d.call({ type: 'offer', sdp: SDP });
    for (let i = 0; i < 15; i++) await d.call({ type: 'ice-candidate', candidate: candidate(i) });

    const p2 = await socket(patient);
    const log = record(p2);
    await join(p2, { roomId, lastSeq });
    await d.call({ type: 'ice-candidate', candidate: candidate(99) });
    await p2.next('ice-candidate', (m) => m.candidate?.candidate === candidate(99).candidate);

    expect(log[0]).toMatchObject({ type: 'joined', resumed: true, lastSeq, roomId });
    const sequenced = log.filter((m) => seqOf(m) !== undefined);
    expect(sequenced.map((m) => m.type)).toEqual(['offer', ...Array(16).fill('ice-candidate')]);
    expect(sequenced.map(seqOf)).toEqual(Array.from({ length: 17 }, (_, i) => lastSeq + 1 + i));
    expect(sequenced[0]).toMatchObject({ type: 'offer', sdp: SDP, from: { role: 'doctor' } });
    expect(
      sequenced.slice(1, 16).map((m) => (m.type === 'ice-candidate' ? m.candidate?.candidate : null)),
    ).toEqual(Array.from({ length: 15 }, (_, i) => candidate(i).candidate));

    // Past the grace the dropped socket's presence would have been released and announced.
    await sleep(Math.max(0, droppedAt + GRACE_MS + 200 - Date.now()));
    expect(doctorLog.filter((m) => m.type === 'peer-left' || m.type === 'peer-joined')).toEqual([]);
    expect(p2.received.filter((m) => m.type === 'error')).toEqual([]);
    await p2.call({ type: 'answer', sdp: SDP });
    expect((await d.next('answer')).from.role).toBe('patient');
  });

  it('S17 a client closing with 4000 (reconnecting) keeps its place: the resume continues, no departure is seen', async () => {
    const { d, p, lastSeq } = await inRoom();
    const doctorLog = record(d);
    const droppedAt = Date.now();
    p.ws.close(CLOSE_CODES.client_reconnecting, 'reconnecting');
    await d.call({ type: 'offer', sdp: SDP });
    const p2 = await socket(patient);
    const log = record(p2);
    await join(p2, { roomId, lastSeq });
    await p2.next('offer');
    expect(log[0]).toMatchObject({ type: 'joined', resumed: true, lastSeq });
    await sleep(Math.max(0, droppedAt + GRACE_MS + 200 - Date.now()));
    expect(doctorLog.filter((m) => m.type === 'peer-left' || m.type === 'peer-joined')).toEqual([]);
  });

  it('S17 a resume naming another room is refused: resumed false, lastSeq is the head, nothing replayed', async () => {
    const { d, p, lastSeq } = await inRoom();
    p.ws.terminate();
    await d.call({ type: 'offer', sdp: SDP });
    const p2 = await socket(patient);
    const log = record(p2);
    expect(await join(p2, { roomId: 'some-other-room', lastSeq })).toMatchObject({ type: 'ack' });
    const { head } = await patientStream();
    expect(head).toBe(lastSeq + 1);
    expect(log.map((m) => m.type)).toEqual(['joined', 'ack']);
    expect(log[0]).toMatchObject({ resumed: false, lastSeq: head });
    expect((await d.next('peer-joined')).peer.role).toBe('patient');
  });

  it('S17 a resume after more than 256 missed messages is refused with the current lastSeq', async () => {
    const { d, p, lastSeq } = await inRoom();
    p.ws.terminate();
    for (let i = 0; i < 299; i++) d.send({ type: 'ice-candidate', candidate: candidate(i) });
    expect(await d.call({ type: 'ice-candidate', candidate: candidate(299) })).toMatchObject({ type: 'ack' });
    const stored = await patientStream();
    expect(stored.head).toBe(lastSeq + 300);
    expect(stored.entries).toHaveLength(256);

    const p2 = await socket(patient);
    const log = record(p2);
    await join(p2, { roomId, lastSeq });
    expect(log.map((m) => m.type)).toEqual(['joined', 'ack']);
    expect(log[0]).toMatchObject({ resumed: false, lastSeq: stored.head });
    await d.call({ type: 'ice-candidate', candidate: candidate(1000) });
    expect(seqOf(await p2.next('ice-candidate'))).toBe(stored.head + 1);
  });

  it('S17 ack trims the stream up to the acknowledged seq, never past what was delivered', async () => {
    const { d, p, lastSeq } = await inRoom();
    for (let i = 0; i < 5; i++) await d.call({ type: 'ice-candidate', candidate: candidate(i) });
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push(seqOf(await p.next('ice-candidate')) ?? -1);
    expect(seqs).toEqual([1, 2, 3, 4, 5].map((n) => lastSeq + n));
    const before = await patientStream();
    expect(before.entries.map((e) => e.seq)).toEqual(Array.from({ length: lastSeq + 5 }, (_, i) => i + 1));

    p.send({ type: 'ack', seq: lastSeq + 3 });
    await p.call({ type: 'ping' });
    const after = await patientStream();
    expect(after.head).toBe(before.head);
    expect(after.entries.map((e) => e.seq)).toEqual([lastSeq + 4, lastSeq + 5]);

    p.send({ type: 'ack', seq: lastSeq + 1000 });
    await p.call({ type: 'ping' });
    expect((await patientStream()).entries.map((e) => e.seq)).toEqual([lastSeq + 4, lastSeq + 5]);
    expect(p.received.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('S17 a rejoin without resume (a page reload) is announced to the other side with peer-joined', async () => {
    const { d, p } = await inRoom();
    const doctorLog = record(d);
    const droppedAt = Date.now();
    p.ws.terminate();
    const p2 = await socket(patient);
    await join(p2);
    expect(await p2.next('joined')).toMatchObject({ resumed: false, peers: [{ role: 'doctor' }] });
    expect((await d.next('peer-joined')).peer.userId).toBe(world.patient.id);
    await sleep(Math.max(0, droppedAt + GRACE_MS + 200 - Date.now()));
    expect(doctorLog.map((m) => m.type)).toEqual(['peer-joined']);

    p2.ws.close(1001);
    expect((await d.next('peer-left')).peer.role).toBe('patient');
    const p3 = await socket(patient);
    await join(p3);
    expect((await d.next('peer-joined')).peer.role).toBe('patient');
  });

  it('S17 a resume after the grace, once the doctor was told the patient left, is a fresh join', async () => {
    const { d, p, lastSeq } = await inRoom();
    p.ws.terminate();
    expect((await d.next('peer-left')).peer.role).toBe('patient');
    const p2 = await socket(patient);
    await join(p2, { roomId, lastSeq });
    expect(await p2.next('joined')).toMatchObject({ resumed: false });
    expect((await d.next('peer-joined')).peer.role).toBe('patient');
  });

  it('S17 a resume while the server still holds the old socket (half-open) replaces it and resumes', async () => {
    const { d, p, lastSeq } = await inRoom();
    const doctorLog = record(d);
    await d.call({ type: 'offer', sdp: SDP });
    const p2 = await socket(patient);
    const log = record(p2);
    await join(p2, { roomId, lastSeq });
    expect((await p.closed()).code).toBe(4009);
    expect(log[0]).toMatchObject({ type: 'joined', resumed: true, lastSeq });
    expect(log[1]).toMatchObject({ type: 'offer', seq: lastSeq + 1 });
    await p2.call({ type: 'answer', sdp: SDP });
    await d.next('answer');
    expect(doctorLog.filter((m) => m.type === 'peer-left' || m.type === 'peer-joined')).toEqual([]);
  });

  it('S17 a resume after a clean close, which the doctor saw as leaving, is a fresh join', async () => {
    const { d, p, lastSeq } = await inRoom();
    p.ws.close(1000);
    expect((await d.next('peer-left')).peer.role).toBe('patient');
    const p2 = await socket(patient);
    await join(p2, { roomId, lastSeq });
    expect(await p2.next('joined')).toMatchObject({ resumed: false });
    expect((await d.next('peer-joined')).peer.role).toBe('patient');
  });

  it('S21 a user closed for abuse (4008) may not open a socket or a fallback connection until the penalty ends', async () => {
    const { p } = await inRoom();
    for (let i = 0; i < 25; i++) p.send('{not json');
    expect((await p.closed()).code).toBe(4008);
    const refused = await patient.socket().catch((err: { status?: number; body?: string }) => err);
    expect(refused).toMatchObject({ status: 429 });
    expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ error: { code: 'rate_limited' } });
    const fallback = await patient.request('POST', '/api/signal', {});
    expect(fallback.status).toBe(429);
    // Someone else is not affected.
    await socket(doctor);
    await sleep(PENALTY_MS + 50);
    const again = await socket(patient);
    expect(await again.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
  });
});
