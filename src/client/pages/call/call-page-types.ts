import type { PeerCallPhase } from '../../call/peer-call-lifecycle.js';

/**
 * Before the peer call: loading, a link visitor confirming a name, a link that no longer works, a
 * patient in the waiting room, the pre-join screen of a call that can be joined. The last three share
 * one screen (pre-join.tsx).
 */
export type CallPagePhase =
  | 'loading'
  | 'confirm-name'
  | 'link-dead'
  | 'waiting-room'
  | 'pre-join'
  | PeerCallPhase;

/** The patient's waiting room as the page shows it. */
export interface WaitingRoomState {
  /** "Check-in opens at 14:45" until check-in opens. */
  opensAt: string | null;
  /** Time waited since the first check-in ("3:12"), once the server has it. */
  waited: string | null;
}

/** The small panel opened by a press: device settings or the quality figures. */
export type CallPopover = 'settings' | 'quality' | 'shortcuts';
