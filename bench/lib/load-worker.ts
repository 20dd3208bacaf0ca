/**
 * A load generator thread: the doctor's and the patient's sockets of its share of the calls, doing what
 * the call page does (docs/protocol.md): welcome → subscribe + join, then (active mode) the doctor offers,
 * the patient answers, both trickle a burst of candidates and send media state; later a chat message
 * every 10 s per call, a mute toggle every 30 s per party, one screen share (with its renegotiation);
 * every socket pings every 25 s and acknowledges `seq` at most once a second. Both parties of a call live
 * in the same thread, so the send time stamped into a payload and the receive time share one clock.
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { corkPerTurn } from '../../src/server/signaling/ws-transport.js';
import { Samples } from './latency.js';
import type { CallSpec, MainToWorker, OpenCommand, StepReport, WorkerToMain } from './load-protocol.js';
import { makeCandidate, randomToken, SdpPool, stampOf } from './sdp.js';

const PING_EVERY_MS = 25_000;
const ACK_EVERY_MS = 1_000;
const CHAT_EVERY_MS = 10_000;
const MUTE_TOGGLE_EVERY_MS = 30_000;
const SCREEN_SHARE_AFTER_MS: [number, number] = [10_000, 30_000];
const SCREEN_SHARE_FOR_MS = 10_000;
const CANDIDATES: [number, number] = [10, 20];
const RELAYED = new Set(['offer', 'answer', 'ice-candidate', 'media-state', 'screen-share']);

const port = parentPort;
if (!port) throw new Error('load-worker runs as a worker thread');

function now(): number {
  return performance.timeOrigin + performance.now();
}

function between([lo, hi]: [number, number]): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

interface ServerMsg {
  type: string;
  id?: string;
  seq?: number;
  code?: string;
  peers?: unknown[];
  sdp?: string;
  candidate?: { candidate: string } | null;
  message?: { senderId: string; body: string };
  user?: { id: string };
}

class Party {
  ws: WebSocket | null = null;
  userId = '';
  lastSeq = 0;
  ackedSeq = 0;
  startedAt = 0;
  joinSentAt = 0;
  joined = false;
  failed = false;
  closedByUs = false;
  closed = false;
  muted = false;
  joinTimer: NodeJS.Timeout | null = null;
  /** Corks the connection under the WebSocket for a turn of the event loop (see send). */
  beforeSend: (() => void) | null = null;

  constructor(
    readonly call: Call,
    readonly role: 'doctor' | 'patient',
    readonly cookie: string,
  ) {}
}

class Call {
  readonly doctor: Party;
  readonly patient: Party;
  negotiated = false;
  answeredInitial = false;
  chats = 0;
  readonly timers: NodeJS.Timeout[] = [];

  constructor(readonly spec: CallSpec) {
    this.doctor = new Party(this, 'doctor', spec.doctorCookie);
    this.patient = new Party(this, 'patient', spec.patientCookie);
  }

  other(p: Party): Party {
    return p === this.doctor ? this.patient : this.doctor;
  }
}

let cmd: OpenCommand | null = null;
let calls: Call[] = [];
let parties: Party[] = [];
let stopped = false;
let opened = 0;
let joinedCount = 0;
let failedCount = 0;
let lastJoinAt: number | null = null;
const sdps = new SdpPool();
let inFlight = 0;
const queue: Party[] = [];
const dirty = new Set<Party>();
const schedule: NodeJS.Timeout[] = [];
let ackTimer: NodeJS.Timeout | null = null;
let progressTimer: NodeJS.Timeout | null = null;
let addressTurn = 0;

let connectMs = new Samples();
let joinMs = new Samples();
let relayMs = new Samples();
let chatMs = new Samples();
let sent: Record<string, number> = {};
let relayed: Record<string, number> = {};
let relayedPerSecond: number[] = [];
let sentRelays: Record<string, number> = {};
let errors: Record<string, number> = {};

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

function post(message: WorkerToMain): void {
  port?.postMessage(message);
}

/**
 * What a party sends in one turn of the event loop (an ICE burst) leaves in one write, as a browser's
 * network stack would coalesce it, not one system call per message: the generator shares the two cores
 * with the server it measures.
 */
function send(p: Party, message: Record<string, unknown> & { type: string }): void {
  if (stopped || !p.ws || p.ws.readyState !== WebSocket.OPEN) return;
  p.beforeSend?.();
  p.ws.send(JSON.stringify(message));
  count(sent, message.type);
  if (RELAYED.has(message.type)) count(sentRelays, message.type);
}

/** A socket that did not join; only its first cause is counted. */
function fail(p: Party, kind: string): void {
  if (p.joined || p.failed) return;
  count(errors, kind);
  p.failed = true;
  failedCount++;
  settle(p);
}

/** The socket no longer occupies a connect/join slot. */
function settle(p: Party): void {
  if (p.joinTimer) clearTimeout(p.joinTimer);
  p.joinTimer = null;
  if (cmd?.rampMs === 0) {
    inFlight--;
    pump();
  }
}

function pump(): void {
  if (!cmd) return;
  while (inFlight < cmd.maxInFlight && queue.length > 0) {
    const p = queue.shift() as Party;
    inFlight++;
    connect(p);
  }
}

function connect(p: Party): void {
  const c = cmd as OpenCommand;
  const url = p.role === 'doctor' ? c.doctorUrl : c.patientUrl;
  const localAddress = c.localAddresses[addressTurn++ % c.localAddresses.length];
  p.startedAt = now();
  opened++;
  p.joinTimer = setTimeout(() => fail(p, 'timeout:join'), c.joinTimeoutMs);
  const ws = new WebSocket(url, {
    headers: { origin: c.origin, cookie: p.cookie },
    perMessageDeflate: false,
    handshakeTimeout: c.joinTimeoutMs,
    ...(localAddress ? { localAddress } : {}),
  });
  p.ws = ws;
  ws.on('upgrade', (res) => {
    p.beforeSend = corkPerTurn(res.socket);
  });
  ws.on('unexpected-response', (req, res) => {
    fail(p, `upgrade:${res.statusCode ?? '?'}`);
    res.resume();
    req.destroy();
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      count(errors, 'binary-frame');
      return;
    }
    onMessage(p, (data as Buffer).toString());
  });
  ws.on('error', (err: Error & { code?: string }) => {
    if (p.closedByUs) return;
    const kind = `socket:${err.code ?? err.message}`;
    if (p.joined) count(errors, kind);
    else fail(p, kind);
  });
  ws.on('close', (code) => {
    p.closed = true;
    dirty.delete(p);
    if (p.closedByUs) return;
    if (p.joined) count(errors, `close:${code}`);
    else fail(p, `close:${code}`);
  });
}

function onMessage(p: Party, text: string): void {
  let m: ServerMsg;
  try {
    m = JSON.parse(text) as ServerMsg;
  } catch {
    count(errors, 'invalid-json-from-server');
    return;
  }
  const at = now();
  if (typeof m.seq === 'number' && m.seq > p.lastSeq) {
    p.lastSeq = m.seq;
    dirty.add(p);
  }
  const c = cmd as OpenCommand;
  if (RELAYED.has(m.type)) {
    count(relayed, m.type);
    const second = Math.floor((at - c.t0) / 1000);
    if (second >= 0) relayedPerSecond[second] = (relayedPerSecond[second] ?? 0) + 1;
  }
  const call = p.call;
  switch (m.type) {
    case 'welcome':
      p.userId = m.user?.id ?? '';
      connectMs.add(at - p.startedAt);
      send(p, { type: 'subscribe', id: 's', appointmentId: call.spec.appointmentId });
      p.joinSentAt = now();
      send(p, { type: 'join', id: 'j', appointmentId: call.spec.appointmentId });
      startPings(p);
      return;
    case 'joined':
      if (p.failed) return;
      p.joined = true;
      joinMs.add(at - p.joinSentAt);
      joinedCount++;
      lastJoinAt = at;
      settle(p);
      if (p.role === 'doctor' && (m.peers?.length ?? 0) > 0) negotiate(call);
      return;
    case 'peer-joined':
      if (p.role === 'doctor') negotiate(call);
      return;
    case 'offer': {
      const stamp = stampOf(m.sdp ?? '');
      if (stamp !== null) relayMs.add(at - stamp);
      if (p.role !== 'patient') return;
      send(p, { type: 'answer', sdp: sdps.sdp('answer', now()) });
      if (!call.answeredInitial) {
        call.answeredInitial = true;
        send(p, { type: 'media-state', audioMuted: false, videoOff: false });
        trickle(p);
      }
      return;
    }
    case 'answer': {
      const stamp = stampOf(m.sdp ?? '');
      if (stamp !== null) relayMs.add(at - stamp);
      return;
    }
    case 'ice-candidate': {
      const stamp = m.candidate ? stampOf(m.candidate.candidate) : null;
      if (stamp !== null) relayMs.add(at - stamp);
      return;
    }
    case 'chat': {
      if (!m.message || m.message.senderId === p.userId) return;
      const stamp = Number(m.message.body.slice(m.message.body.lastIndexOf(' ') + 1));
      if (Number.isFinite(stamp)) chatMs.add(at - stamp);
      return;
    }
    case 'error':
      count(errors, `error:${m.code ?? '?'}`);
      if (m.id === 'j') fail(p, 'join-refused');
      return;
    default:
      return;
  }
}

function startPings(p: Party): void {
  const first = setTimeout(() => {
    send(p, { type: 'ping' });
    p.call.timers.push(setInterval(() => send(p, { type: 'ping' }), PING_EVERY_MS));
  }, Math.random() * PING_EVERY_MS);
  p.call.timers.push(first);
}

/** The doctor's first offer, once it knows the patient is in the room; then the call's steady traffic. */
function negotiate(call: Call): void {
  if (call.negotiated || cmd?.mode !== 'active') return;
  call.negotiated = true;
  const d = call.doctor;
  send(d, { type: 'media-state', audioMuted: false, videoOff: false });
  send(d, { type: 'offer', sdp: sdps.sdp('offer', now()) });
  trickle(d);
  steady(call);
}

function trickle(p: Party): void {
  const ufrag = randomToken(Math.random, 4);
  const n = between(CANDIDATES);
  for (let i = 0; i < n; i++) send(p, { type: 'ice-candidate', candidate: makeCandidate(i, ufrag, now()) });
  send(p, { type: 'ice-candidate', candidate: null });
}

function steady(call: Call): void {
  const t = call.timers;
  const chat = () => {
    const from = call.chats++ % 2 === 0 ? call.doctor : call.patient;
    send(from, {
      type: 'chat',
      appointmentId: call.spec.appointmentId,
      clientId: `${call.spec.index}-${call.chats}-${randomToken(Math.random, 6)}`,
      body: `Thank you, that helps. Could you tell me a bit more about when it started? ${now().toFixed(3)}`,
    });
  };
  t.push(
    setTimeout(() => {
      chat();
      t.push(setInterval(chat, CHAT_EVERY_MS));
    }, Math.random() * CHAT_EVERY_MS),
  );
  for (const p of [call.doctor, call.patient]) {
    const toggle = () => {
      p.muted = !p.muted;
      send(p, { type: 'media-state', audioMuted: p.muted, videoOff: false });
    };
    t.push(
      setTimeout(() => {
        toggle();
        t.push(setInterval(toggle, MUTE_TOGGLE_EVERY_MS));
      }, Math.random() * MUTE_TOGGLE_EVERY_MS),
    );
  }
  const share = (active: boolean) => {
    send(call.doctor, { type: 'screen-share', active });
    send(call.doctor, { type: 'offer', sdp: sdps.sdp('offer', now()) });
  };
  const startAt = between(SCREEN_SHARE_AFTER_MS);
  t.push(setTimeout(() => share(true), startAt));
  t.push(setTimeout(() => share(false), startAt + SCREEN_SHARE_FOR_MS));
}

function sendAcks(): void {
  for (const p of dirty) {
    if (p.lastSeq > p.ackedSeq) {
      send(p, { type: 'ack', seq: p.lastSeq });
      p.ackedSeq = p.lastSeq;
    }
  }
  dirty.clear();
}

function progress(): void {
  post({ type: 'progress', opened, joined: joinedCount, failed: failedCount, lastJoinAt });
}

function open(c: OpenCommand): void {
  cmd = c;
  stopped = false;
  const fresh = c.calls.map((spec) => new Call(spec));
  calls.push(...fresh);
  for (const call of fresh) parties.push(call.doctor, call.patient);
  if (c.rampMs === 0) {
    const start = setTimeout(
      () => {
        for (const call of fresh) queue.push(call.doctor, call.patient);
        pump();
      },
      Math.max(0, c.t0 - now()),
    );
    schedule.push(start);
  } else {
    for (const call of fresh) {
      const at = c.t0 + (c.rampMs * call.spec.index) / Math.max(1, c.total);
      schedule.push(
        setTimeout(
          () => {
            connect(call.doctor);
            connect(call.patient);
          },
          Math.max(0, at - now()),
        ),
      );
    }
  }
  ackTimer ??= setInterval(sendAcks, ACK_EVERY_MS);
  progressTimer ??= setInterval(progress, 500);
}

async function report(stop: boolean, drainMs: number): Promise<void> {
  if (stop) {
    stopped = true;
    for (const t of schedule) clearTimeout(t);
    schedule.length = 0;
    for (const call of calls) {
      for (const t of call.timers) clearTimeout(t);
      call.timers.length = 0;
    }
  }
  await new Promise((r) => setTimeout(r, drainMs));
  const lost: Record<string, number> = {};
  for (const [type, n] of Object.entries(sentRelays)) {
    const missing = n - (relayed[type] ?? 0);
    if (missing !== 0) lost[type] = missing;
  }
  const report: StepReport = {
    type: 'report',
    sockets: parties.length,
    joined: joinedCount,
    failed: failedCount,
    lastJoinAt,
    connectMs: connectMs.toArray(),
    joinMs: joinMs.toArray(),
    relayMs: relayMs.toArray(),
    chatMs: chatMs.toArray(),
    sent,
    relayed,
    relayedPerSecond: Array.from(relayedPerSecond, (v) => v ?? 0),
    lost,
    errors,
  };
  port?.postMessage(report, [
    report.connectMs.buffer,
    report.joinMs.buffer,
    report.relayMs.buffer,
    report.chatMs.buffer,
  ] as ArrayBuffer[]);
  connectMs = new Samples();
  joinMs = new Samples();
  relayMs = new Samples();
  chatMs = new Samples();
  sent = {};
  relayed = {};
  relayedPerSecond = [];
  sentRelays = {};
  errors = {};
}

async function close(): Promise<void> {
  stopped = true;
  if (ackTimer) clearInterval(ackTimer);
  if (progressTimer) clearInterval(progressTimer);
  ackTimer = null;
  progressTimer = null;
  for (const call of calls) for (const t of call.timers) clearTimeout(t);
  const closing: Promise<void>[] = [];
  for (const p of parties) {
    if (p.joinTimer) clearTimeout(p.joinTimer);
    const ws = p.ws;
    if (!ws || p.closed || ws.readyState === WebSocket.CLOSED) continue;
    p.closedByUs = true;
    closing.push(
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          count(errors, 'close-timeout');
          ws.terminate();
          resolve();
        }, 15_000);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'bench done');
      }),
    );
  }
  await Promise.all(closing);
  post({ type: 'closed', errors });
  calls = [];
  parties = [];
  queue.length = 0;
  dirty.clear();
  errors = {};
  opened = joinedCount = failedCount = inFlight = 0;
  lastJoinAt = null;
}

port.on('message', (m: MainToWorker) => {
  const run = async () => {
    switch (m.type) {
      case 'open':
        open(m);
        return;
      case 'report':
        await report(m.stop, m.drainMs);
        return;
      case 'close':
        await close();
        return;
    }
  };
  run().catch((err: unknown) =>
    post({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
