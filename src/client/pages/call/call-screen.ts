import type { PartyRole } from '../../../protocol/call-status.js';
import type { DeviceStatus } from '../../../protocol/messages.js';
import type { LocalMedia } from '../../call/local-media.js';
import type { QualityLevel, QualityReport } from '../../call/quality.js';
import type { RemoteMedia } from '../../call/remote-media.js';
import type { CallPagePhase } from './call-page-types.js';
import {
  CALL_STATE_WORDS,
  DEVICE_WORDS,
  ENDED_VIA_LINK,
  LEFT_VIA_LINK_WORDS,
  OVERLAY_WORDS,
  otherPartyWords,
  QUALITY_LEVEL_WORDS,
  QUALITY_WORDS,
  unreadWords,
} from './call-words.js';

/** What the page shows over the remote video instead of (or on top of) the other side's picture. */
export interface CallOverlay {
  /** Drives the look: a spinner while something is being made or retried. */
  kind: 'progress' | 'waiting' | 'left' | 'ended' | 'failed';
  title: string;
  /** What is being done or what happens next. */
  detail: string | null;
}

/** The other side's tile: their name over a camera that is off, and their microphone and camera state. */
export interface RemoteTile {
  name: string;
  initials: string;
  /** Their microphone is muted, as they signaled it. */
  audioMuted: boolean;
  /** Their camera is off (signaled): the tile shows their initials instead of a black frame. */
  videoOff: boolean;
  /** A shared screen: shown whole (contain), never cropped. */
  screen: boolean;
  /** What their microphone and camera are doing, in words for the tile ("Muted", "Camera not working"). */
  states: string[];
}

export interface CallScreenInput {
  phase: CallPagePhase;
  role: PartyRole | null;
  viaLink: boolean;
  peerName: string | null;
  otherName: string | null;
  statusText: string;
  error: string | null;
  remote: RemoteMedia;
  /** This side's microphone and camera (a device that could not start is explained, S25), and its screen share. */
  local: Pick<LocalMedia, 'microphone' | 'camera'> & { screenSharing: boolean };
  /** The signaling socket is being re-made while the call goes on. */
  serverLost: boolean;
}

export interface CallScreen {
  overlay: CallOverlay | null;
  /** Null until the other side is (or was) in the call with us. */
  remoteTile: RemoteTile | null;
  /** A quiet note about the server connection while media still flows. */
  serverNotice: string | null;
  /** The other side's camera or microphone could not start ("Pat Demo is having trouble with…"). */
  peerDeviceNotice: string | null;
  /** This side's camera or microphone could not start: why, what still works, how to turn it on. */
  deviceNotice: string | null;
  /** The text of the page's one polite live region: changes with the phase and the other side's media. */
  announcement: string;
  /** On screen while either side shares: who is sharing ("You are sharing your screen"). */
  shareLabel: string | null;
}

const HONORIFICS = new Set(['dr', 'mr', 'mrs', 'ms', 'mx', 'prof', 'sir']);

/** "Pat Smith" → "PS", "Dr. Ada" → "A": what stands in for a camera that is off. */
export function initials(name: string): string {
  const words = name
    .split(/\s+/)
    .map((word) => word.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter((word) => word !== '' && !HONORIFICS.has(word.toLowerCase()));
  const letters = words.length > 1 ? [words[0], words.at(-1)] : words.slice(0, 1);
  return letters.map((word) => Array.from(word ?? '')[0]?.toUpperCase() ?? '').join('') || '?';
}

function overlayFor(input: CallScreenInput, name: string | null): CallOverlay | null {
  const { phase, role } = input;
  const other = otherPartyWords(role);
  switch (phase) {
    case 'loading':
    case 'idle':
    case 'joining':
      return { kind: 'progress', title: OVERLAY_WORDS.connecting, detail: null };
    case 'starting':
      return { kind: 'progress', title: input.statusText, detail: null };
    case 'waiting':
      return role === 'doctor'
        ? {
            kind: 'waiting',
            title: OVERLAY_WORDS.waitingForPatient,
            detail: OVERLAY_WORDS.patientWillAppear(name ?? other.start),
          }
        : { kind: 'waiting', title: OVERLAY_WORDS.doctorShortly, detail: OVERLAY_WORDS.doctorWillConnect };
    case 'connecting':
      return { kind: 'progress', title: OVERLAY_WORDS.connectingTo(name ?? other.inSentence), detail: null };
    case 'reconnecting':
      return {
        kind: 'progress',
        title: OVERLAY_WORDS.reconnecting,
        detail: input.serverLost ? OVERLAY_WORDS.restoringVideoAndServer : OVERLAY_WORDS.restoringVideo,
      };
    case 'peer-left':
      return {
        kind: 'left',
        title: OVERLAY_WORDS.left(name ?? other.start),
        detail: role === 'doctor' ? OVERLAY_WORDS.patientMayRejoin : OVERLAY_WORDS.doctorMayReturn,
      };
    case 'ended':
      return {
        kind: 'ended',
        title: OVERLAY_WORDS.ended,
        detail: input.viaLink ? OVERLAY_WORDS.closePage : OVERLAY_WORDS.returning,
      };
    case 'closed':
      return {
        kind: 'ended',
        title: OVERLAY_WORDS.youLeft,
        detail: input.viaLink ? OVERLAY_WORDS.youMayRejoin : OVERLAY_WORDS.returning,
      };
    case 'failed':
      return { kind: 'failed', title: OVERLAY_WORDS.failed, detail: input.error };
    default:
      return null;
  }
}

const PROBLEMS: ReadonlySet<DeviceStatus | 'starting'> = new Set([
  'blocked',
  'missing',
  'busy',
  'unsupported',
  'failed',
]);

function isProblem(status: DeviceStatus | 'starting'): status is Exclude<DeviceStatus, 'on' | 'off'> {
  return PROBLEMS.has(status);
}

/** The tile's words for their microphone and camera: off, muted, or not working. */
function tileStates(remote: RemoteMedia): string[] {
  const states: string[] = [];
  if (isProblem(remote.microphone)) states.push(DEVICE_WORDS.microphoneNotWorking);
  else if (remote.microphone === 'off') states.push(DEVICE_WORDS.microphoneOff);
  else if (remote.audioMuted) states.push(DEVICE_WORDS.muted);
  if (isProblem(remote.camera)) states.push(DEVICE_WORDS.cameraNotWorking);
  else if (remote.camera === 'off' || remote.videoOff) states.push(DEVICE_WORDS.cameraOff);
  return states;
}

/** Told to the doctor (or the patient) when the other side's camera or microphone could not start. */
function peerDeviceNotice(name: string, remote: RemoteMedia): string | null {
  const camera = isProblem(remote.camera);
  const microphone = isProblem(remote.microphone);
  if (!camera && !microphone) return null;
  const devices = camera && microphone ? 'camera and microphone' : camera ? 'camera' : 'microphone';
  const hears = remote.microphone === 'on';
  const seen = remote.camera === 'on';
  return `${DEVICE_WORDS.peerTrouble(name, devices)} ${DEVICE_WORDS.peerCan(hears, seen)}`;
}

const REMEDY_ORDER = ['blocked', 'busy', 'missing', 'unsupported', 'failed'] as const;

/** This side's own camera or microphone that could not start: what happened, what works, what to do. */
function deviceNotice(local: CallScreenInput['local'], other: string): string | null {
  const camera = isProblem(local.camera) ? local.camera : null;
  const microphone = isProblem(local.microphone) ? local.microphone : null;
  if (!camera && !microphone) return null;
  const sentences: string[] = [];
  if (camera && microphone && camera === microphone) {
    sentences.push(DEVICE_WORDS.problem('camera and microphone', camera));
  } else {
    if (microphone) sentences.push(DEVICE_WORDS.problem('microphone', microphone));
    if (camera) sentences.push(DEVICE_WORDS.problem('camera', camera));
  }
  sentences.push(DEVICE_WORDS.stillWorks(other, local.microphone === 'on', local.camera === 'on'));
  const labels = [microphone ? 'Turn microphone on' : null, camera ? 'Turn camera on' : null].filter(
    (label): label is string => label !== null,
  );
  // One remedy, for the problem the person can most likely fix: a blocked permission first.
  const remedy = REMEDY_ORDER.find((problem) => problem === camera || problem === microphone) ?? 'failed';
  if (remedy === 'blocked') {
    sentences.push(DEVICE_WORDS.howToAllow(camera === 'blocked' && microphone === 'blocked'));
  }
  if (remedy !== 'unsupported') sentences.push(DEVICE_WORDS.tryAgain(remedy, labels));
  return sentences.join(' ');
}

function mediaWords(name: string, remote: RemoteMedia): string | null {
  if (remote.audioMuted && remote.videoOff) return CALL_STATE_WORDS.mutedAndCameraOff(name);
  if (remote.audioMuted) return CALL_STATE_WORDS.muted(name);
  if (remote.videoOff) return CALL_STATE_WORDS.cameraOff(name);
  if (remote.screenSharing) return CALL_STATE_WORDS.sharingScreen(name);
  return null;
}

function sentences(first: string, second: string): string {
  return /[.…!?]$/.test(first) ? `${first} ${second}` : `${first}. ${second}`;
}

/** In the call or on the way into it: a device problem is worth explaining there. */
function isLive(phase: CallPagePhase): boolean {
  return ['joining', 'waiting', 'connecting', 'connected', 'reconnecting', 'peer-left'].includes(phase);
}

/** What the call screen shows and says, from the page state (its words are in call-words.ts). */
export function callScreen(input: CallScreenInput): CallScreen {
  const { phase } = input;
  const inCall = phase === 'connected' || phase === 'reconnecting';
  const name = input.peerName ?? input.otherName;
  const tileName = name ?? otherPartyWords(input.role).start;
  const remoteTile: RemoteTile | null = inCall
    ? {
        name: tileName,
        initials: initials(tileName),
        audioMuted: input.remote.audioMuted,
        videoOff: input.remote.videoOff || input.remote.camera !== 'on',
        screen: input.remote.screenSharing,
        states: tileStates(input.remote),
      }
    : null;
  const overlay = overlayFor(input, name);
  const serverNotice =
    input.serverLost && phase !== 'reconnecting' && !overlay ? CALL_STATE_WORDS.serverLost : null;
  const peerNotice = inCall ? peerDeviceNotice(tileName, input.remote) : null;
  const ownNotice = isLive(phase) ? deviceNotice(input.local, otherPartyWords(input.role).inSentence) : null;
  let announcement: string;
  if (phase === 'connected') {
    const media = peerNotice ?? mediaWords(tileName, input.remote);
    announcement = [CALL_STATE_WORDS.connectedWith(tileName), media, ownNotice, serverNotice]
      .filter(Boolean)
      .join(' ');
  } else if (phase === 'ended' && input.viaLink) {
    announcement = ENDED_VIA_LINK;
  } else if (phase === 'closed' && input.viaLink) {
    announcement = LEFT_VIA_LINK_WORDS;
  } else if (overlay) {
    announcement = overlay.detail ? sentences(overlay.title, overlay.detail) : overlay.title;
  } else {
    announcement = input.statusText;
  }
  let shareLabel: string | null = null;
  if (inCall && input.local.screenSharing) shareLabel = CALL_STATE_WORDS.youAreSharing;
  else if (inCall && input.remote.screenSharing) shareLabel = CALL_STATE_WORDS.sharingScreenLabel(tileName);
  return {
    overlay,
    remoteTile,
    serverNotice,
    peerDeviceNotice: peerNotice,
    deviceNotice: ownNotice,
    announcement,
    shareLabel,
  };
}

export interface QualityView {
  level: QualityLevel;
  label: string;
  /** The indicator's accessible name. */
  name: string;
  rows: Array<{ term: string; value: string }>;
}

function figure(value: number | null, unit: string, digits = 0): string {
  return value === null ? '–' : `${value.toFixed(digits)} ${unit}`;
}

function bitrateWords(kbps: number | null): string {
  if (kbps === null) return '–';
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbit/s` : `${Math.round(kbps)} kbit/s`;
}

/** The indicator's words and the numbers its panel shows. */
export function qualityView(report: QualityReport): QualityView {
  const label = QUALITY_LEVEL_WORDS[report.level];
  const resolution =
    report.width !== null && report.height !== null ? `${report.width}×${report.height}` : '–';
  const route =
    report.candidateType === 'relay'
      ? QUALITY_WORDS.relay
      : report.candidateType === 'direct'
        ? QUALITY_WORDS.direct
        : '–';
  return {
    level: report.level,
    label,
    name: QUALITY_WORDS.name(label),
    rows: [
      { term: QUALITY_WORDS.roundTrip, value: figure(report.rttMs, 'ms') },
      { term: QUALITY_WORDS.jitter, value: figure(report.jitterMs, 'ms') },
      {
        term: QUALITY_WORDS.packetLoss,
        value: report.lossPercent === null ? '–' : `${report.lossPercent.toFixed(1)} %`,
      },
      { term: QUALITY_WORDS.bitrateReceived, value: bitrateWords(report.bitrateKbps) },
      { term: QUALITY_WORDS.bitrateSent, value: bitrateWords(report.sendBitrateKbps) },
      { term: QUALITY_WORDS.resolution, value: resolution },
      { term: QUALITY_WORDS.frameRate, value: figure(report.fps, 'fps') },
      { term: QUALITY_WORDS.route, value: route },
    ],
  };
}

export interface UnreadBadge {
  /** On the Chat button: "3", "99+". */
  text: string;
  /** Its accessible description: the button's name stays "Chat". */
  words: string;
}

export function unreadBadge(unread: number): UnreadBadge | null {
  if (unread <= 0) return null;
  return { text: unread > 99 ? '99+' : String(unread), words: unreadWords(unread) };
}
