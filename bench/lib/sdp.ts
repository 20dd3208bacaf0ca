/**
 * Signaling payloads shaped like Chrome's: an audio + video SDP of 4–6 KB and host/srflx candidates.
 * The send time travels inside the payload (an SDP attribute line, a candidate extension), so the
 * receiver measures sender → receiver latency on the same clock.
 */

const STAMP_ATTRIBUTE = 'a=x-bench-sent:';
const STAMP_CANDIDATE = ' x-bench-sent ';

function hex(random: () => number, length: number): string {
  let s = '';
  while (s.length < length) s += Math.floor(random() * 16).toString(16);
  return s;
}

function token(random: () => number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

const AUDIO_EXTMAPS = [
  'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'urn:ietf:params:rtp-hdrext:sdes:mid',
];
const VIDEO_EXTMAPS = [
  'urn:ietf:params:rtp-hdrext:toffset',
  'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'urn:3gpp:video-orientation',
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
  'http://www.webrtc.org/experiments/rtp-hdrext/video-content-type',
  'http://www.webrtc.org/experiments/rtp-hdrext/video-timing',
  'http://www.webrtc.org/experiments/rtp-hdrext/color-space',
  'urn:ietf:params:rtp-hdrext:sdes:mid',
  'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
];
const H264_PROFILES = ['42001f', '42e01f', '4d001f', '4d0032', '640032', 'f4001f'];

/**
 * Offers and answers made once and stamped at each use: making an SDP took 4-5% of the load generator's
 * CPU, which on a 2-core machine is taken from the server under test. 32 of each kind, used in turn, keep
 * the sizes varied as makeSdp makes them.
 */
export class SdpPool {
  private readonly made = new Map<'offer' | 'answer', Array<[string, string]>>();
  private turn = 0;

  constructor(private readonly size = 32) {}

  sdp(kind: 'offer' | 'answer', sentAt: number): string {
    let made = this.made.get(kind);
    if (!made) {
      made = Array.from({ length: this.size }, () => {
        const text = makeSdp(kind, 0);
        const at = text.indexOf(STAMP_ATTRIBUTE) + STAMP_ATTRIBUTE.length;
        return [text.slice(0, at), text.slice(at + '0.000'.length)] as [string, string];
      });
      this.made.set(kind, made);
    }
    const [before, after] = made[this.turn++ % made.length] as [string, string];
    return `${before}${sentAt.toFixed(3)}${after}`;
  }
}

/**
 * An offer or answer. `h264Profiles` (0–6) varies the size between about 4 and 6 KB, as the codec list
 * of real browsers does.
 */
export function makeSdp(
  kind: 'offer' | 'answer',
  sentAt: number,
  random: () => number = Math.random,
): string {
  const h264 = 2 + Math.floor(random() * 5);
  const ssrcA = Math.floor(random() * 2 ** 32);
  const ssrcV = Math.floor(random() * 2 ** 32);
  const ssrcR = Math.floor(random() * 2 ** 32);
  const cname = token(random, 16);
  const stream = `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`;
  const track = (n: number) =>
    `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${n}`;
  const fingerprint = Array.from({ length: 32 }, () => hex(random, 2).toUpperCase()).join(':');
  const ufrag = token(random, 4);
  const pwd = token(random, 24);
  const setup = kind === 'offer' ? 'actpass' : 'active';
  const videoPts: number[] = [96, 97, 98, 99, 100, 101];
  for (let i = 0; i < h264; i++) videoPts.push(102 + i * 2, 103 + i * 2);
  videoPts.push(45, 46, 119, 120, 121);
  /** What every m-section of a BUNDLE repeats: one transport, one ICE and DTLS identity. */
  const transport = (mid: number) => [
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=setup:${setup}`,
    `a=mid:${mid}`,
  ];
  const lines: string[] = [
    'v=0',
    `o=- ${Math.floor(random() * 1e18)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'a=extmap-allow-mixed',
    `a=msid-semantic: WMS ${stream}`,
    `${STAMP_ATTRIBUTE}${sentAt.toFixed(3)}`,
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    ...transport(0),
    ...AUDIO_EXTMAPS.map((u, i) => `a=extmap:${i + 1} ${u}`),
    'a=sendrecv',
    `a=msid:${stream} ${track(1)}`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:13 CN/8000',
    'a=rtpmap:110 telephone-event/48000',
    'a=rtpmap:126 telephone-event/8000',
    `a=ssrc:${ssrcA} cname:${cname}`,
    `a=ssrc:${ssrcA} msid:${stream} ${track(1)}`,
    `m=video 9 UDP/TLS/RTP/SAVPF ${videoPts.join(' ')}`,
    ...transport(1),
    ...VIDEO_EXTMAPS.map((u, i) => `a=extmap:${i + 2} ${u}`),
    'a=sendrecv',
    `a=msid:${stream} ${track(2)}`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
  ];
  const fb = (pt: number) => [
    `a=rtcp-fb:${pt} goog-remb`,
    `a=rtcp-fb:${pt} transport-cc`,
    `a=rtcp-fb:${pt} ccm fir`,
    `a=rtcp-fb:${pt} nack`,
    `a=rtcp-fb:${pt} nack pli`,
  ];
  const codec = (pt: number, name: string, fmtp?: string) => [
    `a=rtpmap:${pt} ${name}/90000`,
    ...fb(pt),
    ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : []),
    `a=rtpmap:${pt + 1} rtx/90000`,
    `a=fmtp:${pt + 1} apt=${pt}`,
  ];
  lines.push(...codec(96, 'VP8'), ...codec(98, 'VP9', 'profile-id=0'), ...codec(100, 'VP9', 'profile-id=2'));
  for (let i = 0; i < h264; i++) {
    const profile = H264_PROFILES[i % H264_PROFILES.length];
    lines.push(
      ...codec(
        102 + i * 2,
        'H264',
        `level-asymmetry-allowed=1;packetization-mode=${i % 2};profile-level-id=${profile}`,
      ),
    );
  }
  lines.push(
    ...codec(45, 'AV1', 'level-idx=5;profile=0;tier=0'),
    'a=rtpmap:119 red/90000',
    'a=rtpmap:120 rtx/90000',
    'a=fmtp:120 apt=119',
    'a=rtpmap:121 ulpfec/90000',
    `a=ssrc-group:FID ${ssrcV} ${ssrcR}`,
    `a=ssrc:${ssrcV} cname:${cname}`,
    `a=ssrc:${ssrcV} msid:${stream} ${track(2)}`,
    `a=ssrc:${ssrcR} cname:${cname}`,
    `a=ssrc:${ssrcR} msid:${stream} ${track(2)}`,
  );
  return `${lines.join('\r\n')}\r\n`;
}

/** One trickled candidate as RTCIceCandidateInit; `n` numbers them within a burst. */
export function makeCandidate(
  n: number,
  ufrag: string,
  sentAt: number,
  random: () => number = Math.random,
): { candidate: string; sdpMid: string; sdpMLineIndex: number; usernameFragment: string } {
  const foundation = Math.floor(random() * 4e9);
  const port = 40000 + Math.floor(random() * 20000);
  const kind = n % 3 === 2 ? 'srflx raddr 0.0.0.0 rport 0' : 'host';
  const priority = kind === 'host' ? 2122260223 - n : 1686052607 - n;
  const protocol = n % 4 === 3 ? 'tcp' : 'udp';
  const tcp = protocol === 'tcp' ? ' tcptype passive' : '';
  return {
    candidate: `candidate:${foundation} ${1 + (n % 2)} ${protocol} ${priority} 127.0.0.1 ${port} typ ${kind}${tcp} generation 0 ufrag ${ufrag} network-id ${1 + (n % 3)} network-cost 10${STAMP_CANDIDATE}${sentAt.toFixed(3)}`,
    sdpMid: String(n % 2),
    sdpMLineIndex: n % 2,
    usernameFragment: ufrag,
  };
}

/** The send time a payload carries, or null if it carries none. */
export function stampOf(text: string): number | null {
  let i = text.indexOf(STAMP_ATTRIBUTE);
  if (i >= 0) {
    i += STAMP_ATTRIBUTE.length;
    const end = text.indexOf('\r\n', i);
    return Number(text.slice(i, end < 0 ? undefined : end));
  }
  i = text.lastIndexOf(STAMP_CANDIDATE);
  if (i >= 0) return Number(text.slice(i + STAMP_CANDIDATE.length));
  return null;
}

export { token as randomToken };
