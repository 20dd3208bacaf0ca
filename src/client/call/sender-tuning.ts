import type { RtpSenderLike } from './peer-connection.js';

export type VideoSource = 'camera' | 'screen';

export interface VideoSendProfile {
  maxBitrate: number;
  maxFramerate: number;
  degradationPreference: RTCDegradationPreference;
  /** MediaStreamTrack.contentHint: tells the encoder what the picture is ('' leaves the browser's default). */
  contentHint: '' | 'detail';
}

/**
 * The camera: 2.5 Mbps is ample for 720p30 (and 1080p at a lower frame rate). The resolution is held and
 * the frame rate gives way under constraint: measured on loopback, the far side then decodes 1280x720 from
 * its first frames, where `balanced` (Chromium's default) starts at 320x180 and needs 12–25 s to reach it
 * (docs/call-quality.md). A clinician looking at skin or a wound needs the detail more than the motion.
 * A screen: text must stay sharp too; more bits for 1080p detail.
 */
export const VIDEO_SEND_PROFILES: Record<VideoSource, VideoSendProfile> = {
  camera: {
    maxBitrate: 2_500_000,
    maxFramerate: 30,
    degradationPreference: 'maintain-resolution',
    // Not "motion": that hint asks the encoder to keep the frame rate instead.
    contentHint: '',
  },
  screen: {
    maxBitrate: 4_000_000,
    maxFramerate: 30,
    degradationPreference: 'maintain-resolution',
    contentHint: 'detail',
  },
};

/**
 * Where the bandwidth estimate starts and may not fall below (kbps), written into the remote description's
 * video codecs: Chromium reads x-google-start-bitrate from there for what it sends. Its own default start
 * (300 kbps) makes the encoder begin at 320x180 and climb to 720p over several seconds.
 */
export const START_BITRATE_KBPS = 1_500;

/** Applies a profile to the video sender; a sender not yet negotiated (no encodings) is left for later. */
export async function tuneVideoSender(sender: RtpSenderLike, source: VideoSource): Promise<boolean> {
  const profile = VIDEO_SEND_PROFILES[source];
  const track = sender.track;
  if (track && 'contentHint' in track && track.contentHint !== profile.contentHint) {
    track.contentHint = profile.contentHint;
  }
  const parameters = sender.getParameters();
  const [first] = parameters.encodings;
  if (!first) return false;
  if (
    first.maxBitrate === profile.maxBitrate &&
    first.maxFramerate === profile.maxFramerate &&
    parameters.degradationPreference === profile.degradationPreference
  ) {
    return true;
  }
  first.maxBitrate = profile.maxBitrate;
  first.maxFramerate = profile.maxFramerate;
  parameters.degradationPreference = profile.degradationPreference;
  await sender.setParameters(parameters);
  return true;
}

const VIDEO_CODECS = /^(VP8|VP9|H264|AV1)$/i;

/**
 * Adds x-google-start-bitrate to every video codec's fmtp line of a description (adding the line where a
 * codec has none, as VP8 usually does). Lines already carrying the parameter are left alone.
 */
export function withStartBitrate(sdp: string, kbps: number = START_BITRATE_KBPS): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const out: string[] = [];
  let inVideo = false;
  const payloads = new Set<string>();
  for (const line of lines) {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    if (inVideo) {
      const rtpmap = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
      if (rtpmap?.[1] && rtpmap[2] && VIDEO_CODECS.test(rtpmap[2])) payloads.add(rtpmap[1]);
    }
  }
  if (payloads.size === 0) return sdp;
  const withFmtp = new Set<string>();
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) /.exec(line);
    if (fmtp?.[1] && payloads.has(fmtp[1])) withFmtp.add(fmtp[1]);
  }
  const param = `x-google-start-bitrate=${kbps}`;
  for (const line of lines) {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp?.[1] && payloads.has(fmtp[1])) {
      out.push(line.includes('x-google-start-bitrate') ? line : `${line};${param}`);
      continue;
    }
    out.push(line);
    const rtpmap = /^a=rtpmap:(\d+) /.exec(line);
    if (rtpmap?.[1] && payloads.has(rtpmap[1]) && !withFmtp.has(rtpmap[1]))
      out.push(`a=fmtp:${rtpmap[1]} ${param}`);
  }
  return out.join(eol);
}
