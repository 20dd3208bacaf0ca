import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/api-error.js';
import { ApiClient } from '../api/http-client.js';
import { FakeRecordingServer } from '../testing/fake-recording-api.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { until } from '../testing/until.js';
import { ChunkStore } from './chunk-store.js';
import {
  classifyUploadFailure,
  nextSegmentNumber,
  retryDelay,
  UploadQueue,
  type UploadQueueEvents,
} from './upload-queue.js';

let store: ChunkStore;
let dbCount = 0;

beforeEach(async () => {
  dbCount += 1;
  store = await ChunkStore.open(`upload-queue-test-${dbCount}`);
});
afterEach(() => store.close());

function setup() {
  const server = new FakeRecordingServer();
  const timers = new FakeTimers();
  const queue = new UploadQueue({ api: new ApiClient(server.fetch), store, timers, random: () => 1 });
  const dropped: Array<UploadQueueEvents['dropped']> = [];
  queue.events.on('dropped', (d) => dropped.push(d));
  return { server, timers, queue, dropped };
}

const blob = (text: string) => new Blob([text]);
const order = (server: FakeRecordingServer) => server.puts.map((p) => `${p.segment}/${p.seq}:${p.outcome}`);

describe('classifyUploadFailure and retryDelay', () => {
  it('retries what may go through later and drops what never will', () => {
    const error = (status: number, code = 'unexpected_response') =>
      classifyUploadFailure(new ApiError(status, code as never, ''));
    expect([error(0, 'network_error'), error(500), error(502), error(429), error(422), error(401)]).toEqual([
      'retry',
      'retry',
      'retry',
      'retry',
      'retry',
      'retry',
    ]);
    expect(classifyUploadFailure(new TypeError('x'))).toBe('retry');
    expect(error(409, 'recording_not_active')).toBe('gone');
    expect(error(404, 'not_found')).toBe('gone');
    expect(error(507, 'storage_full')).toBe('storage_full');
    expect(error(413, 'recording_too_large')).toBe('too_large');
    expect(error(409, 'chunk_conflict')).toBe('refused');
    expect(error(400, 'validation_failed')).toBe('refused');
  });

  it('waits 0.5 s doubling to 10 s, jittered between half and all of it', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((a) => retryDelay(a, () => 1))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect(retryDelay(0, () => 0)).toBe(250);
    expect(retryDelay(9, () => 0)).toBe(5000);
  });

  it('starts after both the server’s segments and this browser’s', () => {
    const local = [
      { recordingId: 'r', segment: 0, chunks: 2, closed: true },
      { recordingId: 'r', segment: 4, chunks: 1, closed: false },
    ];
    expect(nextSegmentNumber(2, local)).toBe(5);
    expect(nextSegmentNumber(7, local)).toBe(7);
    expect(nextSegmentNumber(0, [])).toBe(0);
  });
});

describe('UploadQueue', () => {
  it('uploads in order with checksums, deletes each chunk only after its receipt, and drains', async () => {
    const { server, queue } = setup();
    const changes: number[] = [];
    queue.events.on('change', (s) => changes.push(s.pendingChunks));
    server.hold();
    await queue.add('r1', { segment: 0, seq: 0, blob: blob('first') });
    await queue.add('r1', { segment: 0, seq: 1, blob: blob('second!') });
    await queue.add('r1', { segment: 1, seq: 0, blob: blob('third') });
    expect(queue.state).toMatchObject({ pendingChunks: 3, pendingBytes: 17 });
    expect((await store.chunks('r1')).map((c) => c.seq)).toEqual([0, 1, 0]);
    await until(() => server.puts.length === 1);
    expect(server.puts.length).toBe(1);
    const drained = queue.drain();
    server.release();
    await until(() => server.puts.length === 2);
    server.release();
    await until(() => server.puts.length === 3);
    server.release();
    await drained;
    expect(order(server)).toEqual(['0/0:200', '0/1:200', '1/0:200']);
    expect(server.puts[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.chunks('r1')).toEqual([]);
    expect(queue.state.pendingChunks).toBe(0);
    expect(changes.at(-1)).toBe(0);
  });

  it('retries network errors, 5xx, 429 and damaged chunks with backoff, then clears the error', async () => {
    const { server, timers, queue } = setup();
    server.failNext('network', 503, 'rate_limited', 'chunk_checksum_mismatch');
    await queue.add('r1', { segment: 0, seq: 0, blob: blob('a') });
    await until(() => timers.pendingTimeouts().length === 1);
    expect(queue.state.error).toMatchObject({ code: 'network_error', fatal: false });
    const waits: number[] = [];
    for (let i = 0; i < 4 && server.acknowledged.length === 0; i += 1) {
      await until(() => timers.pendingTimeouts().length === 1 || server.acknowledged.length === 1);
      const wait = timers.pendingTimeouts()[0];
      if (wait === undefined) break;
      waits.push(wait);
      timers.advance(wait);
    }
    await queue.drain();
    expect(waits).toEqual([500, 1000, 2000, 4000]);
    expect(order(server)).toEqual(['0/0:network', '0/0:503', '0/0:429', '0/0:422', '0/0:200']);
    expect(queue.state.error).toBeNull();
    expect(await store.chunks('r1')).toEqual([]);
  });

  it('drops a recording the server no longer takes, quietly, and sends nothing more of it', async () => {
    const { server, queue, dropped } = setup();
    server.deactivate('r1');
    server.hold();
    await queue.add('r1', { segment: 0, seq: 0, blob: blob('a') });
    await queue.add('r1', { segment: 0, seq: 1, blob: blob('b') });
    server.release();
    await queue.drain();
    expect(dropped).toEqual([{ recordingId: 'r1', reason: 'gone', chunks: 2 }]);
    expect(order(server)).toEqual(['0/0:409']);
    expect(queue.state).toMatchObject({ pendingChunks: 0, error: null });
    expect(await store.chunks('r1')).toEqual([]);
    expect(await store.segments('r1')).toEqual([]);
    await queue.add('r1', { segment: 0, seq: 2, blob: blob('c') });
    expect(server.puts).toHaveLength(1);
  });

  it('reports storage full as a fatal error in words and drops the chunks', async () => {
    const { server, queue, dropped } = setup();
    server.failNext('storage_full');
    await queue.add('r1', { segment: 0, seq: 0, blob: blob('a') });
    await queue.drain();
    expect(dropped).toEqual([{ recordingId: 'r1', reason: 'storage_full', chunks: 1 }]);
    expect(queue.state.error).toMatchObject({ code: 'storage_full', fatal: true });
    expect(queue.state.error?.message).toMatch(/no room left/);
    expect(await store.chunks('r1')).toEqual([]);
  });

  it('treats an acknowledged duplicate as done', async () => {
    const { server, queue } = setup();
    const acknowledged: boolean[] = [];
    queue.events.on('acknowledged', (r) => acknowledged.push(r.stored));
    await queue.add('r1', { segment: 0, seq: 0, blob: blob('a') });
    await queue.drain();
    const again = new UploadQueue({ api: new ApiClient(server.fetch), store, timers: new FakeTimers() });
    again.events.on('acknowledged', (r) => acknowledged.push(r.stored));
    await again.add('r1', { segment: 0, seq: 0, blob: blob('a') });
    await again.drain();
    expect(acknowledged).toEqual([true, false]);
    expect(await store.chunks('r1')).toEqual([]);
  });

  it('cancel aborts the upload in flight, sends nothing more and deletes the local copy', async () => {
    const { server, queue } = setup();
    server.hold();
    await queue.add('r1', { segment: 0, seq: 0, blob: blob('a') });
    await queue.add('r1', { segment: 0, seq: 1, blob: blob('b') });
    await until(() => server.puts.length === 1);
    await queue.cancel('r1');
    await until(() => server.puts[0]?.outcome === 'aborted');
    server.release();
    await queue.drain();
    expect(order(server)).toEqual(['0/0:aborted']);
    expect(await store.chunks('r1')).toEqual([]);
    expect(await store.segments('r1')).toEqual([]);
  });

  it('stop declares every segment’s chunk count, those of an earlier page included, then forgets it', async () => {
    const { server, queue } = setup();
    await store.putChunk({ recordingId: 'r1', segment: 0, seq: 0, blob: blob('old'), sha256: 'x', bytes: 3 });
    await store.putSegment({ recordingId: 'r1', segment: 0, chunks: 4, closed: false });
    await store.deleteChunk('r1', 0, 0);
    await queue.add('r1', { segment: 1, seq: 0, blob: blob('a') });
    await queue.add('r1', { segment: 1, seq: 1, blob: blob('b') });
    await queue.closeSegment('r1', 1, 2);
    const request = await queue.stop('r1');
    expect(request).toEqual({
      segments: [
        { segment: 0, chunks: 4 },
        { segment: 1, chunks: 2 },
      ],
    });
    expect(server.stops).toEqual([{ recordingId: 'r1', request }]);
    await queue.drain();
    expect(await store.segments('r1')).toEqual([]);
  });
});
