import { describe, expect, it } from 'vitest';
import type { Peer } from '../../protocol/messages.js';
import { Emitter } from '../lib/emitter.js';
import { FakeStream, FakeTrack } from '../testing/fake-media.js';
import { NO_REMOTE_MEDIA, RemoteFeed, type RemoteFeedEvents, type RemoteMedia } from './remote-media.js';

const doctor: Peer = { userId: 'd1', role: 'doctor', displayName: 'Dr. Ada' };

function setup() {
  const events = new Emitter<RemoteFeedEvents>();
  const streams: Array<MediaStream | null> = [];
  const media: RemoteMedia[] = [];
  events.on('remote-stream', (stream) => streams.push(stream));
  events.on('remote-media', (m) => media.push(m));
  const feed = new RemoteFeed({ events, createMediaStream: () => new FakeStream().asStream });
  return { feed, streams, media };
}

describe('RemoteFeed', () => {
  it('shows the stream the tracks come in, once', () => {
    const { feed, streams } = setup();
    const remote = FakeStream.withAudioAndVideo();
    for (const track of remote.tracks) feed.addTrack(track.asTrack, [remote.asStream]);
    expect(streams).toEqual([remote.asStream]);
    expect(feed.stream).toBe(remote.asStream);
  });

  it('gathers tracks that come without a stream into one of its own', () => {
    const { feed, streams } = setup();
    const audio = new FakeTrack('audio');
    const video = new FakeTrack('video');
    feed.addTrack(audio.asTrack, []);
    feed.addTrack(video.asTrack, []);
    expect(streams).toHaveLength(1);
    expect(feed.stream?.getTracks()).toEqual([audio, video]);
  });

  it('lets the stream go with its peer connection', () => {
    const { feed, streams } = setup();
    feed.dropStream();
    feed.addTrack(new FakeTrack('audio').asTrack, []);
    feed.dropStream();
    feed.dropStream();
    expect(streams.at(-1)).toBeNull();
    expect(streams).toHaveLength(2);
    expect(feed.stream).toBeNull();
  });

  it('keeps what the other side signals, and forgets it for a new peer connection', () => {
    const { feed, media } = setup();
    feed.signalled({ type: 'media-state', audioMuted: true, videoOff: false, from: doctor, seq: 1 });
    feed.signalled({ type: 'screen-share', active: true, from: doctor, seq: 2 });
    expect(media).toEqual([
      { audioMuted: true, videoOff: false, screenSharing: false, microphone: 'on', camera: 'on' },
      { audioMuted: true, videoOff: false, screenSharing: true, microphone: 'on', camera: 'on' },
    ]);
    feed.reset();
    expect(feed.media).toBe(NO_REMOTE_MEDIA);
    expect(media.at(-1)).toBe(NO_REMOTE_MEDIA);
  });
});
