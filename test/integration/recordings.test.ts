import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppointmentRecordings, ChunkReceipt, RecordingView } from '../../src/protocol/recording.js';
import { patchWebmDuration } from '../../src/server/recordings/webm-duration.js';
import { FakeClock } from '../support/clock.js';
import type { World } from '../support/fixtures.js';
import { type Agent, raw, type SocketClient, type TestServer } from '../support/server.js';
import { testDatabases } from '../support/suites.js';
import { useWorld } from '../support/world.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A real 3 s MediaRecorder WebM (VP8 + Opus), cut where the recorder handed over its chunks. */
const WEBM = readFileSync(
  new URL('../../src/server/recordings/fixtures/mediarecorder-vp8-opus.webm', import.meta.url),
);
const PARTS = [17653, 34393, 35471];
const CHUNKS = PARTS.map((size, i) => {
  const at = PARTS.slice(0, i).reduce((a, b) => a + b, 0);
  return WEBM.subarray(at, at + size);
});
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Who = 'doctor' | 'patient' | 'admin' | 'otherDoctor' | 'otherPatient' | 'otherAdmin';

describe.each(testDatabases())('recording with consent on $name', (database) => {
  const setup = useWorld({ database, env: { RECORDING_ALLOWED: 'true', RECORDING_PATIENT_ACCESS: 'true' } });
  let server: TestServer;
  let world: World;
  let clock: FakeClock;
  let agents: Record<Who, Agent>;

  const id = () => world.appointment.id;
  const store = () => server.ctx.store;

  /** Both parties in the room, the call in progress. */
  const inCall = async () => {
    expect((await agents.doctor.request('POST', `/api/appointments/${id()}/call/start`, {})).status).toBe(
      200,
    );
    expect((await agents.patient.request('POST', `/api/appointments/${id()}/call/join`, {})).status).toBe(
      200,
    );
    const d = await setup.socket(agents.doctor);
    expect(await d.call({ type: 'join', appointmentId: id() })).toMatchObject({ type: 'ack' });
    const p = await setup.socket(agents.patient);
    expect(await p.call({ type: 'join', appointmentId: id() })).toMatchObject({ type: 'ack' });
    await d.next('call-status', (m) => m.call.status === 'in_progress');
    return { d, p };
  };
  const ask = async () => {
    const r = await agents.doctor.request('POST', `/api/appointments/${id()}/recordings`, {});
    expect(r.status).toBe(201);
    return r.body as RecordingView;
  };
  const consent = (recordingId: string, answer: 'allow' | 'decline', who: Agent = agents.patient) =>
    who.request('POST', `/api/recordings/${recordingId}/consent`, { answer });
  const put = (recordingId: string, segment: number, seq: number, data: Buffer, who: Agent = agents.doctor) =>
    raw(who, 'PUT', `/api/recordings/${recordingId}/segments/${segment}/chunks/${seq}`, {
      body: data,
      headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha(data) },
    });
  const stop = (recordingId: string, segments: Array<{ segment: number; chunks: number }>) =>
    agents.doctor.request('POST', `/api/recordings/${recordingId}/stop`, { segments });
  const list = async (who: Agent = agents.doctor) => {
    const r = await who.request('GET', `/api/appointments/${id()}/recordings`);
    expect(r.status).toBe(200);
    return r.body as AppointmentRecordings;
  };
  const state = async (recordingId: string) => (await store().recordings.get(recordingId))?.state;
  /** The `recording` room messages a socket got, up to one in `state`. */
  const recordingMessage = (s: SocketClient, st: RecordingView['state']) =>
    s.next('recording', (m) => m.recording.state === st);
  const eventKinds = async () => (await list()).events.map((e) => [e.kind, e.detail, e.actor?.role ?? null]);
  const recordedFiles = (recordingId: string) => {
    const dir = server.ctx.config.recordingsDir;
    return readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.includes(recordingId) && statSync(join(dir, f)).isFile());
  };

  beforeEach(async () => {
    clock = new FakeClock();
    ({ server, world } = await setup.open({ clock }));
    agents = await setup.signInAll('doctor', 'patient', 'admin', 'otherDoctor', 'otherPatient', 'otherAdmin');
  });

  it('S29: ask, allow, chunks, stop, sealed; both pages hear every change; the file plays in ranges', async () => {
    const { d, p } = await inCall();
    const asked = await ask();
    expect(asked).toMatchObject({
      state: 'asking',
      patientConsent: null,
      terms: { retentionDays: 90, patientMaySee: true, onWithdraw: 'discard' },
    });
    expect((await recordingMessage(p, 'asking')).recording.id).toBe(asked.id);
    await recordingMessage(d, 'asking');

    const allowed = await consent(asked.id, 'allow');
    expect(allowed.status).toBe(200);
    expect(allowed.body).toMatchObject({ state: 'recording', patientConsent: 'allowed' });
    await recordingMessage(d, 'recording');
    await recordingMessage(p, 'recording');

    for (const [seq, chunk] of CHUNKS.entries()) {
      clock.advance(1000);
      const r = await put(asked.id, 0, seq, chunk);
      expect(r.status).toBe(200);
      expect(r.json as ChunkReceipt).toMatchObject({ segment: 0, seq, stored: true });
    }
    // A retried chunk (its answer was lost) stores nothing twice.
    const retry = await put(asked.id, 0, 2, CHUNKS[2] as Buffer);
    expect(retry.json).toEqual({ segment: 0, seq: 2, stored: false, recordingBytes: WEBM.length });

    const stopped = await stop(asked.id, [{ segment: 0, chunks: 3 }]);
    expect(stopped.status).toBe(200);
    // Every declared chunk had arrived: sealed at once.
    expect(stopped.body).toMatchObject({
      state: 'finished',
      stopReason: 'doctor',
      elapsedMs: 3000,
      segments: 1,
    });
    await recordingMessage(d, 'stopped');
    await recordingMessage(p, 'finished');
    // A retried Stop (its answer was lost) is answered with the recording as it is.
    const retried = await stop(asked.id, [{ segment: 0, chunks: 3 }]);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ state: 'finished' });
    expect(await eventKinds()).toEqual([
      ['requested', null, 'doctor'],
      ['consented', null, 'patient'],
      ['started', null, 'patient'],
      ['stopped', 'doctor', 'doctor'],
      ['finished', null, null],
    ]);

    const listed = await list();
    expect(listed.canPlay).toBe(true);
    const [entry] = listed.recordings;
    const expected = patchWebmDuration(WEBM).patched;
    expect(entry?.expiresAt).toBe(clock.now() + 90 * DAY);
    expect(entry?.files).toEqual([
      {
        segment: 0,
        bytes: expected.length,
        durationMs: expect.any(Number),
        sha256: sha(expected),
        url: `/api/recordings/${asked.id}/segments/0`,
        downloadUrl: `/api/recordings/${asked.id}/segments/0/download`,
      },
    ]);

    const url = `/api/recordings/${asked.id}/segments/0`;
    const whole = await raw(agents.doctor, 'GET', url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/webm');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('cache-control')).toBe('private, no-store');
    expect(whole.bytes.equals(expected)).toBe(true);
    // The media after the header is exactly what was uploaded.
    expect(whole.bytes.subarray(-50_000).equals(WEBM.subarray(-50_000))).toBe(true);

    const part = await raw(agents.admin, 'GET', url, { headers: { range: 'bytes=70000-80000' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 70000-80000/${expected.length}`);
    expect(part.bytes.equals(expected.subarray(70000, 80001))).toBe(true);
    const suffix = await raw(agents.patient, 'GET', url, { headers: { range: 'bytes=-100' } });
    expect(suffix.status).toBe(206);
    expect(suffix.bytes.equals(expected.subarray(-100))).toBe(true);
    const open = await raw(agents.doctor, 'GET', url, {
      headers: { range: `bytes=${expected.length - 10}-` },
    });
    expect(open.bytes.equals(expected.subarray(-10))).toBe(true);
    const outside = await raw(agents.doctor, 'GET', url, { headers: { range: `bytes=${expected.length}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${expected.length}`);

    const download = await raw(agents.doctor, 'GET', `${url}/download`);
    expect(download.status).toBe(200);
    const day = new Date(asked.requestedAt + 1000).toISOString().slice(0, 10);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="recording-${day}-0.webm"`,
    );
    expect(download.bytes.equals(expected)).toBe(true);
    const head = await raw(agents.doctor, 'HEAD', url);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(expected.length));

    // Every access is audited, with who and what.
    const accesses = (await store().audit.list())
      .filter((e) => e.action === 'recording.play' || e.action === 'recording.download')
      .map((e) => [e.action, e.actor_id, e.outcome]);
    expect(accesses).toEqual(
      expect.arrayContaining([
        ['recording.play', world.doctor.id, 'ok'],
        ['recording.play', world.admin.id, 'ok'],
        ['recording.play', world.patient.id, 'ok'],
        ['recording.play', world.doctor.id, 'denied'],
        ['recording.download', world.doctor.id, 'ok'],
      ]),
    );
    // Nothing of the plaintext on disk.
    for (const f of recordedFiles(asked.id)) {
      const onDisk = readFileSync(`${server.ctx.config.recordingsDir}/${f}`);
      expect(onDisk.includes(WEBM.subarray(20_000, 20_064))).toBe(false);
    }
  });

  it('S29: a decline records nothing: no chunk is taken afterwards, and a second ask is possible', async () => {
    const { d } = await inCall();
    const asked = await ask();
    const r = await consent(asked.id, 'decline');
    expect(r.body).toMatchObject({ state: 'declined', patientConsent: 'declined', startedAt: null });
    await recordingMessage(d, 'declined');
    const chunk = await put(asked.id, 0, 0, CHUNKS[0] as Buffer);
    expect(chunk.status).toBe(409);
    expect(chunk.json).toMatchObject({ error: { code: 'recording_not_active' } });
    expect(recordedFiles(asked.id)).toEqual([]);
    expect((await ask()).id).not.toBe(asked.id);
  });

  it('S29: one open recording per call; only the doctor asks, only while the call is in progress', async () => {
    expect((await agents.doctor.request('POST', `/api/appointments/${id()}/call/start`, {})).status).toBe(
      200,
    );
    const early = await agents.doctor.request('POST', `/api/appointments/${id()}/recordings`, {});
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: { code: 'call_not_active' } });
    expect((await agents.patient.request('POST', `/api/appointments/${id()}/call/join`, {})).status).toBe(
      200,
    );
    const d = await setup.socket(agents.doctor);
    await d.call({ type: 'join', appointmentId: id() });
    const p = await setup.socket(agents.patient);
    await p.call({ type: 'join', appointmentId: id() });
    await d.next('call-status', (m) => m.call.status === 'in_progress');
    const byPatient = await agents.patient.request('POST', `/api/appointments/${id()}/recordings`, {});
    expect(byPatient.status).toBe(403);
    const asked = await ask();
    const twice = await agents.doctor.request('POST', `/api/appointments/${id()}/recordings`, {});
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ error: { code: 'recording_open' } });
    // Only the patient answers.
    const byDoctor = await consent(asked.id, 'allow', agents.doctor);
    expect(byDoctor.status).toBe(403);
    expect(await state(asked.id)).toBe('asking');
  });

  it('S29: a withdrawal stops it at once, refuses further chunks and, under "discard", destroys the files', async () => {
    const { d } = await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    expect((await put(asked.id, 0, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    expect(recordedFiles(asked.id).length).toBeGreaterThan(0);
    clock.advance(2000);
    const r = await agents.patient.request('POST', `/api/recordings/${asked.id}/withdraw`, {});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      state: 'discarded',
      stopReason: 'withdrawn',
      patientConsent: 'withdrawn',
    });
    await recordingMessage(d, 'stopped');
    await recordingMessage(d, 'discarded');
    const late = await put(asked.id, 0, 1, CHUNKS[1] as Buffer);
    expect(late.status).toBe(409);
    expect(recordedFiles(asked.id)).toEqual([]);
    expect((await eventKinds()).map(([k]) => k)).toEqual([
      'requested',
      'consented',
      'started',
      'withdrawn',
      'stopped',
      'discarded',
    ]);
  });

  it('S29: under "keep", what was recorded before the withdrawal is sealed and kept', async () => {
    await server.ctx.policy.update(world.admin.id, world.hospitalA, { recordingOnWithdraw: 'keep' });
    await inCall();
    const asked = await ask();
    expect(asked.terms.onWithdraw).toBe('keep');
    await consent(asked.id, 'allow');
    expect((await put(asked.id, 0, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    const r = await agents.patient.request('POST', `/api/recordings/${asked.id}/withdraw`, {});
    expect(r.body).toMatchObject({ state: 'finished', stopReason: 'withdrawn' });
    const [entry] = (await list()).recordings;
    expect(entry?.files).toHaveLength(1);
    expect(entry?.files[0]?.bytes).toBeGreaterThan(0);
  });

  it("S29: the patient's fresh join pauses it and asks again; allowing resumes it in the same recording", async () => {
    const { d, p } = await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    clock.advance(5000);
    p.close();
    const again = await setup.socket(agents.patient);
    const joined = again.next('joined');
    expect(await again.call({ type: 'join', appointmentId: id() })).toMatchObject({ type: 'ack' });
    const seen = (await joined).recording;
    expect(seen).toMatchObject({ id: asked.id, state: 'paused', patientConsent: null, elapsedMs: 5000 });
    await recordingMessage(d, 'paused');
    // Chunks already captured before the pause still arrive.
    expect((await put(asked.id, 0, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    clock.advance(60_000);
    const resumed = await consent(asked.id, 'allow');
    expect(resumed.body).toMatchObject({ state: 'recording', patientConsent: 'allowed', elapsedMs: 5000 });
    expect((await eventKinds()).map(([k]) => k)).toEqual([
      'requested',
      'consented',
      'started',
      'consent_lapsed',
      'paused',
      'consented',
      'resumed',
    ]);
    // The doctor's reload sees it as it is at once.
    const doctorAgain = await setup.socket(agents.doctor);
    const dj = doctorAgain.next('joined');
    await doctorAgain.call({ type: 'join', appointmentId: id() });
    expect((await dj).recording).toMatchObject({ id: asked.id, state: 'recording' });
  });

  it('S29: the patient leaving the room pauses it; declining then stops what was recorded', async () => {
    const { d, p } = await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    expect(await p.call({ type: 'leave' })).toMatchObject({ type: 'ack' });
    await recordingMessage(d, 'paused');
    expect((await put(asked.id, 0, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    const declined = await consent(asked.id, 'decline');
    expect(declined.body).toMatchObject({ state: 'finished', stopReason: 'declined' });
  });

  it("S29: the call's end stops it (call_ended); the doctor's browser may still send what it has", async () => {
    const { d } = await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    expect((await put(asked.id, 0, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    expect((await agents.doctor.request('POST', `/api/appointments/${id()}/call/end`, {})).status).toBe(200);
    const msg = await recordingMessage(d, 'stopped');
    expect(msg.recording.stopReason).toBe('call_ended');
    expect((await put(asked.id, 0, 1, CHUNKS[1] as Buffer)).status).toBe(200);
    const declared = await stop(asked.id, [{ segment: 0, chunks: 3 }]);
    expect(declared.body).toMatchObject({ state: 'stopped', stopReason: 'call_ended' });
    expect((await put(asked.id, 0, 2, CHUNKS[2] as Buffer)).status).toBe(200);
    expect(await state(asked.id)).toBe('finished');
  });

  it('S29: an ask left unanswered when the call ends is closed with nothing captured', async () => {
    await inCall();
    const asked = await ask();
    await server.ctx.calls.endBySystem(id(), 'max_duration');
    const row = await store().recordings.get(asked.id);
    expect(row).toMatchObject({ state: 'finished', stop_reason: 'call_ended', started_at: null, bytes: 0 });
  });

  it('S29: the sweep seals a recording whose uploads stopped, and deletes one past its retention', async () => {
    await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    expect((await put(asked.id, 0, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    // Chunk 1 never arrives: the doctor's browser is gone for good.
    expect((await put(asked.id, 0, 2, CHUNKS[2] as Buffer)).status).toBe(200);
    await stop(asked.id, [{ segment: 0, chunks: 3 }]);
    expect(await state(asked.id)).toBe('stopped');
    clock.advance(9 * MINUTE);
    await server.ctx.sweeper.runOnce();
    expect(await state(asked.id)).toBe('stopped');
    clock.advance(2 * MINUTE);
    await server.ctx.sweeper.runOnce();
    expect(await state(asked.id)).toBe('finished');
    const [file] = await store().recordings.segments(asked.id);
    expect(file?.missing_chunks).toBe(1);

    clock.advance(90 * DAY);
    // Two nodes sweeping at once delete it once.
    await Promise.all([server.ctx.sweeper.runOnce(), server.ctx.recordings.sweep()]);
    agents.doctor = await setup.signIn('doctor');
    const row = await store().recordings.get(asked.id);
    expect(row).toMatchObject({ state: 'deleted', deleted_at: clock.now() });
    expect(recordedFiles(asked.id)).toEqual([]);
    const events = (await list()).events.filter((e) => e.kind === 'deleted');
    expect(events).toEqual([expect.objectContaining({ actor: null })]);
    const gone = await raw(agents.doctor, 'GET', `/api/recordings/${asked.id}/segments/0`);
    expect(gone.status).toBe(409);
  });

  it('S29: a withdrawal whose discard was cut short (its node died) is discarded by the sweep, not sealed', async () => {
    await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    expect((await put(asked.id, 0, 0, CHUNKS[0] as Buffer)).status).toBe(200);
    const row = await store().recordings.get(asked.id);
    // What the withdrawal had written when its node died: stopped, the files not destroyed yet.
    await store().recordings.updateIfVersion(asked.id, row?.version ?? -1, {
      state: 'stopped',
      stop_reason: 'withdrawn',
      patient_consent: 'withdrawn',
      stopped_at: clock.now(),
      running_since: null,
    });
    expect(recordedFiles(asked.id).length).toBeGreaterThan(0);
    clock.advance(11 * MINUTE);
    await server.ctx.sweeper.runOnce();
    expect(await state(asked.id)).toBe('discarded');
    expect(recordedFiles(asked.id)).toEqual([]);
    expect(await store().recordings.segments(asked.id)).toEqual([]);
  });

  it('S29: a recording past its size limit stops (too_large), keeps and seals what was stored', async () => {
    await setup.close();
    clock = new FakeClock();
    ({ server, world } = await setup.open({ clock, env: { RECORDING_MAX_MB: '1' } }));
    agents = await setup.signInAll('doctor', 'patient', 'admin', 'otherDoctor', 'otherPatient', 'otherAdmin');
    await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    const big = Buffer.alloc(700 * 1024, 7);
    expect((await put(asked.id, 0, 0, big)).status).toBe(200);
    const over = await put(asked.id, 0, 1, big);
    expect(over.status).toBe(413);
    expect(over.json).toMatchObject({ error: { code: 'recording_too_large' } });
    const row = await store().recordings.get(asked.id);
    expect(row).toMatchObject({ state: 'finished', stop_reason: 'too_large' });
    expect((await eventKinds()).map(([k, detail]) => `${k}:${detail}`)).toContain('failed:too_large');
  });

  it('S29: bad input is refused before anything is stored', async () => {
    await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    const chunk = CHUNKS[0] as Buffer;
    const base = `/api/recordings/${asked.id}/segments`;
    const cases: Array<[string, Awaited<ReturnType<typeof raw>>, number]> = [
      [
        'bad seq',
        await raw(agents.doctor, 'PUT', `${base}/0/chunks/x`, {
          body: chunk,
          headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha(chunk) },
        }),
        400,
      ],
      [
        'bad segment',
        await raw(agents.doctor, 'PUT', `${base}/-1/chunks/0`, {
          body: chunk,
          headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha(chunk) },
        }),
        400,
      ],
      [
        'no checksum',
        await raw(agents.doctor, 'PUT', `${base}/0/chunks/0`, {
          body: chunk,
          headers: { 'content-type': 'application/octet-stream' },
        }),
        400,
      ],
      [
        'malformed checksum',
        await raw(agents.doctor, 'PUT', `${base}/0/chunks/0`, {
          body: chunk,
          headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': 'abc' },
        }),
        400,
      ],
      [
        'wrong checksum',
        await raw(agents.doctor, 'PUT', `${base}/0/chunks/0`, {
          body: chunk,
          headers: {
            'content-type': 'application/octet-stream',
            'x-chunk-sha256': sha(Buffer.from('other')),
          },
        }),
        422,
      ],
      [
        'wrong content type',
        await raw(agents.doctor, 'PUT', `${base}/0/chunks/0`, {
          body: chunk,
          headers: { 'content-type': 'text/plain', 'x-chunk-sha256': sha(chunk) },
        }),
        415,
      ],
      [
        'json body',
        await raw(agents.doctor, 'PUT', `${base}/0/chunks/0`, {
          body: '{"a":1}',
          headers: { 'content-type': 'application/json', 'x-chunk-sha256': sha(Buffer.from('{"a":1}')) },
        }),
        415,
      ],
      [
        'too large',
        await raw(agents.doctor, 'PUT', `${base}/0/chunks/0`, {
          body: Buffer.alloc(16 * 1024 * 1024 + 1),
          headers: { 'content-type': 'application/octet-stream', 'x-chunk-sha256': sha(chunk) },
        }),
        413,
      ],
      ['unknown recording', await put('0190a000-0000-7000-8000-000000000000', 0, 0, chunk), 404],
      [
        'bad stop',
        await raw(agents.doctor, 'POST', `/api/recordings/${asked.id}/stop`, {
          body: '{"segments":[{"segment":0}]}',
          headers: { 'content-type': 'application/json' },
        }),
        400,
      ],
      [
        'bad answer',
        await raw(agents.patient, 'POST', `/api/recordings/${asked.id}/consent`, {
          body: '{"answer":"maybe"}',
          headers: { 'content-type': 'application/json' },
        }),
        400,
      ],
    ];
    for (const [name, r, status] of cases) expect({ name, status: r.status }).toEqual({ name, status });
    expect((await list()).recordings[0]?.recording.segments).toBe(0);
    // No CSRF token: refused, nothing changes.
    const token = agents.patient.csrf;
    agents.patient.csrf = '';
    const noCsrf = await consent(asked.id, 'decline');
    agents.patient.csrf = token;
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body).toMatchObject({ error: { code: 'csrf_failed' } });
    expect(await state(asked.id)).toBe('recording');
  });

  it('S29: outsiders get 403 on every recording route, and are audited', async () => {
    await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    for (const [seq, chunk] of CHUNKS.entries()) await put(asked.id, 0, seq, chunk);
    await stop(asked.id, [{ segment: 0, chunks: 3 }]);
    const chunk = CHUNKS[0] as Buffer;
    const routes: Array<(who: Agent) => Promise<number>> = [
      async (w) => (await w.request('POST', `/api/appointments/${id()}/recordings`, {})).status,
      async (w) => (await consent(asked.id, 'allow', w)).status,
      async (w) => (await w.request('POST', `/api/recordings/${asked.id}/withdraw`, {})).status,
      async (w) => (await w.request('POST', `/api/recordings/${asked.id}/stop`, { segments: [] })).status,
      async (w) => (await put(asked.id, 0, 5, chunk, w)).status,
      async (w) => (await w.request('GET', `/api/appointments/${id()}/recordings`)).status,
      async (w) => (await raw(w, 'GET', `/api/recordings/${asked.id}/segments/0`)).status,
      async (w) => (await raw(w, 'GET', `/api/recordings/${asked.id}/segments/0/download`)).status,
    ];
    for (const who of ['otherDoctor', 'otherPatient', 'otherAdmin'] as const) {
      for (const [i, route] of routes.entries()) {
        expect({ who, route: i, status: await route(agents[who]) }).toEqual({ who, route: i, status: 403 });
      }
      const denied = (await store().audit.list({ actorId: world[who].id })).filter(
        (e) => e.outcome === 'denied',
      );
      expect(denied.map((e) => e.action)).toEqual(
        expect.arrayContaining(['recording.ask', 'recording.play', 'recording.download', 'recording.list']),
      );
    }
    expect(await state(asked.id)).toBe('finished');
  });

  it('S29: a patient plays only when the terms let them; the list shows them no files otherwise', async () => {
    await server.ctx.policy.update(world.admin.id, world.hospitalA, { patientsSeeRecordings: false });
    await inCall();
    const asked = await ask();
    await consent(asked.id, 'allow');
    await put(asked.id, 0, 0, CHUNKS[0] as Buffer);
    await stop(asked.id, [{ segment: 0, chunks: 1 }]);
    const mine = await list(agents.patient);
    expect(mine.canPlay).toBe(false);
    expect(mine.recordings[0]?.files).toEqual([]);
    expect(mine.events.length).toBeGreaterThan(0);
    expect((await raw(agents.patient, 'GET', `/api/recordings/${asked.id}/segments/0`)).status).toBe(403);
    expect((await list(agents.admin)).recordings[0]?.files).toHaveLength(1);
  });

  it('S29: where the policy does not allow recording, asking is refused (403 recording_not_allowed)', async () => {
    await server.ctx.policy.update(world.admin.id, world.hospitalA, { recordingAllowed: false });
    await inCall();
    const r = await agents.doctor.request('POST', `/api/appointments/${id()}/recordings`, {});
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'recording_not_allowed' } });
  });
});

describe('a node without a recordings key', () => {
  const setup = useWorld({ env: { RECORDINGS_KEY: '', RECORDING_ALLOWED: 'false' } });

  it('S29: records nothing: the policy says no and asking is refused', async () => {
    const { world, server } = await setup.open();
    await server.ctx.policy.update(world.admin.id, world.hospitalA, { recordingAllowed: true });
    const doctor = await setup.signIn('doctor');
    const patient = await setup.signIn('patient');
    const id = world.appointment.id;
    await doctor.request('POST', `/api/appointments/${id}/call/start`, {});
    await patient.request('POST', `/api/appointments/${id}/call/join`, {});
    const d = await setup.socket(doctor);
    await d.call({ type: 'join', appointmentId: id });
    const p = await setup.socket(patient);
    await p.call({ type: 'join', appointmentId: id });
    await d.next('call-status', (m) => m.call.status === 'in_progress');
    const r = await doctor.request('POST', `/api/appointments/${id}/recordings`, {});
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: { code: 'recording_not_allowed' } });
  });
});
