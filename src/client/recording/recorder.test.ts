import { describe, expect, it } from 'vitest';
import { CHUNK_INTERVAL_MS } from '../../protocol/recording.js';
import { FakeStream } from '../testing/fake-media.js';
import { FakeMediaRecorderFactory } from '../testing/fake-media-recorder.js';
import { chooseMimeType, MAX_RESTARTS, MIME_TYPES, type RecordedChunk, Recorder } from './recorder.js';

function setup(firstSegment = 0, supported?: string[]) {
  const factory = new FakeMediaRecorderFactory(supported);
  const recorder = new Recorder({ factory, stream: new FakeStream().asStream, firstSegment });
  const chunks: Array<[number, number, number]> = [];
  const blobs: RecordedChunk[] = [];
  const ends: Array<{ segment: number; chunks: number }> = [];
  const errors: Array<number | null> = [];
  recorder.events.on('chunk', (c) => {
    chunks.push([c.segment, c.seq, c.blob.size]);
    blobs.push(c);
  });
  recorder.events.on('segment-end', (e) => ends.push(e));
  recorder.events.on('error', (e) => errors.push(e.nextSegment));
  return { factory, recorder, chunks, blobs, ends, errors };
}

describe('chooseMimeType', () => {
  it('takes the first supported of VP9, VP8, plain WebM; none leaves the choice to the browser', () => {
    expect(MIME_TYPES[0]).toBe('video/webm;codecs=vp9,opus');
    expect(chooseMimeType(() => true)).toBe('video/webm;codecs=vp9,opus');
    expect(chooseMimeType((t) => t.includes('vp8') || t === 'video/webm')).toBe('video/webm;codecs=vp8,opus');
    expect(chooseMimeType((t) => t === 'video/webm')).toBe('video/webm');
    expect(chooseMimeType(() => false)).toBeNull();
  });
});

describe('Recorder', () => {
  it('records every 2 s at 720p bit rates and numbers chunks from 0 in its segment, skipping empty ones', () => {
    const { factory, recorder, chunks } = setup(3);
    recorder.start();
    const media = factory.current;
    expect(media.timeslice).toBe(CHUNK_INTERVAL_MS);
    expect(media.options).toEqual({
      mimeType: 'video/webm;codecs=vp8,opus',
      videoBitsPerSecond: 2_500_000,
      audioBitsPerSecond: 64_000,
    });
    media.emit('aa');
    media.emit('');
    media.emit('bbb');
    expect(chunks).toEqual([
      [3, 0, 2],
      [3, 1, 3],
    ]);
    expect(recorder.segment).toBe(3);
  });

  it('pauses and resumes in the same segment', () => {
    const { factory, recorder, chunks } = setup();
    recorder.start();
    factory.current.emit('a');
    recorder.pause();
    expect(factory.current.state).toBe('paused');
    recorder.resume();
    expect(factory.current.state).toBe('recording');
    factory.current.emit('b');
    expect(factory.made).toHaveLength(1);
    expect(chunks.map(([segment, seq]) => [segment, seq])).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });

  it('stop resolves after the last chunk the browser still held, and ends the segment with its count', async () => {
    const { factory, recorder, chunks, ends } = setup();
    recorder.start();
    factory.current.emit('a');
    factory.current.pendingOnStop = 'tail';
    await recorder.stop();
    expect(chunks.map(([, seq, size]) => [seq, size])).toEqual([
      [0, 1],
      [1, 4],
    ]);
    expect(ends).toEqual([{ segment: 0, chunks: 2 }]);
    expect(recorder.state).toBe('stopped');
  });

  it('restarts capture in the next segment after a recorder error, keeping the failed one’s last chunk', async () => {
    const { factory, recorder, chunks, ends, errors } = setup(1);
    recorder.start();
    const first = factory.current;
    first.emit('a');
    first.pendingOnStop = 'b';
    first.fail();
    expect(errors).toEqual([2]);
    expect(factory.made).toHaveLength(2);
    factory.current.emit('c');
    await Promise.resolve();
    expect(chunks.map(([segment, seq]) => [segment, seq])).toEqual([
      [1, 0],
      [2, 0],
      [1, 1],
    ]);
    expect(ends).toEqual([{ segment: 1, chunks: 2 }]);
    expect(recorder.segment).toBe(2);
  });

  it('gives up after repeated errors with no chunk between them', () => {
    const { factory, recorder, errors } = setup();
    recorder.start();
    for (let i = 0; i <= MAX_RESTARTS; i += 1) factory.current.fail();
    expect(errors).toEqual([1, 2, 3, null]);
    expect(factory.made).toHaveLength(MAX_RESTARTS + 1);
    expect(recorder.state).toBe('stopped');
  });

  it('discard stops at once and hands nothing more over', async () => {
    const { factory, recorder, chunks, ends } = setup();
    recorder.start();
    factory.current.pendingOnStop = 'late';
    recorder.discard();
    await Promise.resolve();
    factory.current.emit('later');
    expect(chunks).toEqual([]);
    expect(ends).toEqual([]);
    expect(factory.current.state).toBe('inactive');
  });
});
