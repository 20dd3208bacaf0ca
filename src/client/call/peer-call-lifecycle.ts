import type { ErrorCode } from '../../protocol/errors.js';
import type { Peer } from '../../protocol/messages.js';

export type PeerCallPhase =
  | 'idle'
  | 'starting'
  | 'joining'
  | 'waiting'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'peer-left'
  | 'ended'
  | 'failed'
  | 'closed';

export interface PeerCallState {
  phase: PeerCallPhase;
  /** The other party while a peer connection to them exists or is being made. */
  peer: Peer | null;
  error: string | null;
  /**
   * The signaling socket dropped while in the room. The peer connection is kept: media flows peer to peer,
   * and a resumed join (S17) continues where the socket left off.
   */
  resuming: boolean;
  /** A join refused for want of a call cookie has been answered by getting one; that is tried once. */
  grantRenewed: boolean;
  /** ICE restarts since the connection last worked: sets the wait before the next one (backoff). */
  iceRestarts: number;
}

export type PeerCallEvent =
  | { type: 'start' }
  | { type: 'media-acquired' }
  | { type: 'signaling-ready' }
  | { type: 'signaling-lost' }
  | { type: 'signaling-fatal'; message: string }
  | { type: 'joined'; peers: readonly Peer[]; resumed: boolean }
  | { type: 'join-rejected'; code: ErrorCode; message: string }
  | { type: 'peer-joined'; peer: Peer }
  | { type: 'peer-left'; peer: Peer }
  | { type: 'pc-connected' }
  | { type: 'pc-disconnected' }
  | { type: 'pc-failed' }
  | { type: 'ice-timeout' }
  | { type: 'call-ended' }
  | { type: 'hang-up' };

export type PeerCallEffect =
  | { type: 'acquire-media' }
  | { type: 'join' }
  | { type: 'renew-grant' }
  | { type: 'create-peer-connection'; peer: Peer }
  | { type: 'close-peer-connection' }
  | { type: 'restart-ice' }
  | { type: 'start-ice-timer'; ms: number }
  | { type: 'clear-ice-timer' }
  | { type: 'leave' }
  | { type: 'stop-media' };

export interface PeerCallTransition {
  next: PeerCallState;
  effects: PeerCallEffect[];
}

/** How long a fresh connection may take before ICE is restarted. */
export const ICE_CONNECT_TIMEOUT_MS = 20_000;
/**
 * A "disconnected" connection sometimes recovers by itself; wait this long before restarting ICE. Short,
 * because Chromium reports "disconnected" only after several seconds without answers to its checks
 * (about 7 s in the recorded path break, src/client/call/fixtures/path-break.json).
 */
export const ICE_DISCONNECTED_GRACE_MS = 2_000;
/**
 * Between ICE restarts while the connection stays broken, growing then staying at the last. Short at
 * first: a restart's checks give up after a while, so a path that comes back is found soonest by a recent
 * restart; longer later, so a long outage does not keep both sides renegotiating every few seconds.
 */
export const ICE_RETRY_DELAYS_MS: readonly number[] = [3_000, 4_000, 6_000, 10_000];

export function iceRetryDelay(restarts: number): number {
  const delays = ICE_RETRY_DELAYS_MS;
  return delays[Math.min(restarts, delays.length - 1)] ?? 10_000;
}

export const INITIAL_PEER_CALL_STATE: PeerCallState = {
  phase: 'idle',
  peer: null,
  error: null,
  resuming: false,
  grantRenewed: false,
  iceRestarts: 0,
};

type Handler<E extends PeerCallEvent['type']> = (
  state: PeerCallState,
  event: Extract<PeerCallEvent, { type: E }>,
) => PeerCallTransition;
type Handlers = { [E in PeerCallEvent['type']]?: Handler<E> };

const to = (
  phase: PeerCallPhase,
  peer: Peer | null,
  effects: PeerCallEffect[] = [],
  error: string | null = null,
): PeerCallTransition => ({
  next: { phase, peer, error, resuming: false, grantRenewed: false, iceRestarts: 0 },
  effects,
});

const stay = (
  state: PeerCallState,
  patch: Partial<PeerCallState>,
  effects: PeerCallEffect[] = [],
): PeerCallTransition => ({
  next: { ...state, ...patch },
  effects,
});

const connectTo = (peer: Peer): PeerCallTransition =>
  to('connecting', peer, [
    { type: 'create-peer-connection', peer },
    { type: 'start-ice-timer', ms: ICE_CONNECT_TIMEOUT_MS },
  ]);

/**
 * Without signaling an ICE restart's offer would be lost; the resumed join restarts instead. The restart
 * effect fetches fresh ICE servers (TURN credentials) first.
 */
const restartIce = (state: PeerCallState): PeerCallTransition => {
  const ms = iceRetryDelay(state.iceRestarts);
  const { next, effects } = to(
    state.phase === 'connecting' ? 'connecting' : 'reconnecting',
    state.peer,
    state.resuming
      ? [{ type: 'start-ice-timer', ms }]
      : [{ type: 'restart-ice' }, { type: 'start-ice-timer', ms }],
  );
  return { next: { ...next, iceRestarts: state.iceRestarts + (state.resuming ? 0 : 1) }, effects };
};

const TEARDOWN: PeerCallEffect[] = [{ type: 'close-peer-connection' }, { type: 'clear-ice-timer' }];

const onJoined: Handler<'joined'> = (state, event) => {
  if (event.resumed && state.resuming) {
    // The missed messages follow. A connection that was still being made may have lost our own
    // offer or candidates while the socket was down, so it is negotiated again.
    if (state.peer && state.phase !== 'connected') return restartIce({ ...state, resuming: false });
    return stay(state, { resuming: false });
  }
  const [peer] = event.peers;
  return peer ? connectTo(peer) : to('waiting', null, TEARDOWN);
};

const onPeerJoined: Handler<'peer-joined'> = (_, event) => connectTo(event.peer);

const onPeerLeft: Handler<'peer-left'> = (state, event) =>
  state.peer === null || state.peer.userId === event.peer.userId
    ? to('peer-left', null, TEARDOWN)
    : to(state.phase, state.peer);

const onSignalingLost: Handler<'signaling-lost'> = (state) => stay(state, { resuming: true });

/** Present in the room: peers come and go, the signaling socket may drop and come back (S17). */
const IN_ROOM: Handlers = {
  joined: onJoined,
  'peer-joined': onPeerJoined,
  'peer-left': onPeerLeft,
  'signaling-lost': onSignalingLost,
  'signaling-ready': (state) => stay(state, {}, [{ type: 'join' }]),
};

/** Events every live phase handles the same way. */
const ALWAYS: Handlers = {
  'hang-up': () => to('closed', null, [...TEARDOWN, { type: 'leave' }, { type: 'stop-media' }]),
  'call-ended': () => to('ended', null, [...TEARDOWN, { type: 'leave' }, { type: 'stop-media' }]),
  'signaling-fatal': (_, event) => to('failed', null, [...TEARDOWN, { type: 'stop-media' }], event.message),
  'join-rejected': (state, event) => {
    if (event.code === 'call_not_active') return to('ended', null, [...TEARDOWN, { type: 'stop-media' }]);
    if (event.code === 'call_grant_required' && !state.grantRenewed) {
      return stay(state, { grantRenewed: true }, [{ type: 'renew-grant' }]);
    }
    return to('failed', null, [...TEARDOWN, { type: 'stop-media' }], event.message);
  },
};

/**
 * The peer call's connection state machine. Each phase lists the events it reacts to; anything
 * not listed leaves the state alone. Pure: the effects are carried out by PeerCall.
 */
export const PEER_CALL_TRANSITIONS: Record<PeerCallPhase, Handlers> = {
  idle: {
    start: () => to('starting', null, [{ type: 'acquire-media' }]),
    'hang-up': () => to('closed', null),
  },
  starting: {
    // Whatever started, even nothing: a party joins with what it has (S25).
    'media-acquired': () => to('joining', null, [{ type: 'join' }]),
  },
  joining: {
    ...IN_ROOM,
    'signaling-lost': (state) => stay(state, {}),
  },
  waiting: { ...IN_ROOM },
  'peer-left': { ...IN_ROOM },
  connecting: {
    ...IN_ROOM,
    'pc-connected': (state) => to('connected', state.peer, [{ type: 'clear-ice-timer' }]),
    'pc-failed': restartIce,
    'ice-timeout': restartIce,
  },
  connected: {
    ...IN_ROOM,
    'pc-disconnected': (state) =>
      to('reconnecting', state.peer, [{ type: 'start-ice-timer', ms: ICE_DISCONNECTED_GRACE_MS }]),
    'pc-failed': restartIce,
  },
  reconnecting: {
    ...IN_ROOM,
    'pc-connected': (state) =>
      state.peer ? to('connected', state.peer, [{ type: 'clear-ice-timer' }]) : to('reconnecting', null),
    'pc-failed': (state) => (state.peer ? restartIce(state) : to('reconnecting', null)),
    'ice-timeout': (state) => (state.peer ? restartIce(state) : to('reconnecting', null)),
  },
  ended: {},
  failed: {},
  closed: {},
};

const TERMINAL: ReadonlySet<PeerCallPhase> = new Set(['ended', 'failed', 'closed']);

export function isTerminal(phase: PeerCallPhase): boolean {
  return TERMINAL.has(phase);
}

export function transition(state: PeerCallState, event: PeerCallEvent): PeerCallTransition {
  const handler = (PEER_CALL_TRANSITIONS[state.phase][event.type] ??
    (isTerminal(state.phase) ? undefined : ALWAYS[event.type])) as Handler<typeof event.type> | undefined;
  if (!handler) return { next: state, effects: [] };
  const { next, effects } = handler(state, event as never);
  // Both flags outlive phase changes: the grant is renewed once per peer call, whatever comes between,
  // and a dropped socket is resuming until a `joined` answers (or the call is over).
  const settlesResume = event.type === 'joined' || isTerminal(next.phase);
  return {
    next: {
      ...next,

      grantRenewed: state.grantRenewed || next.grantRenewed,
      resuming: settlesResume ? next.resuming : state.resuming || next.resuming,
    },
    effects,
  };
}
