import { describe, expect, it } from 'vitest';
import type { Peer } from '../../protocol/messages.js';
import {
  ICE_CONNECT_TIMEOUT_MS,
  ICE_DISCONNECTED_GRACE_MS,
  ICE_RETRY_DELAYS_MS,
  iceRetryDelay,
  PEER_CALL_TRANSITIONS,
  type PeerCallEvent,
  type PeerCallPhase,
  type PeerCallState,
  transition,
} from './peer-call-lifecycle.js';

const patient: Peer = { userId: 'p1', role: 'patient', displayName: 'Pat' };
const other: Peer = { userId: 'x9', role: 'patient', displayName: 'Someone' };

const state = (
  phase: PeerCallPhase,
  peer: Peer | null = null,
  resuming = false,
  iceRestarts = 0,
): PeerCallState => ({
  phase,
  peer,
  error: null,
  resuming,
  grantRenewed: false,
  iceRestarts,
});
const settled = { resuming: false, grantRenewed: false, iceRestarts: 0 };
const FIRST_RETRY_MS = ICE_RETRY_DELAYS_MS[0];

function types(phase: PeerCallPhase, event: PeerCallEvent, peer: Peer | null = null) {
  const { next, effects } = transition(state(phase, peer), event);
  return { phase: next.phase, peer: next.peer?.userId ?? null, effects: effects.map((e) => e.type) };
}

describe('call transition table', () => {
  it('starts by acquiring media, then joins the room', () => {
    expect(types('idle', { type: 'start' })).toEqual({
      phase: 'starting',
      peer: null,
      effects: ['acquire-media'],
    });
    expect(types('starting', { type: 'media-acquired' })).toEqual({
      phase: 'joining',
      peer: null,
      effects: ['join'],
    });
  });

  it('waits alone or connects at once depending on who is in the room', () => {
    expect(types('joining', { type: 'joined', peers: [], resumed: false }).phase).toBe('waiting');
    const { next, effects } = transition(state('joining'), {
      type: 'joined',
      peers: [patient],
      resumed: false,
    });
    expect(next).toEqual({ phase: 'connecting', peer: patient, error: null, ...settled });
    expect(effects).toEqual([
      { type: 'create-peer-connection', peer: patient },
      { type: 'start-ice-timer', ms: ICE_CONNECT_TIMEOUT_MS },
    ]);
  });

  it.each<PeerCallPhase>(['waiting', 'peer-left', 'connecting', 'connected', 'reconnecting'])(
    'creates a fresh peer connection when a peer joins in %s',
    (phase) => {
      expect(
        types(phase, { type: 'peer-joined', peer: patient }, phase === 'waiting' ? null : patient),
      ).toEqual({
        phase: 'connecting',
        peer: 'p1',
        effects: ['create-peer-connection', 'start-ice-timer'],
      });
    },
  );

  it('becomes connected when the peer connection says so', () => {
    expect(types('connecting', { type: 'pc-connected' }, patient)).toEqual({
      phase: 'connected',
      peer: 'p1',
      effects: ['clear-ice-timer'],
    });
  });

  it('gives a disconnected connection a grace period before restarting ICE', () => {
    const { next, effects } = transition(state('connected', patient), { type: 'pc-disconnected' });
    expect(next.phase).toBe('reconnecting');
    expect(effects).toEqual([{ type: 'start-ice-timer', ms: ICE_DISCONNECTED_GRACE_MS }]);
    expect(types('reconnecting', { type: 'ice-timeout' }, patient).effects).toEqual([
      'restart-ice',
      'start-ice-timer',
    ]);
    expect(types('reconnecting', { type: 'pc-connected' }, patient).phase).toBe('connected');
  });

  it('restarts ICE at once on failure, and again while it stays broken', () => {
    const failed = transition(state('connected', patient), { type: 'pc-failed' });
    expect(failed.next.phase).toBe('reconnecting');
    expect(failed.effects).toEqual([
      { type: 'restart-ice' },
      { type: 'start-ice-timer', ms: FIRST_RETRY_MS },
    ]);
    expect(types('connecting', { type: 'ice-timeout' }, patient)).toEqual({
      phase: 'connecting',
      peer: 'p1',
      effects: ['restart-ice', 'start-ice-timer'],
    });
  });

  it('restarts ICE again sooner at first, then less often, and starts over once connected', () => {
    let current = transition(state('connected', patient), { type: 'pc-disconnected' }).next;
    const waits: number[] = [];
    for (let i = 0; i < ICE_RETRY_DELAYS_MS.length + 2; i++) {
      const { next, effects } = transition(current, { type: 'ice-timeout' });
      expect(effects[0]).toEqual({ type: 'restart-ice' });
      const timer = effects[1];
      if (timer?.type !== 'start-ice-timer') throw new Error('no retry timer');
      waits.push(timer.ms);
      current = next;
    }
    expect(waits).toEqual([...ICE_RETRY_DELAYS_MS, iceRetryDelay(99), iceRetryDelay(99)]);
    expect(waits[0]).toBeLessThan(waits.at(-1) ?? 0);
    // A signaling drop and resume in between does not reset the backoff; a working connection does.
    const dropped = transition(current, { type: 'signaling-lost' }).next;
    const resumed = transition(dropped, { type: 'joined', peers: [patient], resumed: true }).next;
    expect(resumed.iceRestarts).toBeGreaterThan(ICE_RETRY_DELAYS_MS.length);
    const healed = transition(resumed, { type: 'pc-connected' }).next;
    expect(healed).toEqual(state('connected', patient));
    const again = transition(transition(healed, { type: 'pc-failed' }).next, { type: 'ice-timeout' });
    expect(again.effects[1]).toEqual({ type: 'start-ice-timer', ms: ICE_RETRY_DELAYS_MS[1] });
  });

  it('closes the peer connection when the peer leaves, but not for someone else leaving', () => {
    expect(types('connected', { type: 'peer-left', peer: patient }, patient)).toEqual({
      phase: 'peer-left',
      peer: null,
      effects: ['close-peer-connection', 'clear-ice-timer'],
    });
    expect(types('connected', { type: 'peer-left', peer: other }, patient)).toEqual({
      phase: 'connected',
      peer: 'p1',
      effects: [],
    });
  });

  it('keeps the peer connection through a signaling loss and joins again (resuming) when the socket is back', () => {
    const lost = transition(state('connected', patient), { type: 'signaling-lost' });
    expect(lost).toEqual({ next: state('connected', patient, true), effects: [] });
    const back = transition(lost.next, { type: 'signaling-ready' });
    expect(back).toEqual({ next: state('connected', patient, true), effects: [{ type: 'join' }] });
    expect(types('waiting', { type: 'signaling-lost' })).toEqual({
      phase: 'waiting',
      peer: null,
      effects: [],
    });
    expect(types('joining', { type: 'signaling-ready' }).effects).toEqual(['join']);
    expect(transition(state('joining'), { type: 'signaling-lost' }).next.resuming).toBe(false);
  });

  it('keeps a connected call untouched when the join resumed (S17)', () => {
    const { next, effects } = transition(state('connected', patient, true), {
      type: 'joined',
      peers: [patient],
      resumed: true,
    });
    expect(next).toEqual(state('connected', patient));
    expect(effects).toEqual([]);
  });

  it('negotiates again after a resume when the connection was still being made', () => {
    const { next, effects } = transition(state('connecting', patient, true), {
      type: 'joined',
      peers: [patient],
      resumed: true,
    });
    expect(next).toEqual(state('connecting', patient, false, 1));
    expect(effects).toEqual([{ type: 'restart-ice' }, { type: 'start-ice-timer', ms: FIRST_RETRY_MS }]);
  });

  it('starts over with a new peer connection when the join did not resume', () => {
    expect(types('connected', { type: 'joined', peers: [patient], resumed: false }, patient)).toEqual({
      phase: 'connecting',
      peer: 'p1',
      effects: ['create-peer-connection', 'start-ice-timer'],
    });
    const alone = transition(state('connected', patient, true), {
      type: 'joined',
      peers: [],
      resumed: false,
    });
    expect(alone.next).toEqual(state('waiting'));
    expect(alone.effects.map((e) => e.type)).toEqual(['close-peer-connection', 'clear-ice-timer']);
  });

  it('holds ICE restarts while the socket is down, since their offer could not be sent', () => {
    const broken = transition(state('connected', patient, true), { type: 'pc-failed' });
    expect(broken.next).toEqual(state('reconnecting', patient, true));
    expect(broken.effects).toEqual([{ type: 'start-ice-timer', ms: FIRST_RETRY_MS }]);
    const later = transition(broken.next, { type: 'ice-timeout' });
    expect(later.effects.map((e) => e.type)).toEqual(['start-ice-timer']);
    expect(later.next.resuming).toBe(true);
  });

  it('renews the call cookie once when the join needs one, then gives up', () => {
    const refusal = { type: 'join-rejected', code: 'call_grant_required', message: 'No cookie.' } as const;
    const first = transition(state('joining'), refusal);
    expect(first).toEqual({
      next: { ...state('joining'), grantRenewed: true },
      effects: [{ type: 'renew-grant' }],
    });
    const joinedAfter = transition(first.next, { type: 'joined', peers: [], resumed: false });
    expect(joinedAfter.next.grantRenewed).toBe(true);
    const second = transition(joinedAfter.next, refusal);
    expect(second.next).toMatchObject({ phase: 'failed', error: 'No cookie.' });
  });

  it('ignores peer-connection events with no peer to connect to', () => {
    expect(types('reconnecting', { type: 'pc-connected' })).toEqual({
      phase: 'reconnecting',
      peer: null,
      effects: [],
    });
    expect(types('waiting', { type: 'pc-failed' })).toEqual({ phase: 'waiting', peer: null, effects: [] });
  });

  it.each<PeerCallPhase>([
    'starting',
    'joining',
    'waiting',
    'connecting',
    'connected',
    'reconnecting',
    'peer-left',
  ])('ends, hangs up and fails from %s', (phase) => {
    expect(types(phase, { type: 'call-ended' }, patient)).toEqual({
      phase: 'ended',
      peer: null,
      effects: ['close-peer-connection', 'clear-ice-timer', 'leave', 'stop-media'],
    });
    expect(types(phase, { type: 'hang-up' }, patient).phase).toBe('closed');
    const fatal = transition(state(phase, patient), {
      type: 'signaling-fatal',
      message: 'Opened elsewhere.',
    });
    expect(fatal.next).toEqual({ phase: 'failed', peer: null, error: 'Opened elsewhere.', ...settled });
  });

  it('treats a join refused because the call is over as the end of the call', () => {
    expect(types('joining', { type: 'join-rejected', code: 'call_not_active', message: 'x' }).phase).toBe(
      'ended',
    );
    const refused = transition(state('joining'), {
      type: 'join-rejected',
      code: 'not_party',
      message: 'Not yours.',
    });
    expect(refused.next).toEqual({ phase: 'failed', peer: null, error: 'Not yours.', ...settled });
  });

  it('does nothing once the call is over', () => {
    const events: PeerCallEvent[] = [
      { type: 'start' },
      { type: 'peer-joined', peer: patient },
      { type: 'hang-up' },
      { type: 'call-ended' },
      { type: 'signaling-ready' },
    ];
    for (const phase of ['ended', 'failed', 'closed'] as const) {
      expect(Object.keys(PEER_CALL_TRANSITIONS[phase])).toEqual([]);
      for (const event of events) {
        const before = state(phase);
        expect(transition(before, event)).toEqual({ next: before, effects: [] });
      }
    }
  });

  it('lists a handler only for phases where the event means something', () => {
    expect(types('idle', { type: 'pc-connected' })).toEqual({ phase: 'idle', peer: null, effects: [] });
    expect(types('starting', { type: 'signaling-lost' })).toEqual({
      phase: 'starting',
      peer: null,
      effects: [],
    });
    expect(types('idle', { type: 'hang-up' })).toEqual({ phase: 'closed', peer: null, effects: [] });
  });
});
