import { describe, expect, it } from 'vitest';
import { FakeStream, FakeTrack } from '../testing/fake-media.js';
import { FakePeerConnection, type FakeSender, settle } from '../testing/fake-peer-connection.js';
import type { TrackKind } from './local-media.js';
import { OutgoingSenders } from './outgoing-senders.js';
import { VIDEO_SEND_PROFILES } from './sender-tuning.js';

const NO_HANDLERS = {
  negotiationNeeded: () => undefined,
  iceCandidate: () => undefined,
  track: () => undefined,
  connectionStateChange: () => undefined,
};

function setup(stream = FakeStream.withAudioAndVideo()) {
  const tracks = {
    stream: stream.asStream as MediaStream | null,
    screenSharing: false,
    screen: null as FakeTrack | null,
    outgoing(kind: TrackKind): MediaStreamTrack | null {
      if (kind === 'video' && this.screen) return this.screen.asTrack;
      return stream.tracks.find((t) => t.kind === kind)?.asTrack ?? null;
    },
  };
  const errors: unknown[] = [];
  const senders = new OutgoingSenders({
    tracks,
    createMediaStream: () => new FakeStream().asStream,
    onError: (error) => errors.push(error),
  });
  const pc = new FakePeerConnection('pc', {}, NO_HANDLERS);
  return { stream, tracks, senders, pc, errors };
}

function videoSender(pc: FakePeerConnection): FakeSender {
  const sender = pc.senders.find((s) => s.track?.kind === 'video');
  if (!sender) throw new Error('no video sender');
  return sender;
}

describe('OutgoingSenders', () => {
  it('attaches one sender per track, once per peer connection', () => {
    const { senders, pc, stream } = setup();
    senders.attach();
    senders.use(pc);
    senders.attach();
    senders.attach();
    expect(pc.tracks).toEqual(stream.tracks);
    const next = new FakePeerConnection('pc2', {}, NO_HANDLERS);
    senders.use(next);
    senders.attach();
    expect(next.tracks).toEqual(stream.tracks);
  });

  it('does nothing for a changed track before the tracks are attached', () => {
    const { senders, pc } = setup();
    senders.use(pc);
    senders.follow('video');
    expect(pc.tracks).toEqual([]);
  });

  it('follows a changed track with replaceTrack and tunes the video for what it carries', async () => {
    const { senders, pc, tracks, errors } = setup();
    senders.use(pc);
    senders.attach();
    const screen = new FakeTrack('video', 'screen-1');
    tracks.screen = screen;
    tracks.screenSharing = true;
    senders.follow('video');
    await settle();
    const sender = videoSender(pc);
    expect(sender.replaced).toEqual([screen]);
    expect(sender.applied.at(-1)).toMatchObject({
      encodings: [{ maxBitrate: VIDEO_SEND_PROFILES.screen.maxBitrate }],
    });
    expect(screen.contentHint).toBe('detail');
    expect(pc.tracks).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('adds a kind that was not sent before (a camera plugged in mid-call)', () => {
    const audioOnly = new FakeStream([new FakeTrack('audio')]);
    const { senders, pc } = setup(audioOnly);
    senders.use(pc);
    senders.attach();
    expect(pc.tracks.map((t) => t.kind)).toEqual(['audio']);
    const camera = new FakeTrack('video');
    audioOnly.addTrack(camera);
    senders.follow('video');
    expect(pc.tracks.map((t) => t.kind)).toEqual(['audio', 'video']);
  });

  it('tunes the camera sender when asked after a negotiation', async () => {
    const { senders, pc } = setup();
    senders.use(pc);
    senders.attach();
    senders.tune();
    await settle();
    expect(videoSender(pc).applied.at(-1)).toMatchObject({
      degradationPreference: VIDEO_SEND_PROFILES.camera.degradationPreference,
      encodings: [{ maxBitrate: VIDEO_SEND_PROFILES.camera.maxBitrate }],
    });
  });

  it('drops sender work queued for a peer connection that is gone', async () => {
    const { senders, pc, tracks } = setup();
    senders.use(pc);
    senders.attach();
    tracks.screen = new FakeTrack('video', 'screen-1');
    senders.follow('video');
    senders.use(null);
    await settle();
    expect(videoSender(pc).replaced).toEqual([]);
    senders.follow('video');
    senders.attach();
    expect(pc.tracks).toHaveLength(2);
  });
});
