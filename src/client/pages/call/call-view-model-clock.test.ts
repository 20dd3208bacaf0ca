import { describe, expect, it } from 'vitest';
import { activeContext, callPage, joined } from '../../testing/call-page.js';
import { settle } from '../../testing/fake-peer-connection.js';
import { callStatus, doctorPeer, patientPeer } from '../../testing/fixtures.js';

describe('CallViewModel: maximum duration (S19)', () => {
  it('shows a polite countdown banner on call-warning, on both sides', async () => {
    const { model, connection, platform } = callPage([activeContext({ self: doctorPeer })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [patientPeer], doctorPeer);
    expect(model.state.warning).toBeNull();
    connection().receive({
      type: 'call-warning',
      appointmentId: 'a1',
      reason: 'max_duration',
      endsAt: 300_000,
      seq: 1,
    });
    expect(model.state.warning).toEqual({
      announcement: 'This call will end in 5 minutes.',
      remaining: '5:00',
    });
    platform.fakeTimers.advance(28_000);
    expect(model.state.warning?.remaining).toBe('4:32');
    expect(model.state.warning?.announcement).toBe('This call will end in 5 minutes.');
  });

  it('derives the banner from call.endsAt when the page loads late', async () => {
    const { model } = callPage(
      [activeContext({ call: { ...callStatus('in_progress'), endsAt: 1_000_000 } })],
      {
        now: 1_000_000 - 90_000,
      },
    );
    await model.load();
    expect(model.state.warning).toEqual({
      announcement: 'This call will end in 2 minutes.',
      remaining: '1:30',
    });
  });

  it('shows nothing while the end is far', async () => {
    const { model } = callPage([
      activeContext({ call: { ...callStatus('in_progress'), endsAt: 3_600_000 } }),
    ]);
    await model.load();
    expect(model.state.warning).toBeNull();
  });
});

describe('CallViewModel: the call’s duration', () => {
  it('counts from connectedAt while in the call, without changing what is announced', async () => {
    const call = { ...callStatus('in_progress'), connectedAt: 1_000 };
    const { model, connection, platform } = callPage([activeContext({ call })], { now: 63_000 });
    await model.load();
    await settle();
    expect(model.state.duration).toBe('1:02');
    connection().welcome();
    joined(connection(), [doctorPeer]);
    const announcement = model.state.screen.announcement;
    platform.fakeTimers.advance(1_000);
    expect(model.state.duration).toBe('1:03');
    expect(model.state.screen.announcement).toBe(announcement);
  });

  it('starts when the call goes in_progress, and reads h:mm:ss past an hour', async () => {
    const { model, connection, platform } = callPage([activeContext()], { now: 5_000 });
    await model.load();
    await settle();
    connection().welcome();
    joined(connection(), [doctorPeer]);
    expect(model.state.duration).toBeNull();
    connection().receive({ type: 'call-status', call: { ...callStatus('in_progress'), connectedAt: 5_000 } });
    expect(model.state.duration).toBe('0:00');
    platform.fakeTimers.advance(3_725_000);
    expect(model.state.duration).toBe('1:02:05');
  });

  it('stops when the call ends', async () => {
    const call = { ...callStatus('in_progress'), connectedAt: 0 };
    const { model, connection } = callPage([activeContext({ call, via: 'link' })], { now: 30_000 });
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    expect(model.state.duration).toBe('0:30');
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    expect(model.state).toMatchObject({ phase: 'ended', duration: null });
  });
});
