import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkStore, type StoredChunk } from './chunk-store.js';

let store: ChunkStore;
let dbCount = 0;

beforeEach(async () => {
  dbCount += 1;
  store = await ChunkStore.open(`chunk-store-test-${dbCount}`);
});
afterEach(() => store.close());

function chunk(recordingId: string, segment: number, seq: number, text = `${segment}.${seq}`): StoredChunk {
  const blob = new Blob([text]);
  return { recordingId, segment, seq, blob, sha256: `hash-${text}`, bytes: blob.size };
}

describe('ChunkStore', () => {
  it('keeps a blob with its checksum and gives a recording’s chunks back in upload order', async () => {
    await store.putChunk(chunk('r1', 1, 0));
    await store.putChunk(chunk('r1', 0, 10));
    await store.putChunk(chunk('r1', 0, 2));
    await store.putChunk(chunk('r2', 0, 0));
    const chunks = await store.chunks('r1');
    expect(chunks.map((c) => [c.segment, c.seq])).toEqual([
      [0, 2],
      [0, 10],
      [1, 0],
    ]);
    expect(chunks[0]?.sha256).toBe('hash-0.2');
    expect(await chunks[0]?.blob.text()).toBe('0.2');
  });

  it('counts each segment’s chunks, and the count outlives the acknowledged chunks', async () => {
    await store.putChunk(chunk('r1', 0, 0));
    await store.putChunk(chunk('r1', 0, 1));
    await store.putChunk(chunk('r1', 1, 0));
    await store.deleteChunk('r1', 0, 0);
    await store.deleteChunk('r1', 0, 1);
    expect(await store.chunks('r1')).toHaveLength(1);
    expect(await store.segments('r1')).toEqual([
      { recordingId: 'r1', segment: 0, chunks: 2, closed: false },
      { recordingId: 'r1', segment: 1, chunks: 1, closed: false },
    ]);
  });

  it('closes a segment without losing its count, and forgets one recording only', async () => {
    await store.putChunk(chunk('r1', 0, 0));
    await store.putSegment({ recordingId: 'r1', segment: 0, chunks: 1, closed: true });
    await store.putChunk(chunk('r2', 3, 0));
    expect((await store.segments('r1'))[0]?.closed).toBe(true);
    expect((await store.recordingIds()).sort()).toEqual(['r1', 'r2']);
    await store.deleteRecording('r1');
    expect(await store.chunks('r1')).toEqual([]);
    expect(await store.segments('r1')).toEqual([]);
    expect(await store.chunks('r2')).toHaveLength(1);
    expect(await store.recordingIds()).toEqual(['r2']);
  });
});
