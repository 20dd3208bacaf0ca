import type { DeviceStatus } from '../../protocol/messages.js';
import { Emitter } from '../lib/emitter.js';
import {
  type DeviceList,
  deviceList,
  deviceToUse,
  type InputKind,
  type MediaDevicesAccess,
  NO_DEVICES,
  trackDeviceId,
} from './devices.js';
import {
  audioConstraints,
  type CallMedia,
  deviceProblem,
  errorName,
  SCREEN_CAPTURE,
  videoConstraints,
} from './media.js';

export interface MediaFlags {
  audioMuted: boolean;
  videoOff: boolean;
}

/**
 * A device as this side knows it: what the other side is told (S25), and `starting` while it is being
 * started (told as `off`).
 */
export type LocalDeviceState = DeviceStatus | 'starting';

export interface LocalMedia extends MediaFlags {
  hasAudio: boolean;
  hasVideo: boolean;
  /** `on` exactly when there is a track of the kind (hasAudio / hasVideo). */
  microphone: LocalDeviceState;
  camera: LocalDeviceState;
  /** The video sender carries a captured screen instead of the camera (shown unmirrored). */
  screenSharing: boolean;
}

export type TrackKind = 'audio' | 'video';

export interface LocalTracksEvents {
  /** What the local picture shows: the camera and microphone, or the shared screen. */
  preview: MediaStream | null;
  media: LocalMedia;
  devices: DeviceList;
  /** The track to send for this kind changed (a device switch, a screen share): the sender must follow. */
  outgoing: TrackKind;
  /** Sharing started or stopped (also from the browser's own "Stop sharing"). */
  'screen-share': boolean;
}

export interface LocalTracksOptions {
  access: MediaDevicesAccess | null;
  createMediaStream: () => MediaStream;
  onError: (error: unknown) => void;
}

function unavailable(message: string): Error {
  return Object.assign(new Error(message), { name: 'NotSupportedError' });
}

const KIND: Record<InputKind, TrackKind> = { audioinput: 'audio', videoinput: 'video' };

/** getUserMedia's answers for a device that is not there (any more). */
const DEVICE_GONE = new Set(['NotFoundError', 'OverconstrainedError']);

/**
 * This side's camera, microphone and shared screen: which track each sender should carry, mute and
 * camera-off, device switches and device changes. It never touches the peer connection: it says which
 * track is outgoing, and OutgoingSenders moves the sender to it with replaceTrack.
 */
export class LocalTracks {
  readonly events = new Emitter<LocalTracksEvents>();
  readonly #options: LocalTracksOptions;
  /** The stream the camera and microphone are sent in; kept for its id (msid) while tracks change. */
  #stream: MediaStream | null = null;
  #screen: MediaStreamTrack | null = null;
  #audioMuted = false;
  #videoOff = false;
  /** Why there is no track of a kind: not started yet or by choice, or the problem that stopped it. */
  readonly #absent: Record<TrackKind, Exclude<LocalDeviceState, 'on'>> = {
    audio: 'starting',
    video: 'starting',
  };
  #devices: DeviceList = NO_DEVICES;
  #known = new Set<string>();
  #closed = false;
  /** A camera switch happened: the preview is a new stream, so the page's video element takes it up. */
  #cameraSwitched = false;
  #stopWatching: (() => void) | null = null;
  /** Device work runs one at a time: a switch while a devicechange is handled must not interleave. */
  #work: Promise<void> = Promise.resolve();
  readonly #endedListeners = new Map<MediaStreamTrack, () => void>();

  constructor(options: LocalTracksOptions) {
    this.#options = options;
  }

  get stream(): MediaStream | null {
    return this.#stream;
  }

  get devices(): DeviceList {
    return this.#devices;
  }

  get screenSharing(): boolean {
    return this.#screen !== null;
  }

  get media(): LocalMedia {
    const hasAudio = this.#track('audio') !== null;
    const hasVideo = this.#track('video') !== null;
    return {
      audioMuted: this.#audioMuted || !hasAudio,
      videoOff: this.#videoOff || !hasVideo,
      hasAudio,
      hasVideo,
      microphone: hasAudio ? 'on' : this.#absent.audio,
      camera: hasVideo ? 'on' : this.#absent.video,
      screenSharing: this.#screen !== null,
    };
  }

  /** The track a sender of this kind should carry now: the shared screen wins over the camera. */
  outgoing(kind: TrackKind): MediaStreamTrack | null {
    return kind === 'video' ? (this.#screen ?? this.#track('video')) : this.#track('audio');
  }

  /**
   * The devices the party joins with, before `use`: a device it joins without starts `off` (muted or
   * camera off), and is started only when the party turns it on.
   */
  joinWith(devices: { audio: boolean; video: boolean }): void {
    if (!devices.audio) this.#audioMuted = true;
    if (!devices.video) this.#videoOff = true;
  }

  /**
   * Takes the camera and microphone the call started with (either, both or none: S25), and starts
   * following device changes. A kind without a track is `off`, or the problem that stopped it.
   */
  use(stream: MediaStream | null, problems: CallMedia['problems'] = {}): void {
    for (const kind of ['audio', 'video'] as const) this.#absent[kind] = problems[kind] ?? 'off';
    this.#stream = stream;
    if (!stream) {
      this.events.emit('media', this.media);
      this.#watchDevices();
      return;
    }
    for (const track of stream.getAudioTracks()) track.enabled = !this.#audioMuted;
    for (const track of stream.getVideoTracks()) track.enabled = !this.#videoOff;
    for (const track of stream.getTracks()) this.#watchEnded(track);
    this.events.emit('preview', this.#preview());
    this.events.emit('media', this.media);
    this.#watchDevices();
  }

  /**
   * Starts the microphone or camera the call has no track of (joined without it, blocked, missing): the
   * new track is sent on the kind's transceiver after a renegotiation, and it starts unmuted / on. Rejects
   * with the browser's error when it fails again; `media` then says why.
   */
  turnOn(kind: TrackKind): Promise<void> {
    return this.#queue(async () => {
      if (this.#track(kind)) return;
      const previous = this.#absent[kind];
      this.#absent[kind] = 'starting';
      if (kind === 'audio') this.#audioMuted = false;
      else this.#videoOff = false;
      this.events.emit('media', this.media);
      const input: InputKind = kind === 'audio' ? 'audioinput' : 'videoinput';
      const preferred = this.#options.access?.preferred();
      try {
        await this.#replaceInput(
          input,
          (kind === 'audio' ? preferred?.audioInput : preferred?.videoInput) ?? null,
          false,
        );
      } catch (error) {
        this.#absent[kind] = this.#options.access ? deviceProblem(error) : previous;
        this.events.emit('media', this.media);
        throw error;
      }
    }, true);
  }

  #watchDevices(): void {
    const access = this.#options.access;
    if (access && !this.#stopWatching) {
      this.#stopWatching = access.onDeviceChange(() => this.#queue(() => this.#devicesChanged()));
      this.#queue(() => this.#devicesChanged());
    }
  }

  setAudioMuted(muted: boolean): void {
    this.#audioMuted = muted;
    for (const track of this.#stream?.getAudioTracks() ?? []) track.enabled = !muted;
    this.events.emit('media', this.media);
  }

  /** The camera only: a shared screen goes on being sent. */
  setVideoOff(off: boolean): void {
    this.#videoOff = off;
    for (const track of this.#stream?.getVideoTracks() ?? []) track.enabled = !off;
    this.events.emit('media', this.media);
  }

  async startScreenShare(): Promise<void> {
    const capture = this.#options.access?.getDisplayMedia;
    if (!capture) throw unavailable('Screen sharing is not available here.');
    if (this.#screen || this.#closed) return;
    const captured = await capture(SCREEN_CAPTURE);
    const [track] = captured.getVideoTracks();
    for (const other of captured.getTracks()) if (other !== track) other.stop();
    if (!track) throw unavailable('The browser shared no picture.');
    if (this.#closed || this.#screen) {
      track.stop();
      return;
    }
    this.#screen = track;
    const onEnded = () => {
      // "Stop sharing" in the browser's own bar ends the track without asking the page.
      if (this.#screen === track) this.stopScreenShare();
    };
    track.addEventListener?.('ended', onEnded);
    this.#endedListeners.set(track, onEnded);
    this.#changed('video');
    this.events.emit('screen-share', true);
  }

  stopScreenShare(): void {
    const track = this.#screen;
    if (!track) return;
    this.#screen = null;
    this.#unwatch(track);
    track.stop();
    const camera = this.#track('video');
    if (camera && camera.readyState === 'ended' && !this.#closed) {
      // The camera went away while the screen was shown: find one again before switching back.
      this.#queue(() =>
        this.#replaceInput('videoinput', this.#options.access?.preferred().videoInput ?? null, false),
      );
    }
    this.#changed('video');
    this.events.emit('screen-share', false);
  }

  /** Moves to another camera or microphone: the new track replaces the old one, mute and camera-off stay. */
  switchDevice(kind: InputKind, deviceId: string): Promise<void> {
    return this.#queue(() => this.#replaceInput(kind, deviceId, true), true);
  }

  /** Stops every track. Safe to call more than once. */
  close(): void {
    this.#closed = true;
    this.#stopWatching?.();
    this.#stopWatching = null;
    const screen = this.#screen;
    this.#screen = null;
    for (const track of [...(this.#stream?.getTracks() ?? []), ...(screen ? [screen] : [])]) {
      this.#unwatch(track);
      track.stop();
    }
    if (this.#stream) {
      this.#stream = null;
      this.events.emit('preview', null);
    }
  }

  #track(kind: TrackKind): MediaStreamTrack | null {
    const stream = this.#stream;
    if (!stream) return null;
    return (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0] ?? null;
  }

  /** Runs device work in order. A caller's failure is the caller's to show; background failures are reported. */
  #queue(work: () => Promise<void>, caller = false): Promise<void> {
    const run = this.#work.then(() => (this.#closed ? undefined : work()));
    this.#work = run.catch((error: unknown) => {
      if (!caller) this.#options.onError(error);
    });
    return run;
  }

  /** `exact`: the person's choice in the call, which must not silently land on another device. */
  async #replaceInput(kind: InputKind, deviceId: string | null, exact: boolean): Promise<void> {
    const access = this.#options.access;
    if (!access) throw unavailable('Devices cannot be changed here.');
    const trackKind = KIND[kind];
    const constraints = (exactly: boolean): MediaStreamConstraints =>
      kind === 'audioinput'
        ? { audio: audioConstraints(deviceId, exactly) }
        : { video: videoConstraints(deviceId, exactly) };
    let acquired: MediaStream;
    if (exact || !deviceId) {
      acquired = await access.getUserMedia(constraints(exact));
    } else {
      // A device picked from the list (the person's headset plugged back in, the one left after an
      // unplug) is asked for exactly first: Chromium takes an `ideal` deviceId as a hint and may hand out
      // its first device instead (seen in call-devices.spec), so the menu would name one device while
      // another is sent. Gone again in the meantime: whichever device the browser gives.
      try {
        acquired = await access.getUserMedia(constraints(true));
      } catch (error) {
        if (!DEVICE_GONE.has(errorName(error))) throw error;
        acquired = await access.getUserMedia(constraints(false));
      }
    }
    const [track] = trackKind === 'audio' ? acquired.getAudioTracks() : acquired.getVideoTracks();
    for (const other of acquired.getTracks()) if (other !== track) other.stop();
    if (!track) throw unavailable('The browser gave no track for that device.');
    if (this.#closed) {
      track.stop();
      return;
    }
    let stream = this.#stream;
    if (!stream) {
      stream = this.#options.createMediaStream();
      this.#stream = stream;
    }
    const old = this.#track(trackKind);
    track.enabled = trackKind === 'audio' ? !this.#audioMuted : !this.#videoOff;
    if (old) {
      stream.removeTrack(old);
      this.#unwatch(old);
    }
    stream.addTrack(track);
    this.#watchEnded(track);
    if (trackKind === 'video') this.#cameraSwitched = true;
    this.#changed(trackKind);
    // Stopped after the sender has been given the new one (the event above), so no frame is black.
    old?.stop();
    this.#devices = {
      ...this.#devices,
      [kind === 'audioinput' ? 'audioInput' : 'videoInput']: trackDeviceId(track) ?? deviceId,
    };
    this.events.emit('devices', this.#devices);
  }

  async #devicesChanged(): Promise<void> {
    const access = this.#options.access;
    if (!access) return;
    const infos = await access.enumerateDevices();
    const before = this.#known;
    this.#known = new Set(infos.map((info) => info.deviceId));
    this.#devices = deviceList(
      infos,
      trackDeviceId(this.#track('audio')),
      trackDeviceId(this.#track('video')),
    );
    this.events.emit('devices', this.#devices);
    if (before.size === 0) return;
    const preferred = access.preferred();
    for (const kind of ['audioinput', 'videoinput'] as const) {
      const track = this.#track(KIND[kind]);
      if (!track) continue;
      const available = (kind === 'audioinput' ? this.#devices.audioInputs : this.#devices.videoInputs).map(
        (d) => d.deviceId,
      );
      const target = deviceToUse({
        current: trackDeviceId(track),
        ended: track.readyState === 'ended',
        available,
        previouslyAvailable: before,
        preferred: kind === 'audioinput' ? preferred.audioInput : preferred.videoInput,
      });
      if (target !== null) await this.#replaceInput(kind, target, false);
    }
  }

  #watchEnded(track: MediaStreamTrack): void {
    if (this.#endedListeners.has(track)) return;
    // An unplugged device ends its track; the device list tells which one to move to.
    const onEnded = () => this.#queue(() => this.#devicesChanged());
    track.addEventListener?.('ended', onEnded);
    this.#endedListeners.set(track, onEnded);
  }

  #unwatch(track: MediaStreamTrack): void {
    const listener = this.#endedListeners.get(track);
    if (listener) track.removeEventListener?.('ended', listener);
    this.#endedListeners.delete(track);
  }

  #changed(kind: TrackKind): void {
    this.events.emit('outgoing', kind);
    if (kind === 'video') this.events.emit('preview', this.#preview());
    this.events.emit('media', this.media);
  }

  /** The camera stream as acquired; after a switch or with a shared screen, a new stream with its picture. */
  #preview(): MediaStream | null {
    const stream = this.#stream;
    // Sound only (or nothing): no picture to show, so no empty tile.
    if (!this.outgoing('video')) return null;
    if (!stream || (!this.#screen && !this.#cameraSwitched)) return stream;
    const preview = this.#options.createMediaStream();
    const picture = this.outgoing('video');
    if (picture) preview.addTrack(picture);
    return preview;
  }
}
