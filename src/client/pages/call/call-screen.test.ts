import { describe, expect, it } from 'vitest';
import type { QualityReport } from '../../call/quality.js';
import { type CallScreenInput, callScreen, initials, qualityView, unreadBadge } from './call-screen.js';

const base: CallScreenInput = {
  phase: 'connected',
  role: 'doctor',
  viaLink: false,
  peerName: 'Pat Smith',
  otherName: 'Pat Smith',
  statusText: 'Connected',
  error: null,
  remote: { audioMuted: false, videoOff: false, screenSharing: false, microphone: 'on', camera: 'on' },
  local: { microphone: 'on', camera: 'on', screenSharing: false },
  serverLost: false,
};
const screen = (patch: Partial<CallScreenInput>) => callScreen({ ...base, ...patch });

describe('initials', () => {
  it.each([
    ['Pat Smith', 'PS'],
    ['Dr. Ada', 'A'],
    ['Dr. Ada Lovelace-Byron', 'AL'],
    ['  élodie   de la cour ', 'ÉC'],
    ['Prof. Dr. Li', 'L'],
    ['###', '?'],
  ])('%s → %s', (name, expected) => {
    expect(initials(name)).toBe(expected);
  });
});

describe('callScreen', () => {
  it('shows no overlay while connected, and announces who the call is with', () => {
    expect(screen({})).toEqual({
      overlay: null,
      remoteTile: {
        name: 'Pat Smith',
        initials: 'PS',
        audioMuted: false,
        videoOff: false,
        screen: false,
        states: [],
      },
      serverNotice: null,
      peerDeviceNotice: null,
      deviceNotice: null,
      announcement: 'Connected with Pat Smith.',
      shareLabel: null,
    });
  });

  it('labels a screen share on both sides, only while in the call', () => {
    const remote = { ...base.remote, screenSharing: true };
    expect(screen({ peerName: 'Dr. Ada', role: 'patient', remote }).shareLabel).toBe(
      'Dr. Ada is sharing their screen',
    );
    expect(screen({ local: { ...base.local, screenSharing: true } }).shareLabel).toBe(
      'You are sharing your screen',
    );
    expect(screen({ phase: 'ended', local: { ...base.local, screenSharing: true } }).shareLabel).toBeNull();
  });

  it('puts the other side’s signaled microphone and camera on their tile and in the announcement', () => {
    const muted = screen({
      remote: { audioMuted: true, videoOff: false, screenSharing: false, microphone: 'on', camera: 'on' },
    });
    expect(muted.remoteTile).toMatchObject({ audioMuted: true, videoOff: false });
    expect(muted.announcement).toBe('Connected with Pat Smith. Pat Smith is muted.');
    const both = screen({
      remote: { audioMuted: true, videoOff: true, screenSharing: false, microphone: 'on', camera: 'on' },
    });
    expect(both.announcement).toBe(
      'Connected with Pat Smith. Pat Smith is muted and has turned the camera off.',
    );
    const sharing = screen({
      peerName: 'Dr. Ada',
      role: 'patient',
      remote: { audioMuted: false, videoOff: false, screenSharing: true, microphone: 'on', camera: 'on' },
    });
    expect(sharing.remoteTile).toMatchObject({ screen: true, initials: 'A' });
    expect(sharing.announcement).toBe('Connected with Dr. Ada. Dr. Ada is sharing their screen.');
  });

  it('S25 explains this side’s device that could not start, with the one remedy that fits, and nothing when all is on', () => {
    expect(screen({}).deviceNotice).toBeNull();
    expect(screen({ role: 'patient', local: { ...base.local, camera: 'missing' } }).deviceNotice).toBe(
      'No camera was found. You are still in the call: the doctor can hear you but cannot see you. Connect one, then press “Turn camera on”.',
    );
    expect(screen({ role: 'patient', local: { ...base.local, microphone: 'busy' } }).deviceNotice).toBe(
      'Your microphone is being used by another program. You are still in the call: the doctor can see you but cannot hear you. You can write in the chat. Close the other program, then press “Turn microphone on”.',
    );
    // A camera turned off by choice is no problem to explain.
    expect(
      screen({ local: { microphone: 'on', camera: 'off', screenSharing: false } }).deviceNotice,
    ).toBeNull();
    // Before the call (loading) nothing is said yet.
    expect(
      screen({ phase: 'loading', local: { microphone: 'blocked', camera: 'blocked', screenSharing: false } })
        .deviceNotice,
    ).toBeNull();
  });

  it('S25 tells this side which mode the other is in: trouble, sound only, camera off', () => {
    const audioOnly = screen({
      remote: { audioMuted: false, videoOff: true, screenSharing: false, microphone: 'on', camera: 'busy' },
    });
    expect(audioOnly.peerDeviceNotice).toBe(
      'Pat Smith is having trouble with their camera. You can hear them, but not see them.',
    );
    expect(audioOnly.remoteTile).toMatchObject({ videoOff: true, states: ['Camera not working'] });
    expect(audioOnly.announcement).toBe(`Connected with Pat Smith. ${audioOnly.peerDeviceNotice}`);
    const chosen = screen({
      remote: { audioMuted: true, videoOff: true, screenSharing: false, microphone: 'off', camera: 'off' },
    });
    expect(chosen.peerDeviceNotice).toBeNull();
    expect(chosen.remoteTile?.states).toEqual(['Microphone off', 'Camera off']);
  });

  it('waits in the words of each side', () => {
    expect(screen({ phase: 'waiting', peerName: null }).overlay).toEqual({
      kind: 'waiting',
      title: 'Waiting for the patient…',
      detail: 'Pat Smith will appear here as soon as they join.',
    });
    const patient = screen({ phase: 'waiting', role: 'patient', peerName: null, otherName: 'Dr. Ada' });
    expect(patient.overlay?.title).toBe('The doctor will be with you shortly');
    expect(patient.remoteTile).toBeNull();
    expect(patient.announcement).toBe(
      'The doctor will be with you shortly. Keep this page open: you are connected as soon as the doctor joins.',
    );
  });

  it('says what is being retried while reconnecting', () => {
    expect(screen({ phase: 'reconnecting' }).overlay).toEqual({
      kind: 'progress',
      title: 'Reconnecting…',
      detail: 'Restoring the video connection',
    });
    expect(screen({ phase: 'reconnecting', serverLost: true }).overlay?.detail).toBe(
      'Restoring the video connection and the connection to the server',
    );
    expect(screen({ phase: 'reconnecting' }).announcement).toBe(
      'Reconnecting… Restoring the video connection',
    );
    // Media still flows: the server is re-reached quietly, without covering the picture.
    const server = screen({ serverLost: true });
    expect(server).toMatchObject({ overlay: null, serverNotice: 'Reconnecting to the server…' });
    expect(server.announcement).toBe('Connected with Pat Smith. Reconnecting to the server…');
    // The tile stays while reconnecting: the last picture and the signaled state are still right.
    expect(screen({ phase: 'reconnecting' }).remoteTile).not.toBeNull();
  });

  it('says the other side left, and what happens next for each side', () => {
    expect(screen({ phase: 'peer-left' }).overlay).toMatchObject({
      kind: 'left',
      title: 'Pat Smith left the call',
      detail: expect.stringMatching(/rejoin/),
    });
    const patient = screen({ phase: 'peer-left', role: 'patient', peerName: 'Dr. Ada' });
    expect(patient.overlay).toMatchObject({
      title: 'Dr. Ada left the call',
      detail: expect.stringMatching(/Keep this page open/),
    });
  });

  it('covers connecting, the end, a failure and leaving', () => {
    expect(
      screen({ phase: 'starting', statusText: 'Starting your camera and microphone…' }).overlay?.title,
    ).toBe('Starting your camera and microphone…');
    expect(screen({ phase: 'connecting' }).overlay?.title).toBe('Connecting to Pat Smith…');
    expect(screen({ phase: 'ended' }).overlay).toMatchObject({
      kind: 'ended',
      detail: 'Returning to the appointment…',
    });
    expect(screen({ phase: 'ended', viaLink: true }).announcement).toBe(
      'The call has ended. You can close this page.',
    );
    const failed = screen({ phase: 'failed', error: 'This link was already used in another browser.' });
    expect(failed.overlay).toMatchObject({
      kind: 'failed',
      detail: 'This link was already used in another browser.',
    });
    expect(failed.announcement).toBe(
      'The call could not continue. This link was already used in another browser.',
    );
    expect(screen({ phase: 'closed' }).overlay?.title).toBe('You left the call');
  });
});

describe('qualityView', () => {
  const report: QualityReport = {
    level: 'good',
    rttMs: 48.4,
    jitterMs: 3.2,
    lossPercent: 0.25,
    bitrateKbps: 1840,
    width: 1280,
    height: 720,
    fps: 29.7,
    candidateType: 'relay',
    localCandidateType: 'relay',
    receivingAudio: true,
    pictureMoving: true,
    sendBitrateKbps: 2150,
    recvBitrateKbps: 1900,
    score: 72,
  };

  it('names the level in words and lists the figures with units', () => {
    expect(qualityView(report)).toEqual({
      level: 'good',
      label: 'Good',
      name: 'Connection quality: Good',
      rows: [
        { term: 'Round trip', value: '48 ms' },
        { term: 'Jitter', value: '3 ms' },
        { term: 'Packet loss', value: '0.3 %' },
        { term: 'Bitrate received', value: '1.8 Mbit/s' },
        { term: 'Bitrate sent', value: '2.1 Mbit/s' },
        { term: 'Resolution', value: '1280×720' },
        { term: 'Frame rate', value: '30 fps' },
        { term: 'Route', value: 'Relay' },
      ],
    });
  });

  it('shows a dash for what is not known yet, and the direct route', () => {
    const view = qualityView({
      ...report,
      level: 'lost',
      rttMs: null,
      lossPercent: null,
      bitrateKbps: 320,
      width: null,
      candidateType: 'direct',
      sendBitrateKbps: null,
    });
    expect(view.label).toBe('Lost');
    expect(view.rows.map((row) => row.value)).toEqual([
      '–',
      '3 ms',
      '–',
      '320 kbit/s',
      '–',
      '–',
      '30 fps',
      'Direct',
    ]);
  });
});

describe('unreadBadge', () => {
  it('counts on the button and words it for the description', () => {
    expect(unreadBadge(0)).toBeNull();
    expect(unreadBadge(1)).toEqual({ text: '1', words: '1 unread message' });
    expect(unreadBadge(12)).toEqual({ text: '12', words: '12 unread messages' });
    expect(unreadBadge(140)).toEqual({ text: '99+', words: '140 unread messages' });
  });
});
