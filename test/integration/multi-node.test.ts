import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessageView, ServerMessage } from '../../src/protocol/messages.js';
import {
  type Balancer,
  ClusterAgent,
  type ClusterNode,
  createSharedDatabase,
  deleteClusterKeys,
  type SeededCall,
  type SharedDatabase,
  seedAppointment,
  seedCall,
  startBalancer,
  startNode,
} from '../support/cluster.js';
import type { SocketClient } from '../support/server.js';
import { postgresUrl, redisUrl, serviceAvailable } from '../support/suites.js';

// Both are evaluated (not short-circuited), so a missing service is reported, or fails under CARECALL_REQUIRE.
const services = [serviceAvailable('postgres'), serviceAvailable('redis')];
const available = services.every(Boolean);

type Relayed = Extract<ServerMessage, { seq: number }>;

const candidate = (n: number, from: string) => ({
  candidate: `candidate:${n} 1 udp ${2122260223 - n} 127.0.0.1 ${40000 + n} typ host generation 0 ufrag ${from}`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

function seqOf(m: ServerMessage): number {
  const seq = (m as { seq?: unknown }).seq;
  if (typeof seq !== 'number') throw new Error(`no seq on ${JSON.stringify(m)}`);
  return seq;
}

function kinds(messages: ServerMessage[], ...types: ServerMessage['type'][]): ServerMessage[] {
  return messages.filter((m) => types.includes(m.type));
}

describe.skipIf(!available)('S21 many nodes: two carecall processes on one PostgreSQL and one Redis', () => {
  let shared: SharedDatabase;
  let balancer: Balancer;
  let a: ClusterNode;
  let b: ClusterNode;
  let people: SeededCall;
  let call: SeededCall;
  const sockets: SocketClient[] = [];

  /** Every socket this test opened is closed afterwards; `seen` keeps what each one received, in order. */
  const seen = new Map<SocketClient, ServerMessage[]>();
  const open = async (agent: ClusterAgent, url?: string): Promise<SocketClient> => {
    const s = await agent.socket(agent.origin, url);
    sockets.push(s);
    const log: ServerMessage[] = [];
    seen.set(s, log);
    s.ws.on('message', (data) => log.push(JSON.parse(data.toString()) as ServerMessage));
    await s.next('welcome');
    return s;
  };
  const log = (s: SocketClient): ServerMessage[] => seen.get(s) ?? [];
  /** The highest seq this socket has received so far (what a client would resume from). */
  const lastSeq = (s: SocketClient) =>
    Math.max(0, ...log(s).flatMap((m) => ('seq' in m && typeof m.seq === 'number' ? [m.seq] : [])));

  /**
   * Signed in once per file: sign-in is limited to 10 a minute per IP, and with Redis that counter is
   * shared by every node (and every run against the same Redis). Sessions live in the shared database, so
   * they outlive the nodes of one test.
   */
  let parties: { doctor: ClusterAgent; patient: ClusterAgent } | null = null;
  const signIn = async (): Promise<{ doctor: ClusterAgent; patient: ClusterAgent }> => {
    parties ??= {
      doctor: await ClusterAgent.signInAt(a, balancer.origin, call.doctor.email),
      patient: await ClusterAgent.signInAt(b, balancer.origin, call.patient.email),
    };
    return parties;
  };

  /** Doctor starts on A, patient joins on B (HTTP); doctor's socket on A, patient's on B, both in the room. */
  const startCall = async () => {
    const { doctor, patient } = await signIn();
    const started = await doctor
      .via(a)
      .request('POST', `/api/appointments/${call.appointmentId}/call/start`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const roomId = (started.body as { call: { roomId: string } }).call.roomId;
    const joined = await patient
      .via(b)
      .request('POST', `/api/appointments/${call.appointmentId}/call/join`, {});
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(doctor.callCookie).not.toBe('');
    expect(patient.callCookie).not.toBe('');

    const d = await open(doctor.via(a));
    const p = await open(patient.via(b));
    for (const s of [d, p]) {
      expect(await s.call({ type: 'subscribe', appointmentId: call.appointmentId })).toMatchObject({
        type: 'ack',
      });
    }
    expect(await d.call({ type: 'join', appointmentId: call.appointmentId })).toMatchObject({ type: 'ack' });
    const dJoined = await d.next('joined');
    expect(await p.call({ type: 'join', appointmentId: call.appointmentId })).toMatchObject({ type: 'ack' });
    const pJoined = await p.next('joined');
    return { doctor, patient, d, p, roomId, dJoined, pJoined };
  };

  beforeAll(async () => {
    shared = await createSharedDatabase(postgresUrl() as string);
    people = await seedCall(shared.store);
    // One balancer (one public origin) for the file; each test points it at its own two nodes.
    balancer = await startBalancer([]);
  });
  afterAll(async () => {
    await balancer?.close();
    if (!shared) return;
    try {
      await deleteClusterKeys(redisUrl() as string, shared.store);
    } finally {
      await shared.drop();
    }
  });

  beforeEach(async (ctx) => {
    ctx.onTestFailed(() => {
      for (const node of [a, b]) process.stderr.write(`--- node ${node.name} output ---\n${node.logs()}\n`);
    });
    const env = { databaseUrl: shared.url, redisUrl: redisUrl() as string, publicOrigin: balancer.origin };
    [a, b] = await Promise.all([startNode({ name: 'A', ...env }), startNode({ name: 'B', ...env })]);
    balancer.setBackends([a.port, b.port]);
    call = await seedAppointment(shared.store, people);
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    seen.clear();
    await Promise.allSettled([a?.kill(), b?.kill()]);
  });

  it('S21 presence, relay with seq, chat, media state, leave and a second tab work across nodes', async () => {
    const { doctor, d, p, roomId, dJoined, pJoined } = await startCall();

    // Presence: the second to join sees the first, though they are on different nodes.
    expect(dJoined).toMatchObject({ roomId, peers: [], resumed: false });
    expect(pJoined).toMatchObject({
      roomId,
      self: { userId: call.patient.id, role: 'patient' },
      peers: [{ userId: call.doctor.id, role: 'doctor' }],
    });
    const peerJoined = await d.next('peer-joined');
    expect(peerJoined.peer).toMatchObject({ userId: call.patient.id, role: 'patient' });
    expect(peerJoined.seq).toBeGreaterThan(0);

    // S8: both connected makes the call in_progress, told on both nodes and reported by either over HTTP.
    for (const s of [d, p]) await s.next('call-status', (m) => m.call.status === 'in_progress', 5000);
    for (const node of [a, b]) {
      const status = await doctor
        .via(node)
        .request('GET', `/api/appointments/${call.appointmentId}/call/status`);
      expect(status.body).toMatchObject({ call: { status: 'in_progress', roomId } });
    }

    // S9 + S17: offer, answer and 15 ICE candidates each way, relayed between nodes with increasing seq.
    expect(await d.call({ type: 'offer', sdp: 'v=0 offer-from-A' })).toMatchObject({ type: 'ack' });
    const offer = await p.next('offer');
    expect(offer).toMatchObject({
      sdp: 'v=0 offer-from-A',
      from: { role: 'doctor', userId: call.doctor.id },
    });
    expect(await p.call({ type: 'answer', sdp: 'v=0 answer-from-B' })).toMatchObject({ type: 'ack' });
    const answer = await d.next('answer');
    expect(answer).toMatchObject({ sdp: 'v=0 answer-from-B', from: { role: 'patient' } });

    for (let i = 0; i < 15; i++) {
      d.send({ type: 'ice-candidate', candidate: candidate(i, 'doctor') });
      p.send({ type: 'ice-candidate', candidate: candidate(i, 'patient') });
    }
    for (const [receiver, sender, before] of [
      [p, 'doctor', offer.seq],
      [d, 'patient', answer.seq],
    ] as const) {
      const got: Relayed[] = [];
      for (let i = 0; i < 15; i++) got.push((await receiver.next('ice-candidate')) as Relayed);
      expect(got.map((m) => (m as { candidate: { candidate: string } }).candidate.candidate)).toEqual(
        Array.from({ length: 15 }, (_, i) => candidate(i, sender).candidate),
      );
      const seqs = got.map(seqOf);
      expect(seqs[0]).toBeGreaterThan(before);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1] as number) + 1);
      expect(got.every((m) => (m as { from: { role: string } }).from.role === sender)).toBe(true);
    }
    // Nothing is echoed to the sender.
    expect(kinds(log(d), 'offer')).toHaveLength(0);
    expect(kinds(log(p), 'answer')).toHaveLength(0);

    // S7: chat sent on A reaches B once and is stored once, even when the client retries the same clientId.
    const clientId = `c-${randomBytes(4).toString('hex')}`;
    const body = 'Sent through node A';
    const ack = await d.call({ type: 'chat', appointmentId: call.appointmentId, clientId, body });
    expect(ack).toMatchObject({ type: 'ack', message: { body, clientId } });
    const delivered = await p.next('chat');
    expect(delivered.message).toMatchObject({ body, senderId: call.doctor.id });
    const retry = await d.call({ type: 'chat', appointmentId: call.appointmentId, clientId, body });
    expect((retry as { message?: ChatMessageView }).message?.id).toBe(delivered.message.id);
    const history = await doctor.via(b).request('GET', `/api/appointments/${call.appointmentId}/messages`);
    const messages = (history.body as { messages: ChatMessageView[] }).messages;
    expect(messages.filter((m) => m.clientId === clientId)).toHaveLength(1);

    // Media state crosses nodes, patient (B) to doctor (A).
    expect(await p.call({ type: 'media-state', audioMuted: true, videoOff: false })).toMatchObject({
      type: 'ack',
    });
    expect(await d.next('media-state')).toMatchObject({
      audioMuted: true,
      videoOff: false,
      from: { role: 'patient' },
    });

    // S15 across nodes: the patient leaves on B, the doctor on A hears it; rejoining is heard too.
    expect(await p.call({ type: 'leave' })).toMatchObject({ type: 'ack' });
    expect((await d.next('peer-left')).peer).toMatchObject({ userId: call.patient.id, role: 'patient' });
    expect(await p.call({ type: 'join', appointmentId: call.appointmentId })).toMatchObject({ type: 'ack' });
    expect((await p.next('joined')).peers).toEqual([expect.objectContaining({ userId: call.doctor.id })]);
    expect((await d.next('peer-joined')).peer).toMatchObject({ role: 'patient' });

    // S13 across nodes: a second doctor tab on B replaces the tab on A, which is closed with 4009.
    const d2 = await open(doctor.via(b));
    const patientBefore = log(p).length;
    expect(await d2.call({ type: 'join', appointmentId: call.appointmentId })).toMatchObject({ type: 'ack' });
    expect((await d2.next('joined')).peers).toEqual([expect.objectContaining({ userId: call.patient.id })]);
    expect((await d.closed()).code).toBe(4009);
    // The new tab relays both ways; the patient was never told the doctor left.
    expect(await d2.call({ type: 'offer', sdp: 'v=0 offer-from-second-tab' })).toMatchObject({ type: 'ack' });
    expect(await p.next('offer', (m) => m.sdp === 'v=0 offer-from-second-tab')).toBeDefined();
    expect(await p.call({ type: 'answer', sdp: 'v=0 answer-to-second-tab' })).toMatchObject({ type: 'ack' });
    expect(await d2.next('answer')).toMatchObject({ sdp: 'v=0 answer-to-second-tab' });
    expect(kinds(log(p).slice(patientBefore), 'peer-left')).toEqual([]);
  });

  it('S5 S9 S21 a burst of mixed relays sent without waiting crosses Redis in order, and a leave right after comes last', async () => {
    const { d, p } = await startCall();
    await d.next('peer-joined');
    const burst = [
      { type: 'media-state', audioMuted: false, videoOff: false },
      { type: 'offer', sdp: 'v=0 burst-offer' },
      ...Array.from({ length: 20 }, (_, i) => ({ type: 'ice-candidate', candidate: candidate(i, 'doctor') })),
      { type: 'ice-candidate', candidate: null },
      { type: 'media-state', audioMuted: true, videoOff: false },
      { type: 'screen-share', active: true },
    ];
    for (const [i, m] of burst.entries()) d.send({ ...m, id: `b${i}` });
    d.send({ type: 'leave', id: 'bye' });
    const types: ServerMessage['type'][] = [
      'offer',
      'ice-candidate',
      'media-state',
      'screen-share',
      'peer-left',
    ];
    const got: ServerMessage[] = [];
    for (let i = 0; i <= burst.length; i++) {
      got.push(await p.nextWhere((m) => types.includes(m.type), 'a relay or peer-left', 5000));
    }
    const asSent = (m: ServerMessage) => {
      const { seq: _seq, from: _from, ...rest } = m as ServerMessage & { seq?: number; from?: unknown };
      return rest;
    };
    expect(got.slice(0, -1).map(asSent)).toEqual(burst);
    expect(got.at(-1)?.type).toBe('peer-left');
    const seqs = got.map(seqOf);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
    for (const id of [...burst.map((_, i) => `b${i}`), 'bye']) await d.next('ack', (m) => m.id === id, 5000);
    expect(kinds(d.received, 'error')).toEqual([]);
  });

  it('S17 S21 after its node is SIGKILLed, the doctor resumes on the other node and misses nothing', {
    timeout: 40_000,
  }, async () => {
    const { doctor, patient, d, p, roomId } = await startCall();
    await d.next('peer-joined');
    await d.next('call-status', (m) => m.call.status === 'in_progress' && m.seq !== undefined, 5000);

    // Some traffic before the failure; the doctor acknowledges what it has, as the client does.
    for (let i = 0; i < 3; i++) p.send({ type: 'ice-candidate', candidate: candidate(i, 'before') });
    for (let i = 0; i < 3; i++) await d.next('ice-candidate');
    const before = await d.call({
      type: 'chat',
      appointmentId: call.appointmentId,
      clientId: 'chat-before-kill',
      body: 'before the failure',
    });
    expect(before).toMatchObject({ type: 'ack' });
    await p.next('chat');
    const resumeFrom = lastSeq(d);
    expect(resumeFrom).toBeGreaterThan(0);
    d.send({ type: 'ack', seq: resumeFrom });
    // A ping after the ack: once it is answered, node A has trimmed the stream.
    expect(await d.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const patientBefore = log(p).length;

    await a.kill();
    expect((await d.closed()).code).toBe(1006);

    // While the doctor is away the patient keeps trickling candidates and chatting, on node B.
    for (let i = 0; i < 3; i++) {
      expect(await p.call({ type: 'ice-candidate', candidate: candidate(i, 'during') })).toMatchObject({
        type: 'ack',
      });
    }
    const during = await p.call({
      type: 'chat',
      appointmentId: call.appointmentId,
      clientId: 'chat-during-outage',
      body: 'sent while node A was down',
    });
    expect(during).toMatchObject({ type: 'ack' });

    // The doctor's client reconnects through the balancer, which can only reach B now.
    const forwardedBefore = balancer.forwarded.length;
    const d2 = await open(doctor, `ws://127.0.0.1:${balancer.port}/ws`);
    expect(balancer.forwarded.slice(forwardedBefore)).toEqual([b.port]);
    expect(
      await d2.call({
        type: 'join',
        appointmentId: call.appointmentId,
        resume: { roomId, lastSeq: resumeFrom },
      }),
    ).toMatchObject({ type: 'ack' });
    expect(await d2.next('joined')).toMatchObject({
      roomId,
      resumed: true,
      lastSeq: resumeFrom,
      peers: [expect.objectContaining({ userId: call.patient.id })],
    });
    // A live message after the resume continues the same sequence.
    expect(await p.call({ type: 'ice-candidate', candidate: candidate(3, 'during') })).toMatchObject({
      type: 'ack',
    });
    await d2.next('ice-candidate', (m) => m.candidate?.candidate === candidate(3, 'during').candidate);
    const replayed = kinds(
      log(d2),
      'ice-candidate',
      'peer-joined',
      'peer-left',
      'call-status',
      'offer',
      'answer',
    );
    expect(replayed.map((m) => (m as { candidate: { candidate: string } }).candidate?.candidate)).toEqual(
      [0, 1, 2, 3].map((i) => candidate(i, 'during').candidate),
    );
    expect(replayed.map(seqOf)).toEqual([1, 2, 3, 4].map((n) => resumeFrom + n));

    // The patient was never told the doctor left or came back, not even after node B's next sweep.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await p.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect(kinds(log(p).slice(patientBefore), 'peer-left', 'peer-joined')).toEqual([]);

    // Chat history on B holds both messages once, in order; the call is still in progress.
    const history = await patient.via(b).request('GET', `/api/appointments/${call.appointmentId}/messages`);
    expect((history.body as { messages: ChatMessageView[] }).messages.map((m) => m.clientId)).toEqual([
      'chat-before-kill',
      'chat-during-outage',
    ]);
    const status = await patient.via(b).request('GET', `/api/appointments/${call.appointmentId}/call/status`);
    expect(status.body).toMatchObject({ call: { status: 'in_progress', roomId } });
  });

  it('S21 a node that dies leaves no ghost: the other node releases its stale presence and says peer-left', {
    timeout: 90_000,
  }, async () => {
    const { doctor, d, p } = await startCall();
    await d.next('peer-joined');
    const patientBefore = log(p).length;

    await a.kill();
    expect((await d.closed()).code).toBe(1006);
    // Presence goes stale 30 s after the dead node's last refresh (every 10 s); B's sweeper runs every 5 s.
    const left = await p.next('peer-left', () => true, 60_000);
    expect(left.peer).toMatchObject({ userId: call.doctor.id, role: 'doctor' });
    expect(kinds(log(p).slice(patientBefore), 'peer-left')).toHaveLength(1);

    // S15: the call itself stays in progress; the doctor can come back on B as a fresh join.
    const status = await doctor.via(b).request('GET', `/api/appointments/${call.appointmentId}/call/status`);
    expect(status.body).toMatchObject({ call: { status: 'in_progress' } });
    const d2 = await open(doctor.via(b));
    expect(await d2.call({ type: 'join', appointmentId: call.appointmentId })).toMatchObject({ type: 'ack' });
    expect((await d2.next('joined')).peers).toEqual([expect.objectContaining({ userId: call.patient.id })]);
    expect((await p.next('peer-joined')).peer).toMatchObject({ userId: call.doctor.id });
  });

  it('S21 both nodes writing the audit trail at once leave every chain verifiable (carecall audit verify)', {
    timeout: 120_000,
  }, async () => {
    const { doctor, patient } = await startCall();
    const before = (await shared.store.audit.list()).length;
    // Refusals are audited: 20 on each node, sent together, all in the hospital's chain.
    const dashboard = `/api/hospitals/${call.hospitalId}/dashboard?day=2026-12-04&tzOffsetMinutes=0`;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 === 0 ? doctor.via(a) : patient.via(b)).request('GET', dashboard),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(40).fill(403));
    const entries = await shared.store.audit.list();
    expect(entries.length - before).toBeGreaterThanOrEqual(40);
    const chains = await shared.store.audit.chains();
    expect(chains).toContain(call.hospitalId);
    for (const chain of chains) {
      expect(await shared.store.audit.verify(chain)).toMatchObject({ ok: true });
    }
    // As the operator checks it: the CLI in its own process on the shared database.
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', 'audit', 'verify'], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: shared.url },
    });
    expect({ code: r.status, err: r.stderr }).toEqual({ code: 0, err: '' });
    expect(r.stdout).toMatch(new RegExp(`hospital ${call.hospitalId}: \\d+ entries OK`));
  });
});
