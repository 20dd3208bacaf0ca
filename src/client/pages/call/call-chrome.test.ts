import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import type { FullscreenControl, Platform } from '../../platform/platform.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { settle } from '../../testing/fake-peer-connection.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { FakeRoomServer } from '../../testing/fake-signaling.js';
import { callContext, chatMessage, doctorPeer, doctorUser, patientPeer } from '../../testing/fixtures.js';
import { CallChrome, type ChromeFields } from './call-chrome.js';

const MESSAGES = '/api/appointments/a1/messages?limit=500';

function fakeFullscreen() {
  const listeners = new Set<() => void>();
  let active = false;
  let refuse = false;
  const change = (to: boolean) => {
    active = to;
    for (const listener of listeners) listener();
  };
  const control: FullscreenControl = {
    isActive: () => active,
    enter: async () => {
      if (refuse) throw new Error('Permissions check failed');
      change(true);
    },
    exit: async () => change(false),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { control, browserExit: () => change(false), refuse: () => (refuse = true), listeners };
}

/** The chrome of a patient's call page for appointment a1, with its part of the page state. */
function setup(routes: Route[] = [], overrides: Partial<Platform> = {}, self = patientPeer) {
  const api = fakeApi([{ method: 'GET', path: MESSAGES, status: 200, body: { messages: [] } }, ...routes]);
  const platform = fakePlatform(overrides);
  let state: ChromeFields = {
    chat: null,
    chatOpen: false,
    popover: null,
    qualityPeek: false,
    fullscreen: platform.fullscreen ? { active: false } : null,
    invite: null,
    shortcutsEnabled: true,
  };
  const chrome = new CallChrome(platform, new ApiClient(api.fetch), {
    state: () => state,
    update: (patch) => {
      state = { ...state, ...patch };
    },
  });
  const signaling = new FakeRoomServer().connect(self);
  chrome.attach(callContext({ self }), signaling);
  return { api, platform, chrome, signaling, state: () => state };
}

describe('CallChrome', () => {
  it('opens and closes the chat panel, closing a popover, and counts unread messages only while closed', async () => {
    const { chrome, signaling, state } = setup();
    chrome.startChat();
    await settle();
    chrome.togglePopover('settings');
    signaling.deliver({ type: 'chat', message: chatMessage('m1', doctorUser, 'Hello?') });
    await settle();
    expect(state().chat?.unread).toBe(1);
    chrome.toggleChat();
    expect(state()).toMatchObject({ chatOpen: true, popover: null, chat: { unread: 0 } });
    signaling.deliver({ type: 'chat', message: chatMessage('m2', doctorUser, 'Can you hear me?') });
    await settle();
    expect(state().chat?.unread).toBe(0);
    chrome.toggleChat();
    expect(state().chatOpen).toBe(false);
    chrome.closeChat();
    expect(state().chatOpen).toBe(false);
  });

  it('sends what the party writes through the appointment’s chat', async () => {
    const { chrome, signaling, state } = setup();
    chrome.startChat();
    await settle();
    chrome.setChatDraft('Yes');
    chrome.sendChat();
    expect(signaling.sentOfType('chat').at(-1)).toMatchObject({ appointmentId: 'a1', body: 'Yes' });
    expect(state().chat).toMatchObject({ draft: '', entries: [{ body: 'Yes', senderId: 'p1' }] });
  });

  it('pins a panel with a press and closes it with the next, whatever the pointer does', () => {
    const { chrome, state } = setup();
    chrome.peekQuality(true);
    expect(state()).toMatchObject({ qualityPeek: true, popover: null });
    chrome.togglePopover('quality');
    expect(state()).toMatchObject({ qualityPeek: false, popover: 'quality' });
    chrome.togglePopover('settings');
    expect(state().popover).toBe('settings');
    chrome.closePopover();
    expect(state().popover).toBeNull();
  });

  it('enters and leaves full screen, follows the browser’s own exit, and stays in the window when refused', async () => {
    const fullscreen = fakeFullscreen();
    const { chrome, state } = setup([], { fullscreen: fullscreen.control });
    const element = {} as Element;
    await chrome.toggleFullscreen(element);
    expect(state().fullscreen).toEqual({ active: true });
    fullscreen.browserExit();
    expect(state().fullscreen).toEqual({ active: false });
    fullscreen.refuse();
    await chrome.toggleFullscreen(element);
    expect(state().fullscreen).toEqual({ active: false });
    chrome.dispose();
    expect(fullscreen.listeners.size).toBe(0);
  });

  it('does nothing about full screen where the browser has none', async () => {
    const { chrome, state } = setup();
    await chrome.toggleFullscreen({} as Element);
    expect(state().fullscreen).toBeNull();
  });

  it('offers the doctor the invite link while the call is active, and copies it', async () => {
    const invite: Route = {
      method: 'POST',
      path: '/api/appointments/a1/call/invite',
      status: 200,
      body: {
        link: { url: 'https://cc.test/appointments/a1/call#token=new', role: 'patient', expiresAt: 9e12 },
      },
    };
    const doctor = setup([invite], {}, doctorPeer);
    doctor.chrome.followCall('doctor', true);
    expect(doctor.state().invite).toMatchObject({ status: 'idle' });
    await doctor.chrome.copyInviteLink('a1');
    expect(doctor.platform.copied).toEqual(['https://cc.test/appointments/a1/call#token=new']);
    expect(doctor.state().invite).toMatchObject({ status: 'copied' });
    doctor.chrome.followCall('doctor', false);
    expect(doctor.state().invite).toBeNull();
    const patient = setup();
    patient.chrome.followCall('patient', true);
    expect(patient.state().invite).toBeNull();
  });

  it('turns the single-key shortcuts off and on for this browser', () => {
    const { chrome, platform, state } = setup();
    chrome.setShortcutsEnabled(false);
    expect(state().shortcutsEnabled).toBe(false);
    expect(platform.readStorage('carecall.shortcuts')).toBe('off');
    chrome.setShortcutsEnabled(true);
    expect(state().shortcutsEnabled).toBe(true);
    expect(platform.readStorage('carecall.shortcuts')).toBe('on');
  });
});
