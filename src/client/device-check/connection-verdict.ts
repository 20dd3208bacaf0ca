import type { PathMeasurement } from './connection-probe.js';
import type { ServerProbeResult } from './server-probe.js';

/** What the page could learn about who is asking: the relay and the server need a sign-in or call link. */
export type TestAccess = 'ok' | 'signed-out' | 'expired' | 'error';

export type ConnectionProblem =
  | 'no-connection'
  | 'relay-unreachable'
  | 'poor-quality'
  | 'websocket-blocked'
  | 'signed-out'
  | 'expired';

export type QualityGrade = 'hd' | 'standard' | 'audio';

export type VerdictLevel = QualityGrade | 'unknown' | 'fail';

/**
 * The result in plain words: what it means (`headline`), what the person can do next (`next`, always),
 * and what was and was not checked (`notes`). Technical names stay in the page's Details.
 */
export interface ConnectionVerdict {
  level: VerdictLevel;
  headline: string;
  next: string;
  notes: string[];
  problems: ConnectionProblem[];
}

export interface VerdictInput {
  access: TestAccess;
  server: ServerProbeResult | null;
  relayConfigured: boolean;
  /** The service sends every call through the relay (WEBRTC_ICE_TRANSPORT_POLICY=relay). */
  relayRequired: boolean;
  direct: PathMeasurement;
  relay: PathMeasurement | null;
}

/**
 * What a path must carry, measured through the relay (this device → relay → this device, so the round
 * trip crosses the network twice). HD: 720p video at about 2.5 Mbit/s, as browsers send it; standard:
 * 360p–480p at about 0.8 Mbit/s; below that, voice (about 50 kbit/s) still gets through.
 */
export const GRADES = {
  hd: { bitrateKbps: 2_500, lossPercent: 2, rttMs: 400 },
  standard: { bitrateKbps: 800, lossPercent: 5, rttMs: 800 },
} as const;

function meets(path: PathMeasurement, grade: (typeof GRADES)[keyof typeof GRADES]): boolean {
  return (
    path.bitrateKbps !== null &&
    path.bitrateKbps >= grade.bitrateKbps &&
    (path.lossPercent === null || path.lossPercent <= grade.lossPercent) &&
    (path.rttMs === null || path.rttMs <= grade.rttMs)
  );
}

export function gradePath(path: PathMeasurement): QualityGrade {
  if (meets(path, GRADES.hd)) return 'hd';
  if (meets(path, GRADES.standard)) return 'standard';
  return 'audio';
}

const GRADE_WORDS: Record<QualityGrade, { headline: string; next: string }> = {
  hd: { headline: 'Your connection is good for HD video.', next: 'You are ready for your call.' },
  standard: {
    headline: 'Your connection is good enough for video.',
    next: 'You are ready for your call. For a sharper picture, move closer to your Wi-Fi router.',
  },
  audio: {
    headline: 'Your connection may only be good enough for sound.',
    next: 'Move closer to your Wi-Fi router, or pause downloads and other video on your network, then test again. In the call you can turn your camera off to keep the sound clear.',
  },
};

const OTHER_NETWORK = "try another network, for example your phone's mobile data";

/** Said to every person the test could not fully check, so nobody is left with a verdict they cannot act on. */
export const VERDICT_WORDS = {
  noVideo: 'Video cannot get through from this device.',
  noVideoNext: `Switch off any VPN, ${OTHER_NETWORK}, then test again. If it still fails, phone the clinic.`,
  videoWorks: 'Video can get through from this device.',
  checkedDevice: 'Checked: this device can make a video connection.',
  checkedClinic: 'Checked: this device can reach the clinic.',
  signInNext: 'To check the connection to the clinic too, sign in or open your call link, then test again.',
  notCheckedSignedOut: 'Not checked: the connection to the clinic, because you are not signed in.',
  expired: 'Your sign-in or call link has expired, so only part of the test could run.',
  expiredNext: 'Sign in again, or ask the clinic for a new link, then test again.',
  error: 'The clinic could not be reached to finish the test.',
  errorNext: 'Wait a minute, then test again.',
  notCheckedNoRelay:
    'Not checked: your internet speed, and whether video gets through strict networks (at work, in hospitals or hotels). This clinic has no relay server to test them with.',
  readyNoRelay: `You can join your call. If it does not connect, ${OTHER_NETWORK}.`,
  relayRequiredDown: "Video cannot get through to the clinic's relay server, which every call uses.",
  relayRequiredDownNext:
    "Try another network, for example your phone's mobile data. If it still fails, tell the clinic: their relay server may need attention.",
  relayDown: "Video can get through directly, but not through the clinic's relay server.",
  relayDownNote:
    'Calls work when both networks let video through directly; on strict networks (at work, in hospitals or hotels) they may not.',
  relayDownNext: `If your call does not connect, ${OTHER_NETWORK}, or tell the clinic.`,
  slowSetUp:
    'The quick way to reach the clinic is blocked on this network, so calls may take a little longer to start.',
  slowSetUpBrowser:
    'This browser uses a slower way to reach the clinic, so calls may take a little longer to start.',
  throughRelay: "Your calls will go through the clinic's relay server.",
} as const;

/** The result in plain words, from what was measured. */
export function connectionVerdict(input: VerdictInput): ConnectionVerdict {
  const notes: string[] = [];
  const problems: ConnectionProblem[] = [];
  const { direct, relay } = input;
  const W = VERDICT_WORDS;

  if (input.server && !input.server.ok) {
    problems.push('websocket-blocked');
    notes.push(input.server.reason === 'unsupported' ? W.slowSetUpBrowser : W.slowSetUp);
  }

  if (!direct.connected && !relay?.connected) {
    problems.push('no-connection');
    if (input.relayConfigured && relay && !relay.connected) problems.push('relay-unreachable');
    return { level: 'fail', headline: W.noVideo, next: W.noVideoNext, notes, problems };
  }

  if (input.access === 'signed-out' || input.access === 'expired') {
    problems.push(input.access);
    if (input.access === 'expired') {
      return { level: 'unknown', headline: W.expired, next: W.expiredNext, notes, problems };
    }
    notes.push(W.checkedDevice, W.notCheckedSignedOut);
    return { level: 'unknown', headline: W.videoWorks, next: W.signInNext, notes, problems };
  }

  if (input.access === 'error') {
    return { level: 'unknown', headline: W.error, next: W.errorNext, notes, problems };
  }

  if (!input.relayConfigured) {
    if (input.server?.ok) notes.push(W.checkedClinic);
    notes.push(W.checkedDevice, W.notCheckedNoRelay);
    return { level: 'unknown', headline: W.videoWorks, next: W.readyNoRelay, notes, problems };
  }

  if (!relay?.connected) {
    problems.push('relay-unreachable', 'no-connection');
    if (input.relayRequired) {
      return { level: 'fail', headline: W.relayRequiredDown, next: W.relayRequiredDownNext, notes, problems };
    }
    notes.push(W.relayDownNote);
    return { level: 'unknown', headline: W.relayDown, next: W.relayDownNext, notes, problems };
  }

  const grade = gradePath(relay);
  if (grade !== 'hd') problems.push('poor-quality');
  if (!direct.connected && !input.relayRequired) notes.push(W.throughRelay);
  return { level: grade, ...GRADE_WORDS[grade], notes, problems };
}
