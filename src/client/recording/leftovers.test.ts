import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../api/http-client.js';
import { FakeRecordingServer } from '../testing/fake-recording-api.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { until } from '../testing/until.js';
import { ChunkStore } from './chunk-store.js';
import { sendLeftoverChunks } from './leftovers.js';
import { sha256Hex } from './upload-queue.js';

let store: ChunkStore;
let dbCount = 0;

beforeEach(async () => {
  dbCount += 1;
  store = await ChunkStore.open(`leftovers-test-${dbCount}`);
});
afterEach(() => store.close());

const blob = (text: string) => new Blob([text]);

/**
 * What a call page leaves when its few seconds run out: per recording, `chunks` chunks recorded in segment 0
 * (declared closed), of which the first `sent` reached the server; the rest are in IndexedDB. Returns the
 * server, and how many uploads it had seen by then.
 */
async function callPageLeft(recordings: Record<string, { chunks: number; sent: number }>) {
  const server = new FakeRecordingServer();
  const api = new ApiClient(server.fetch);
  for (const [recordingId, { chunks, sent }] of Object.entries(recordings)) {
    for (let seq = 0; seq < chunks; seq += 1) {
      const body = blob(`${recordingId}-${seq}`);
      const sha256 = await sha256Hex(body);
      if (seq < sent) await api.putRecordingChunk(recordingId, 0, seq, body, sha256);
      else await store.putChunk({ recordingId, segment: 0, seq, blob: body, sha256, bytes: body.size });
    }
    await store.putSegment({ recordingId, segment: 0, chunks, closed: true });
  }
  return { server, before: server.puts.length };
}

describe('sendLeftoverChunks: what a call page left in this browser is sent from the doctor’s next page', () => {
  it('sends every recording’s leftovers in order, deletes them after their receipts, and stops nothing', async () => {
    const { server, before } = await callPageLeft({ a: { chunks: 4, sent: 1 }, b: { chunks: 2, sent: 0 } });
    const report = await sendLeftoverChunks({
      api: new ApiClient(server.fetch),
      store,
      timers: new FakeTimers(),
    });
    expect(report).toEqual({ recordings: 2, chunks: 5 });
    // Each recording's chunks go in order (recordings go side by side), every one answered 200.
    const sent = server.puts.slice(before);
    expect(sent.every((p) => p.outcome === 200)).toBe(true);
    const inOrder = (id: string) =>
      sent.filter((p) => p.recordingId === id).map((p) => `${p.segment}/${p.seq}`);
    expect(inOrder('a')).toEqual(['0/1', '0/2', '0/3']);
    expect(inOrder('b')).toEqual(['0/0', '0/1']);
    expect([...(server.stored.get('a')?.keys() ?? [])].sort()).toEqual(['0/0', '0/1', '0/2', '0/3']);
    expect(await store.chunks('a')).toEqual([]);
    expect(await store.chunks('b')).toEqual([]);
    expect(server.stops, 'no recording is stopped: the doctor may still resume it').toEqual([]);
    // The segment counts stay, for a call page that resumes the recording and stops it later.
    expect((await store.segments('a')).map((s) => s.chunks)).toEqual([4]);
  });

  it('retries through network errors and 5xx until the server has them', async () => {
    const { server } = await callPageLeft({ a: { chunks: 2, sent: 0 } });
    server.failNext('network', 503, 'network');
    const timers = new FakeTimers();
    const sent = sendLeftoverChunks({ api: new ApiClient(server.fetch), store, timers, random: () => 1 });
    for (let i = 0; i < 3; i += 1) {
      await until(() => timers.pendingTimeouts().length === 1, 'a retry waiting');
      timers.advance(timers.pendingTimeouts()[0] ?? 0);
    }
    expect(await sent).toEqual({ recordings: 1, chunks: 2 });
    expect(server.acknowledged.map((p) => p.seq)).toEqual([0, 1]);
    expect(server.puts.filter((p) => p.outcome !== 200)).toHaveLength(3);
    expect(await store.chunks('a')).toEqual([]);
  });

  it('forgets the chunks of a recording the server will never take (sealed, discarded): 409 recording_not_active', async () => {
    const { server } = await callPageLeft({ gone: { chunks: 3, sent: 0 }, kept: { chunks: 1, sent: 0 } });
    server.deactivate('gone');
    const report = await sendLeftoverChunks({
      api: new ApiClient(server.fetch),
      store,
      timers: new FakeTimers(),
    });
    expect(report).toEqual({ recordings: 2, chunks: 4 });
    expect(await store.recordingIds()).toEqual(['kept']);
    expect(await store.chunks('gone')).toEqual([]);
    expect(server.acknowledged.map((p) => p.recordingId)).toEqual(['kept']);
  });

  it('finds nothing to do in a browser without leftovers, and sends nothing', async () => {
    const server = new FakeRecordingServer();
    const report = await sendLeftoverChunks({
      api: new ApiClient(server.fetch),
      store,
      timers: new FakeTimers(),
    });
    expect(report).toEqual({ recordings: 0, chunks: 0 });
    expect(server.puts).toEqual([]);
  });
});
