import type { PartyRole } from '../../../protocol/call-status.js';
import type { ErrorCode } from '../../../protocol/errors.js';
import type { QualityLevel } from '../../call/quality.js';
import type { CallPagePhase } from './call-page-types.js';

// The sentences the call page's own logic shows or announces, in one place for translators. Its
// components hold their fixed labels; words shared with other pages stay with the shared code (camera and
// screen errors in call/media.ts, the invite link's in pages/invite-link.ts, closes in ws/close-reasons.ts).

/** The status line of each phase. */
export const STATUS_WORDS: Record<CallPagePhase, string> = {
  loading: 'Connecting…',
  'confirm-name': 'Confirm your name',
  'link-dead': 'This link does not work',
  'waiting-room': 'The doctor will be with you shortly',
  'pre-join': 'Ready to join',
  idle: 'Connecting…',
  starting: 'Starting your camera and microphone…',
  joining: 'Connecting…',
  waiting: 'Waiting for the other side…',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  'peer-left': 'The other side left',
  ended: 'The call has ended',
  failed: 'The call could not continue',
  closed: 'You left the call',
};

/** The pre-join screen's status: the patient's doctor is there; the doctor's patient is told once they join. */
export function readyToJoin(role: PartyRole, other: string | null): string {
  return role === 'patient'
    ? `${other ?? 'The doctor'} is ready for you. Choose Join now.`
    : `Your call has started. ${other ?? 'The patient'} will see you once you join.`;
}

export function statusText(phase: CallPagePhase, error: string | null): string {
  return phase === 'failed' && error ? error : STATUS_WORDS[phase];
}

/** Said, and shown as the status, when the call ends for someone who came by link: they have nowhere to go. */
export const ENDED_VIA_LINK = 'The call has ended. You can close this page.';

/** Said, and shown as the status, when someone who came by link leaves: the call goes on without them. */
export const LEFT_VIA_LINK_WORDS = 'You left the call. It goes on: you can rejoin while it lasts.';

/** The doctor's confirmation before ending the call for both (the patient cannot come back into it). */
export const END_FOR_EVERYONE_WORDS = {
  title: 'End the call for everyone?',
  detail: (patient: string) =>
    `The call ends for you and for ${patient}, who cannot come back into it. To step away and come back, choose Leave call instead.`,
  confirm: 'Yes, end the call',
  cancel: 'Cancel',
} as const;

/** Why the page cannot take this person into the call at all. */
export const ADMISSION_REFUSALS = {
  badAddress: 'This call address is not valid.',
  admin: 'Hospital admins can see appointments but cannot join calls.',
  noCall: 'No call to join.',
} as const;

/** A dead call link: what happened, then what the person can do about it (S18, S18a). Never shows the token. */
export interface LinkRefusal {
  title: string;
  whatToDo: string;
}

const OR_SIGN_IN = 'or sign in to see your appointments.';

/** Each reason the server can tell apart, in its own words. */
export const LINK_REFUSALS: Partial<Record<ErrorCode, LinkRefusal>> = {
  link_invalid: {
    title: 'This link does not work',
    whatToDo: `Check that you opened the whole link from your message. If it still does not work, ask the clinic for a new one, ${OR_SIGN_IN}`,
  },
  link_expired: {
    title: 'This link has expired',
    whatToDo: `Ask the clinic for a new one, ${OR_SIGN_IN}`,
  },
  link_revoked: {
    title: 'This link has been replaced',
    whatToDo: `The doctor started the call again, which made new links. Ask the clinic for the new one, ${OR_SIGN_IN}`,
  },
  link_already_used: {
    title: 'This link was already opened on another device',
    whatToDo:
      'A link works on one device only. Continue on the device where you opened it first, or ask the clinic for a new link.',
  },
  link_for_other_user: {
    title: 'This link is for someone else',
    whatToDo: 'You are signed in as another person. Sign out first, or open the link in a private window.',
  },
  call_not_active: {
    title: 'This call has ended',
    whatToDo: `If you still need to talk to the doctor, contact the clinic, ${OR_SIGN_IN}`,
  },
};

/** Shown to someone who opened a call link, before they give their name (S18a). */
export const INVITATION_WORDS = {
  heading: 'Your video appointment',
  clinic: 'Clinic',
  doctor: 'Doctor',
  time: 'Time',
  check: 'Please check that this is your appointment.',
  nameHeading: 'Confirm your name',
  nameHint: 'The doctor will see this name in the call.',
} as const;

/** The pre-join screen (pre-join.tsx), which is also the waiting room. */
export const PRE_JOIN_WORDS = {
  heading: (other: string | null) => (other ? `Video call with ${other}` : 'Your video call'),
  with: 'With',
  previewHeading: 'Your camera and microphone',
  joinWith: (audio: boolean, video: boolean): string => {
    if (audio && video) return 'You will join with your microphone and camera on.';
    if (audio) return 'You will join with your microphone on and your camera off.';
    if (video) return 'You will join with your camera on and your microphone off.';
    return 'You will join with your microphone and camera off. You can still see and hear the other side, and write in the chat.';
  },
  remember: 'Next time, join straight away with these settings',
  keepOpen: (doctor: string | null) =>
    `Keep this page open: you can join ${doctor ?? 'the doctor'} as soon as the call starts. Meanwhile, check your picture and sound, or write in the chat.`,
  chatLabel: (other: string | null) => `Chat with ${other ?? 'the other side'}`,
} as const;

export const NAME_PROBLEMS = {
  missing: 'Enter your name.',
  tooLong: (maxChars: number) => `Your name can be at most ${maxChars} characters.`,
} as const;

export function checkInOpensWords(time: string): string {
  return `Check-in opens at ${time}`;
}

/** The max-duration warning, said once by screen readers (S19). */
export function callEndsInWords(minutes: number): string {
  return `This call will end in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** The other side, seen from this party's role, when their name is not known. */
export function otherPartyWords(role: PartyRole | null): { start: string; inSentence: string } {
  return role === 'doctor'
    ? { start: 'The patient', inSentence: 'the patient' }
    : { start: 'The doctor', inSentence: 'the doctor' };
}

/** The overlay over the other side's picture: its titles and what it says happens next. */
export const OVERLAY_WORDS = {
  connecting: 'Connecting…',
  connectingTo: (who: string) => `Connecting to ${who}…`,
  waitingForPatient: 'Waiting for the patient…',
  patientWillAppear: (name: string) => `${name} will appear here as soon as they join.`,
  doctorShortly: 'The doctor will be with you shortly',
  doctorWillConnect: 'Keep this page open: you are connected as soon as the doctor joins.',
  reconnecting: 'Reconnecting…',
  restoringVideo: 'Restoring the video connection',
  restoringVideoAndServer: 'Restoring the video connection and the connection to the server',
  left: (who: string) => `${who} left the call`,
  patientMayRejoin: 'They can rejoin from their appointment or link. End the call when you are done.',
  doctorMayReturn: 'Keep this page open: the call goes on when the doctor comes back.',
  ended: 'The call has ended',
  closePage: 'You can close this page.',
  returning: 'Returning to the appointment…',
  youLeft: 'You left the call',
  youMayRejoin: 'The call goes on. You can rejoin while it lasts.',
  failed: 'The call could not continue',
} as const;

/** The other side's signaled microphone, camera and screen, and the server connection, in the live region. */
export const CALL_STATE_WORDS = {
  connectedWith: (name: string) => `Connected with ${name}.`,
  mutedAndCameraOff: (name: string) => `${name} is muted and has turned the camera off.`,
  muted: (name: string) => `${name} is muted.`,
  cameraOff: (name: string) => `${name} has turned the camera off.`,
  sharingScreen: (name: string) => `${name} is sharing their screen.`,
  sharingScreenLabel: (name: string) => `${name} is sharing their screen`,
  youAreSharing: 'You are sharing your screen',
  serverLost: 'Reconnecting to the server…',
} as const;

/** Why a device could not start, in the party's own words (S25). */
const PROBLEM_WORDS: Record<
  'blocked' | 'missing' | 'busy' | 'unsupported' | 'failed',
  (device: string) => string
> = {
  blocked: (device) => `Your browser has blocked your ${device}.`,
  missing: (device) => `No ${device} was found.`,
  busy: (device) => `Your ${device} is being used by another program.`,
  unsupported: (device) => `This browser cannot use your ${device} here.`,
  failed: (device) => `Your ${device} could not be started.`,
};

/** A camera or microphone that is off or could not start: on the tile, for this side, for the other side. */
export const DEVICE_WORDS = {
  muted: 'Muted',
  microphoneOff: 'Microphone off',
  microphoneNotWorking: 'Microphone not working',
  cameraOff: 'Camera off',
  cameraNotWorking: 'Camera not working',
  problem: (device: string, problem: keyof typeof PROBLEM_WORDS) => PROBLEM_WORDS[problem](device),
  /** What still works for this side, the other side named as in a sentence ("the doctor"). */
  stillWorks: (other: string, heard: boolean, seen: boolean) =>
    heard && !seen
      ? `You are still in the call: ${other} can hear you but cannot see you.`
      : seen && !heard
        ? `You are still in the call: ${other} can see you but cannot hear you. You can write in the chat.`
        : `You are still in the call: you can see and hear ${other}, and write in the chat.`,
  howToAllow: (both: boolean) =>
    `To allow ${both ? 'them' : 'it'}, press the symbol next to the web address at the top and choose Allow.`,
  /** What to press once the problem is dealt with; the first words say how to deal with it. */
  tryAgain: (problem: 'blocked' | 'busy' | 'missing' | 'failed', labels: string[]) => {
    const press = labels.map((label) => `“${label}”`).join(' or ');
    switch (problem) {
      case 'blocked':
        return `Then press ${press}.`;
      case 'busy':
        return `Close the other program, then press ${press}.`;
      case 'missing':
        return `Connect one, then press ${press}.`;
      default:
        return `Press ${press} to try again.`;
    }
  },
  peerTrouble: (name: string, devices: string) => `${name} is having trouble with their ${devices}.`,
  /** What the other side still receives from a party whose device could not start. */
  peerCan: (heard: boolean, seen: boolean) =>
    heard && !seen
      ? 'You can hear them, but not see them.'
      : seen && !heard
        ? 'You can see them, but not hear them. They can hear you and write in the chat.'
        : 'They can see and hear you, and can write in the chat.',
} as const;

export const QUALITY_LEVEL_WORDS: Record<QualityLevel, string> = {
  excellent: 'Excellent',
  good: 'Good',
  poor: 'Poor',
  lost: 'Lost',
};

/** The quality indicator's accessible name, its figures' terms and the route's words. */
export const QUALITY_WORDS = {
  name: (level: string) => `Connection quality: ${level}`,
  roundTrip: 'Round trip',
  jitter: 'Jitter',
  packetLoss: 'Packet loss',
  bitrateReceived: 'Bitrate received',
  bitrateSent: 'Bitrate sent',
  resolution: 'Resolution',
  frameRate: 'Frame rate',
  route: 'Route',
  relay: 'Relay',
  direct: 'Direct',
} as const;

/** The Chat button's description: its name stays "Chat". */
export function unreadWords(unread: number): string {
  return unread === 1 ? '1 unread message' : `${unread} unread messages`;
}
