import { describe, expect, it } from 'vitest';
import { FakeTrack } from '../testing/fake-media.js';
import { FakeSender } from '../testing/fake-peer-connection.js';
import {
  START_BITRATE_KBPS,
  tuneVideoSender,
  VIDEO_SEND_PROFILES,
  withStartBitrate,
} from './sender-tuning.js';

// The shape of a Chromium answer: VP8 without an fmtp line, VP9/H264 with one, RTX and RED beside them.
const SDP = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 nack',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 VP9/90000',
  'a=fmtp:98 profile-id=0',
  'a=rtpmap:99 H264/90000',
  'a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  'a=rtpmap:100 red/90000',
  '',
].join('\r\n');

describe('withStartBitrate', () => {
  it('adds the start bitrate to every video codec, not to audio, RTX or RED', () => {
    const lines = withStartBitrate(SDP, 1500).split('\r\n');
    expect(lines).toContain('a=fmtp:96 x-google-start-bitrate=1500');
    expect(lines.indexOf('a=fmtp:96 x-google-start-bitrate=1500')).toBe(
      lines.indexOf('a=rtpmap:96 VP8/90000') + 1,
    );
    expect(lines).toContain('a=fmtp:98 profile-id=0;x-google-start-bitrate=1500');
    expect(lines).toContain(
      'a=fmtp:99 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1500',
    );
    expect(lines).toContain('a=fmtp:97 apt=96');
    expect(lines).toContain('a=fmtp:111 minptime=10;useinbandfec=1');
    expect(lines.filter((l) => l.includes('x-google-start-bitrate'))).toHaveLength(3);
    expect(lines.at(-1)).toBe('');
  });

  it('is idempotent and leaves a description without video alone', () => {
    const once = withStartBitrate(SDP);
    expect(withStartBitrate(once)).toBe(once);
    expect(once).toContain(`x-google-start-bitrate=${START_BITRATE_KBPS}`);
    const audioOnly = SDP.slice(0, SDP.indexOf('m=video'));
    expect(withStartBitrate(audioOnly)).toBe(audioOnly);
  });
});

describe('tuneVideoSender', () => {
  it('caps the bitrate and holds the resolution for the camera, with more bits and a detail hint for a screen', async () => {
    const track = new FakeTrack('video');
    const sender = new FakeSender(track.asTrack);
    expect(await tuneVideoSender(sender, 'camera')).toBe(true);
    expect(sender.applied.at(-1)).toMatchObject({
      degradationPreference: 'maintain-resolution',
      encodings: [{ maxBitrate: VIDEO_SEND_PROFILES.camera.maxBitrate, maxFramerate: 30 }],
    });
    await tuneVideoSender(sender, 'screen');
    expect(sender.applied.at(-1)?.encodings[0]?.maxBitrate).toBe(VIDEO_SEND_PROFILES.screen.maxBitrate);
    expect(track.contentHint).toBe('detail');
  });

  it('does not set the same parameters twice, and leaves a sender without encodings for later', async () => {
    const sender = new FakeSender(new FakeTrack('video').asTrack);
    await tuneVideoSender(sender, 'camera');
    await tuneVideoSender(sender, 'camera');
    expect(sender.applied).toHaveLength(1);
    const unnegotiated = new FakeSender(new FakeTrack('video').asTrack);
    unnegotiated.getParameters = () => ({
      transactionId: '1',
      encodings: [],
      codecs: [],
      headerExtensions: [],
      rtcp: {},
    });
    expect(await tuneVideoSender(unnegotiated, 'camera')).toBe(false);
    expect(unnegotiated.applied).toEqual([]);
  });
});
