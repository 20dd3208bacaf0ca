import type { CallContext } from '../../../protocol/api.js';
import type { PartyRole } from '../../../protocol/call-status.js';
import { AUDIO_OUTPUT_KEY, type JoinDevices } from '../../call/media.js';
import type { ChatState } from '../../chat/chat-controller.js';
import { formatLongDateTime } from '../../lib/format.js';
import type { Platform } from '../../platform/platform.js';
import type { InviteState } from '../invite-link.js';
import type { CallClock } from './call-clock.js';
import type { InvitationView } from './call-invitation.js';
import type { CallPagePhase, CallPopover, WaitingRoomState } from './call-page-types.js';
import {
  type CallScreen,
  callScreen,
  type QualityView,
  qualityView,
  type UnreadBadge,
  unreadBadge,
} from './call-screen.js';
import { SHORTCUTS_STORAGE_KEY } from './call-shortcuts.js';
import { ENDED_VIA_LINK, LEFT_VIA_LINK_WORDS, type LinkRefusal, statusText } from './call-words.js';
import { NO_PEER_CALL_VIEW, type PeerCallView } from './peer-call-wiring.js';
import { DEFAULT_PRE_JOIN, type PreJoinChoice } from './pre-join-choice.js';
import type { RecordingPanel } from './recording-words.js';

export interface CallPageState extends PeerCallView, CallClock {
  phase: CallPagePhase;
  statusText: string;
  error: string | null;
  role: PartyRole | null;
  /** This party's user id, to tell its own chat messages apart. */
  selfId: string | null;
  /** Came through a call link without signing in: there is no appointment page to go back to. */
  viaLink: boolean;
  peerName: string | null;
  otherName: string | null;
  ending: boolean;
  /** The doctor's End call for everyone is waiting for its confirmation. */
  confirmingEnd: boolean;
  appointmentHref: string;
  /** The clinic, doctor and time of the appointment a link visitor is about to name themself for. */
  invitation: InvitationView | null;
  /** When the appointment is, for the pre-join screen; a link visitor's is in `invitation`. */
  appointmentTime: { when: string; whenIso: string } | null;
  /** A call link that does not work: what happened and what to do. */
  linkRefusal: LinkRefusal | null;
  nameDraft: string;
  nameError: string | null;
  confirmingName: boolean;
  waitingRoom: WaitingRoomState | null;
  /** The doctor's invite link button, while the call is active. */
  invite: InviteState | null;
  /** The signaling connection is being re-made while the call goes on. */
  serverLost: boolean;
  /** The appointment's conversation, once the call context is known. */
  chat: ChatState | null;
  chatOpen: boolean;
  popover: CallPopover | null;
  /** The pointer rests on the quality indicator: its figures show until it leaves. */
  qualityPeek: boolean;
  /** Null where the browser has no Fullscreen API (Safari on iPhone): no Fullscreen button. */
  fullscreen: { active: boolean } | null;
  /** The speaker chosen on the device test page (setSinkId); null for the default. */
  audioOutput: string | null;
  /** The single-key shortcuts (call-shortcuts.ts) are on unless this browser turned them off. */
  shortcutsEnabled: boolean;
  /**
   * The join options (S25): the devices the call starts with. Set before the call starts (the waiting
   * room's choices, later the pre-join screen); a device left out starts off and can be turned on in the call.
   */
  joinWith: JoinDevices;
  /** The pre-join screen's "Next time, join straight away with these settings" (pre-join-choice.ts). */
  skipPreJoin: boolean;
  /** Join now was pressed: the call cookie (or the link's exchange) is on its way. */
  joining: boolean;
  /** The call's recording (S29): the doctor's button, the indicator, the patient's question; null: none. */
  recording: RecordingPanel | null;
  /** Derived from the fields above on every update: the words and overlays of the call screen. */
  screen: CallScreen;
  qualityView: QualityView | null;
  chatBadge: UnreadBadge | null;
}

/** The state the page sets; the rest is derived from it. */
export type CallPageFields = Omit<CallPageState, 'screen' | 'qualityView' | 'chatBadge'>;

export function withDerived(fields: CallPageFields): CallPageState {
  return {
    ...fields,
    screen: callScreen(fields),
    qualityView: fields.quality ? qualityView(fields.quality) : null,
    chatBadge: unreadBadge(fields.chat?.unread ?? 0),
  };
}

export function initialCallPageState(
  platform: Platform,
  remembered: PreJoinChoice = DEFAULT_PRE_JOIN,
): CallPageState {
  return withDerived({
    ...NO_PEER_CALL_VIEW,
    phase: 'loading',
    statusText: statusText('loading', null),
    error: null,
    role: null,
    selfId: null,
    viaLink: false,
    peerName: null,
    otherName: null,
    ending: false,
    confirmingEnd: false,
    appointmentHref: '/appointments',
    invitation: null,
    appointmentTime: null,
    linkRefusal: null,
    nameDraft: '',
    nameError: null,
    confirmingName: false,
    waitingRoom: null,
    invite: null,
    serverLost: false,
    chat: null,
    chatOpen: false,
    popover: null,
    qualityPeek: false,
    duration: null,
    warning: null,
    fullscreen: platform.fullscreen ? { active: platform.fullscreen.isActive() } : null,
    audioOutput: platform.readStorage(AUDIO_OUTPUT_KEY),
    shortcutsEnabled: platform.readStorage(SHORTCUTS_STORAGE_KEY) !== 'off',
    joinWith: remembered.joinWith,
    skipPreJoin: remembered.skip,
    joining: false,
    recording: null,
  });
}

/** Who this page is for, from the call context it was admitted with. */
export function partyFields(context: CallContext): Partial<CallPageFields> {
  return {
    role: context.self.role,
    selfId: context.self.userId,
    viaLink: context.via === 'link',
    otherName: context.other.displayName,
    appointmentTime: {
      when: formatLongDateTime(context.scheduledAt),
      whenIso: new Date(context.scheduledAt).toISOString(),
    },
  };
}

/** The page of someone who came by link, once the call is over: it stays, with nothing left to do. */
export const OVER_VIA_LINK: Partial<CallPageFields> = {
  phase: 'ended',
  statusText: ENDED_VIA_LINK,
  warning: null,
  invite: null,
  waitingRoom: null,
  duration: null,
  chatOpen: false,
  popover: null,
};

/** The page of someone who came by link and left a call that goes on: they may come back from here. */
export const LEFT_VIA_LINK: Partial<CallPageFields> = {
  ...OVER_VIA_LINK,
  phase: 'closed',
  statusText: LEFT_VIA_LINK_WORDS,
  confirmingEnd: false,
};
