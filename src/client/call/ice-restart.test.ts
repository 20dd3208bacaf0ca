import { describe, expect, it } from 'vitest';
import { FakePeerConnection, settle } from '../testing/fake-peer-connection.js';
import { FakeTimers } from '../testing/fake-timers.js';
import { ICE_REFRESH_TIMEOUT_MS, type IceSettings, restartIce } from './ice-restart.js';

const FRESH: IceSettings = {
  iceServers: [{ urls: ['turn:turn.example.org:3478'], username: '2:u', credential: 'c2' }],
  iceTransportPolicy: 'relay',
};

function setup(refreshIceConfig?: () => Promise<IceSettings>) {
  const pc = new FakePeerConnection(
    'pc',
    { iceServers: [{ urls: ['stun:stun.example.org'] }] },
    {
      negotiationNeeded: () => undefined,
      iceCandidate: () => undefined,
      track: () => undefined,
      connectionStateChange: () => undefined,
    },
  );
  let restarts = 0;
  const negotiation = {
    restartIce: () => {
      restarts++;
    },
  };
  const timers = new FakeTimers();
  const errors: unknown[] = [];
  let current = true;
  const run = () =>
    restartIce({
      pc,
      negotiation,
      refreshIceConfig,
      timers,
      current: () => current,
      onError: (error) => errors.push(error),
    });
  return {
    pc,
    timers,
    errors,
    run,
    restarts: () => restarts,
    replace: () => {
      current = false;
    },
  };
}

describe('restartIce', () => {
  it('restarts at once when there is no way to refresh the servers', () => {
    const { run, restarts, pc } = setup();
    run();
    expect(restarts()).toBe(1);
    expect(pc.reconfigured).toEqual([]);
  });

  it('applies fresh ICE servers first, then restarts', async () => {
    const { run, restarts, pc, timers } = setup(async () => FRESH);
    run();
    expect(restarts()).toBe(0);
    await settle();
    expect(pc.reconfigured).toEqual([FRESH]);
    expect(restarts()).toBe(1);
    expect(timers.pendingTimeouts()).toEqual([]);
  });

  it('restarts with the servers it has when the refresh is slow', async () => {
    const { run, restarts, pc, timers } = setup(() => new Promise(() => undefined));
    run();
    timers.advance(ICE_REFRESH_TIMEOUT_MS - 1);
    await settle();
    expect(restarts()).toBe(0);
    timers.advance(1);
    await settle();
    expect(restarts()).toBe(1);
    expect(pc.reconfigured).toEqual([]);
  });

  it('reports a failed refresh and restarts anyway', async () => {
    const { run, restarts, errors } = setup(() => Promise.reject(new Error('offline')));
    run();
    await settle();
    expect(errors).toEqual([new Error('offline')]);
    expect(restarts()).toBe(1);
  });

  it('leaves a peer connection alone that was replaced while the servers were fetched', async () => {
    const { run, restarts, pc, replace } = setup(async () => FRESH);
    run();
    replace();
    await settle();
    expect(pc.reconfigured).toEqual([]);
    expect(restarts()).toBe(0);
  });
});
