import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../api/http-client.js';
import { FakeComposerDom } from '../testing/fake-composer-dom.js';
import { FakeStream } from '../testing/fake-media.js';
import { FakeMediaRecorderFactory } from '../testing/fake-media-recorder.js';
import { FakeRecordingServer } from '../testing/fake-recording-api.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { until } from '../testing/until.js';
import { ChunkStore } from './chunk-store.js';
import { Composer } from './composer.js';
import { RecordingSession, type RecordingSessionState } from './recording-session.js';
import { sha256Hex } from './upload-queue.js';

let store: ChunkStore;
let dbCount = 0;

beforeEach(async () => {
  dbCount += 1;
  store = await ChunkStore.open(`recording-session-test-${dbCount}`);
});
afterEach(() => store.close());

const media = () => ({
  remote: FakeStream.withAudioAndVideo().asStream,
  local: FakeStream.withAudioAndVideo().asStream,
  screen: null,
});

/** One page load of the doctor's call page: its own session, recorders and timers, the shared server and store. */
function page(server: FakeRecordingServer) {
  const timers = new FakeTimers();
  const recorders = new FakeMediaRecorderFactory();
  const dom = new FakeComposerDom();
  const session = new RecordingSession({
    api: new ApiClient(server.fetch),
    store,
    timers,
    recorders,
    createComposer: () => new Composer({ dom, timers }),
    random: () => 1,
  });
  const states: RecordingSessionState[] = [];
  session.events.on('change', (s) => states.push(s));
  return { session, timers, recorders, dom, states };
}

const order = (server: FakeRecordingServer) => server.puts.map((p) => `${p.segment}/${p.seq}:${p.outcome}`);

describe('RecordingSession', () => {
  it('records the composed call and uploads its chunks in order, then declares the segment on stop', async () => {
    const server = new FakeRecordingServer();
    const { session, recorders, dom } = page(server);
    session.start('r1', media(), 0);
    expect(session.state).toMatchObject({ phase: 'capturing', recordingId: 'r1', segment: 0 });
    expect(dom.frames.length).toBeGreaterThan(0);
    server.hold();
    for (const text of ['a', 'bb', 'ccc']) recorders.current.emit(text);
    await until(() => server.puts.length === 1 && session.state.pendingChunks === 3, 'three pending');
    expect(session.state.pendingBytes).toBe(6);
    server.release();
    await session.drain();
    recorders.current.pendingOnStop = 'dd';
    await session.stop();
    await session.drain();
    expect(order(server)).toEqual(['0/0:200', '0/1:200', '0/2:200', '0/3:200']);
    expect(server.stops).toEqual([{ recordingId: 'r1', request: { segments: [{ segment: 0, chunks: 4 }] } }]);
    expect(session.state).toMatchObject({ phase: 'stopped', pendingChunks: 0, error: null });
    expect(dom.surfaceClosed).toBe(true);
    expect(await store.segments('r1')).toEqual([]);
  });

  it('retries a failed upload and shows the problem meanwhile', async () => {
    const server = new FakeRecordingServer();
    const { session, recorders, timers } = page(server);
    session.start('r1', media(), 0);
    server.failNext('network');
    recorders.current.emit('a');
    recorders.current.emit('b');
    await until(
      () => timers.pendingTimeouts().length === 1 && session.state.pendingChunks === 2,
      'a retry, both chunks kept',
    );
    expect(session.state.error).toMatchObject({ code: 'network_error', fatal: false });
    expect(session.state.pendingChunks).toBe(2);
    timers.advance(timers.pendingTimeouts()[0] ?? 0);
    await session.drain();
    expect(order(server)).toEqual(['0/0:network', '0/0:200', '0/1:200']);
    expect(session.state.error).toBeNull();
  });

  it('pauses and resumes in the same segment', async () => {
    const server = new FakeRecordingServer();
    const { session, recorders } = page(server);
    session.start('r1', media(), 2);
    recorders.current.emit('a');
    session.pause();
    expect(session.state.phase).toBe('paused');
    expect(recorders.current.state).toBe('paused');
    session.resume();
    recorders.current.emit('b');
    await session.drain();
    expect(order(server)).toEqual(['2/0:200', '2/1:200']);
  });

  it('after a reload, a new session uploads what the old page left and starts the next segment', async () => {
    const server = new FakeRecordingServer();
    const first = page(server);
    first.session.start('r1', media(), 0);
    server.hold();
    for (const text of ['a', 'b', 'c']) first.recorders.current.emit(text);
    await until(() => server.puts.length === 1 && first.session.state.pendingChunks === 3, 'three stored');
    first.session.close(); // the page goes away mid-upload
    server.release();
    await until(() => server.puts[0]?.outcome === 'aborted', 'the upload aborted');

    const second = page(server);
    // The server saw no chunk yet, so its view says 0 segments; the browser kept segment 0.
    const next = await second.session.recover('r1', 0);
    expect(next).toBe(1);
    await second.session.drain();
    second.session.start('r1', media(), next);
    second.recorders.current.emit('d');
    await second.session.drain();
    await second.session.stop();
    expect(order(server)).toEqual(['0/0:aborted', '0/0:200', '0/1:200', '0/2:200', '1/0:200']);
    expect(server.stops[0]?.request).toEqual({
      segments: [
        { segment: 0, chunks: 3 },
        { segment: 1, chunks: 1 },
      ],
    });
  });

  it('acknowledges a chunk the server already had (a receipt lost in a reload) and forgets it', async () => {
    const server = new FakeRecordingServer();
    const blob = new Blob(['stored twice']);
    const sha256 = await sha256Hex(blob);
    await new ApiClient(server.fetch).putRecordingChunk('r1', 0, 0, blob, sha256);
    await store.putChunk({ recordingId: 'r1', segment: 0, seq: 0, blob, sha256, bytes: blob.size });
    const { session } = page(server);
    expect(await session.recover('r1', 1)).toBe(1);
    await session.drain();
    expect(order(server)).toEqual(['0/0:200', '0/0:200']);
    expect(server.stored.get('r1')?.size).toBe(1);
    expect(await store.chunks('r1')).toEqual([]);
  });

  it('withdrawal stops capture at once, aborts the upload in flight, deletes the chunks and sends nothing more', async () => {
    const server = new FakeRecordingServer();
    const { session, recorders, dom } = page(server);
    session.start('r1', media(), 0);
    server.hold();
    recorders.current.emit('a');
    recorders.current.emit('b');
    await until(() => server.puts.length === 1 && session.state.pendingChunks === 2, 'upload in flight');
    await session.abort();
    expect(server.puts[0]?.outcome).toBe('aborted');
    expect(recorders.current.state).toBe('inactive');
    expect(dom.surfaceClosed && dom.mixerClosed).toBe(true);
    recorders.current.emit('late');
    server.release();
    await session.drain();
    expect(server.puts).toHaveLength(1);
    expect(session.state).toMatchObject({ phase: 'aborted', pendingChunks: 0 });
    expect(await store.chunks('r1')).toEqual([]);
    expect(await store.segments('r1')).toEqual([]);
  });

  it('storage full on the server stops capture and tells the doctor', async () => {
    const server = new FakeRecordingServer();
    const { session, recorders } = page(server);
    const dropped: string[] = [];
    session.events.on('dropped', (d) => dropped.push(d.reason));
    session.start('r1', media(), 0);
    server.failNext('storage_full');
    recorders.current.emit('a');
    await session.drain();
    expect(session.state.phase).toBe('failed');
    expect(session.state.error).toMatchObject({ code: 'storage_full', fatal: true });
    expect(session.state.error?.message).toMatch(/no room left/);
    expect(recorders.current.state).toBe('inactive');
    expect(dropped).toEqual(['storage_full']);
    expect(await store.chunks('r1')).toEqual([]);
  });

  it('the server no longer taking the recording (withdrawn elsewhere) ends capture quietly', async () => {
    const server = new FakeRecordingServer();
    const { session, recorders } = page(server);
    session.start('r1', media(), 0);
    server.deactivate('r1');
    recorders.current.emit('a');
    await session.drain();
    expect(session.state).toMatchObject({ phase: 'aborted', error: null });
    expect(recorders.current.state).toBe('inactive');
  });

  it('a recorder that keeps failing ends in failed, and what it recorded is still declared', async () => {
    const server = new FakeRecordingServer();
    const { session, recorders, states } = page(server);
    session.start('r1', media(), 0);
    recorders.current.emit('a');
    recorders.current.fail();
    expect(session.state.error).toMatchObject({ code: 'recorder_restarted', fatal: false });
    for (let i = 0; i < 3; i += 1) recorders.current.fail();
    expect(session.state.phase).toBe('failed');
    expect(states.at(-1)?.error).toMatchObject({ code: 'recorder_failed', fatal: true });
    await until(() => server.stops.length === 1, 'the stop');
    expect(server.stops[0]?.request).toEqual({ segments: [{ segment: 0, chunks: 1 }] });
  });

  it('a chunk that cannot be hashed is reported as lost, and the next ones still upload', async () => {
    const server = new FakeRecordingServer();
    const recorders = new FakeMediaRecorderFactory();
    const timers = new FakeTimers();
    let calls = 0;
    const session = new RecordingSession({
      api: new ApiClient(server.fetch),
      store,
      timers,
      recorders,
      createComposer: () => new Composer({ dom: new FakeComposerDom(), timers }),
      hash: async (blob) => {
        calls += 1;
        if (calls === 1) throw new Error('crypto.subtle is missing');
        return sha256Hex(blob);
      },
    });
    session.start('r1', media(), 0);
    recorders.current.emit('a');
    await until(() => session.state.error?.code === 'chunk_lost', 'the loss reported');
    recorders.current.emit('b');
    await session.drain();
    expect(order(server)).toEqual(['0/1:200']);
  });
});
