import type { PartyRole } from '../../../protocol/call-status.js';
import type { RemoteMedia } from '../../call/call-session.js';
import type { QualityLevel, QualityReport } from '../../call/quality.js';
import type { CallPagePhase } from './call-view-model.js';

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
  /** The signaling socket is being re-made while the call goes on. */
  serverLost: boolean;
}

export interface CallScreen {
  overlay: CallOverlay | null;
  /** Null until the other side is (or was) in the call with us. */
  remoteTile: RemoteTile | null;
  /** A quiet note about the server connection while media still flows. */
  serverNotice: string | null;
  /** The text of the page's one polite live region: changes with the phase and the other side's media. */
  announcement: string;
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

function otherRoleWords(role: PartyRole | null): string {
  return role === 'doctor' ? 'the patient' : 'the doctor';
}

function overlayFor(input: CallScreenInput, name: string | null): CallOverlay | null {
  const { phase, role } = input;
  const who = name ?? otherRoleWords(role);
  switch (phase) {
    case 'loading':
    case 'idle':
    case 'joining':
      return { kind: 'progress', title: 'Connecting…', detail: null };
    case 'starting':
      return { kind: 'progress', title: input.statusText, detail: null };
    case 'waiting':
      return role === 'doctor'
        ? {
            kind: 'waiting',
            title: 'Waiting for the patient…',
            detail: `${name ?? 'The patient'} will appear here as soon as they join.`,
          }
        : {
            kind: 'waiting',
            title: 'The doctor will be with you shortly',
            detail: 'Keep this page open: you are connected as soon as the doctor joins.',
          };
    case 'connecting':
      return { kind: 'progress', title: `Connecting to ${who}…`, detail: null };
    case 'reconnecting':
      return {
        kind: 'progress',
        title: 'Reconnecting…',
        detail: input.serverLost
          ? 'Restoring the video connection and the connection to the server'
          : 'Restoring the video connection',
      };
    case 'peer-left':
      return {
        kind: 'left',
        title: `${name ?? (role === 'doctor' ? 'The patient' : 'The doctor')} left the call`,
        detail:
          role === 'doctor'
            ? 'They can rejoin from their appointment or link. End the call when you are done.'
            : 'Keep this page open: the call goes on when the doctor comes back.',
      };
    case 'ended':
      return {
        kind: 'ended',
        title: 'The call has ended',
        detail: input.viaLink ? 'You can close this page.' : 'Returning to the appointment…',
      };
    case 'closed':
      return { kind: 'ended', title: 'You left the call', detail: null };
    case 'failed':
      return { kind: 'failed', title: 'The call could not continue', detail: input.error };
    default:
      return null;
  }
}

function mediaWords(name: string, remote: RemoteMedia): string | null {
  if (remote.audioMuted && remote.videoOff) return `${name} is muted and has turned the camera off.`;
  if (remote.audioMuted) return `${name} is muted.`;
  if (remote.videoOff) return `${name} has turned the camera off.`;
  if (remote.screenSharing) return `${name} is sharing their screen.`;
  return null;
}

function sentences(first: string, second: string): string {
  return /[.…!?]$/.test(first) ? `${first} ${second}` : `${first}. ${second}`;
}

/** Everything the call screen says, from the page state: one place for the words, tested on their own. */
export function callScreen(input: CallScreenInput): CallScreen {
  const { phase } = input;
  const inCall = phase === 'connected' || phase === 'reconnecting';
  const name = input.peerName ?? input.otherName;
  const tileName = name ?? (input.role === 'doctor' ? 'The patient' : 'The doctor');
  const remoteTile: RemoteTile | null = inCall
    ? {
        name: tileName,
        initials: initials(tileName),
        audioMuted: input.remote.audioMuted,
        videoOff: input.remote.videoOff,
        screen: input.remote.screenSharing,
      }
    : null;
  const overlay = overlayFor(input, name);
  const serverNotice =
    input.serverLost && phase !== 'reconnecting' && !overlay ? 'Reconnecting to the server…' : null;
  let announcement: string;
  if (phase === 'connected') {
    const media = mediaWords(tileName, input.remote);
    announcement = [`Connected with ${tileName}.`, media, serverNotice].filter(Boolean).join(' ');
  } else if (phase === 'ended' && input.viaLink) {
    announcement = 'The call has ended. You can close this page.';
  } else if (overlay) {
    announcement = overlay.detail ? sentences(overlay.title, overlay.detail) : overlay.title;
  } else {
    announcement = input.statusText;
  }
  return { overlay, remoteTile, serverNotice, announcement };
}

const LEVEL_WORDS: Record<QualityLevel, string> = {
  excellent: 'Excellent',
  good: 'Good',
  poor: 'Poor',
  lost: 'Lost',
};

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
  const label = LEVEL_WORDS[report.level];
  const resolution =
    report.width !== null && report.height !== null ? `${report.width}×${report.height}` : '–';
  const received = bitrateWords(report.bitrateKbps);
  const route =
    report.candidateType === 'relay' ? 'Relay' : report.candidateType === 'direct' ? 'Direct' : '–';
  return {
    level: report.level,
    label,
    name: `Connection quality: ${label}`,
    rows: [
      { term: 'Round trip', value: figure(report.rttMs, 'ms') },
      { term: 'Jitter', value: figure(report.jitterMs, 'ms') },
      {
        term: 'Packet loss',
        value: report.lossPercent === null ? '–' : `${report.lossPercent.toFixed(1)} %`,
      },
      { term: 'Bitrate received', value: received },
      { term: 'Bitrate sent', value: bitrateWords(report.sendBitrateKbps) },
      { term: 'Resolution', value: resolution },
      { term: 'Frame rate', value: figure(report.fps, 'fps') },
      { term: 'Route', value: route },
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
  return {
    text: unread > 99 ? '99+' : String(unread),
    words: unread === 1 ? '1 unread message' : `${unread} unread messages`,
  };
}
