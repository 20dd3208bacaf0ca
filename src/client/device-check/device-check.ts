import {
  AUDIO_INPUT_KEY,
  AUDIO_OUTPUT_KEY,
  acquireCallMedia,
  audioConstraints,
  describeMediaError,
  errorName,
  VIDEO_INPUT_KEY,
  videoConstraints,
} from '../call/media.js';
import type { AudioLevelMeter, PermissionAccess, Platform } from '../platform/platform.js';
import { Store } from '../ui/store.js';
import { type PermissionHelp, permissionHelp } from './browser-help.js';

export interface DeviceOption {
  id: string;
  label: string;
}

/**
 * `ask`: explain before the browser's own question; `requesting`: that question is showing (or the
 * devices are starting); `ready`: a stream, perhaps without a camera or microphone (see `missing`).
 */
export type DeviceAccess =
  | 'idle'
  | 'checking'
  | 'ask'
  | 'requesting'
  | 'ready'
  | 'denied'
  | 'failed'
  | 'unsupported';

/** `in-use`: found but could not be started (another app holds it); `not-found`: none connected. */
export type DeviceProblem = 'in-use' | 'not-found';

export type SoundState = 'idle' | 'playing' | 'played' | 'failed';

export interface DeviceCheckState {
  access: DeviceAccess;
  stream: MediaStream | null;
  hasVideo: boolean;
  hasAudio: boolean;
  cameras: DeviceOption[];
  microphones: DeviceOption[];
  /** Empty where the browser cannot choose a speaker. */
  speakers: DeviceOption[];
  videoInput: string;
  audioInput: string;
  audioOutput: string;
  speakerSelection: boolean;
  /** The microphone's level, 0 to 1. */
  level: number;
  /** The level went above speaking level since the microphone started. */
  heard: boolean;
  /** The browser holds audio back until a click: the meter cannot move yet. */
  meterBlocked: boolean;
  /** A camera or microphone is missing: which, and what still works. */
  missing: string | null;
  problem: DeviceProblem | null;
  /** Why nothing could start, in words. */
  error: string | null;
  /** A chosen camera or microphone that could not be started (the one in use stays). */
  switchError: string | null;
  /** What the browser blocked ("camera", "microphone", "camera and microphone"). */
  blocked: string | null;
  help: PermissionHelp | null;
  sound: SoundState;
  soundMessage: string | null;
}

type DeviceLists = Pick<DeviceCheckState, 'cameras' | 'microphones' | 'speakers' | 'audioOutput'>;

export const LEVEL_INTERVAL_MS = 100;
/** About -42 dBFS: speech at a normal distance; room noise stays below. */
export const HEARD_LEVEL = 0.3;

const NOT_FOUND = new Set(['NotFoundError', 'OverconstrainedError']);
const IN_USE = new Set(['NotReadableError', 'AbortError']);
const DENIED = new Set(['NotAllowedError', 'SecurityError']);

function options(devices: readonly MediaDeviceInfo[], kind: MediaDeviceKind, noun: string): DeviceOption[] {
  return devices
    .filter((device) => device.kind === kind && device.deviceId)
    .map((device, index) => ({ id: device.deviceId, label: device.label || `${noun} ${index + 1}` }));
}

function settingsDevice(track: MediaStreamTrack | undefined): string | null {
  return track?.getSettings().deviceId ?? null;
}

function missingWords(kind: 'camera' | 'microphone', problem: DeviceProblem): string {
  const what =
    problem === 'not-found'
      ? `No ${kind} was found.`
      : `Your ${kind} could not be started: another app may be using it.`;
  return kind === 'camera'
    ? `${what} You can still join the call with sound only: the doctor will hear you, and you will see and hear the doctor.`
    : `${what} You can still join the call with video, but the doctor will not hear you: use the chat to write.`;
}

function switchWords(kind: 'audio' | 'video', error: unknown): string {
  const device = kind === 'video' ? 'camera' : 'microphone';
  const name = errorName(error);
  const why = NOT_FOUND.has(name)
    ? `That ${device} is no longer connected.`
    : IN_USE.has(name)
      ? `That ${device} is in use by another app: close it, or choose another ${device}.`
      : DENIED.has(name)
        ? `The browser did not allow that ${device}.`
        : `That ${device} could not be started.`;
  return `${why} The preview keeps the one you had.`;
}

function blockedWords(camera: PermissionAccess, microphone: PermissionAccess): string {
  if (camera === 'denied' && microphone !== 'denied') return 'camera';
  if (microphone === 'denied' && camera !== 'denied') return 'microphone';
  return 'camera and microphone';
}

/**
 * The camera, microphone and speaker check, shared by the device test page and the waiting room:
 * explains before the browser asks, previews the camera, shows the microphone level, plays a test sound,
 * and remembers each choice for the call. `release()` gives the devices back (before a call starts).
 */
export class DeviceCheck extends Store<DeviceCheckState> {
  readonly #platform: Platform;
  /** Bumped by every start, acquisition and release: a late answer from an earlier one is dropped. */
  #generation = 0;
  #meter: AudioLevelMeter | null = null;
  #ticker: unknown = null;
  #offDeviceChange: (() => void) | null = null;

  constructor(platform: Platform) {
    super({
      access: 'idle',
      stream: null,
      hasVideo: false,
      hasAudio: false,
      cameras: [],
      microphones: [],
      speakers: [],
      videoInput: platform.readStorage(VIDEO_INPUT_KEY) ?? '',
      audioInput: platform.readStorage(AUDIO_INPUT_KEY) ?? '',
      audioOutput: platform.readStorage(AUDIO_OUTPUT_KEY) ?? '',
      speakerSelection: platform.speakerSelectionSupported,
      level: 0,
      heard: false,
      meterBlocked: false,
      missing: null,
      problem: null,
      error: null,
      switchError: null,
      blocked: null,
      help: null,
      sound: 'idle',
      soundMessage: null,
    });
    this.#platform = platform;
  }

  /** Starts the camera at once where the browser already allows it; otherwise explains first. */
  async start(): Promise<void> {
    const platform = this.#platform;
    const generation = ++this.#generation;
    this.#offDeviceChange ??= platform.onDeviceChange(() => void this.#devicesChanged());
    if (!platform.getUserMediaSupported) {
      this.update({ access: 'unsupported', error: describeMediaError({ name: 'NotSupportedError' }) });
      return;
    }
    this.update({ access: 'checking' });
    const [camera, microphone] = await Promise.all([
      platform.permissionState('camera'),
      platform.permissionState('microphone'),
    ]);
    if (generation !== this.#generation) return;
    if (camera === 'denied' || microphone === 'denied') this.#denied(camera, microphone);
    else if (camera === 'granted' && microphone === 'granted') await this.#acquire();
    else this.update({ access: 'ask' });
  }

  /** "Allow camera and microphone" and "Try again": the browser asks, then the preview starts. */
  async allow(): Promise<void> {
    if (this.state.access === 'requesting') return;
    this.update({ access: 'requesting', error: null });
    await this.#acquire();
  }

  /** A camera the person chose: saved for the call, and the preview switches to exactly that one. */
  selectCamera(id: string): Promise<void> {
    return this.#switchDevice('video', id);
  }

  selectMicrophone(id: string): Promise<void> {
    return this.#switchDevice('audio', id);
  }

  /** "Show microphone level": the click lets the browser start the meter's audio. */
  resumeMeter(): void {
    this.#meter?.resume();
  }

  selectSpeaker(id: string): void {
    this.#platform.writeStorage(AUDIO_OUTPUT_KEY, id);
    this.update({ audioOutput: id, sound: 'idle', soundMessage: null });
  }

  async playTestSound(): Promise<void> {
    if (this.state.sound === 'playing') return;
    this.#meter?.resume();
    this.update({ sound: 'playing', soundMessage: 'Playing the test sound…' });
    try {
      await this.#platform.playTestSound(this.state.audioOutput || null);
      this.update({
        sound: 'played',
        soundMessage: 'Did you hear three notes? If not, turn the volume up or choose another speaker.',
      });
    } catch {
      this.update({
        sound: 'failed',
        soundMessage:
          'The test sound could not be played on this speaker. Choose another speaker, or check that it is connected.',
      });
    }
  }

  /** Stops the camera and microphone so that another page part (the call) can have them. */
  release(): void {
    this.#generation++;
    this.#offDeviceChange?.();
    this.#offDeviceChange = null;
    this.#stopMedia();
    this.update({ access: 'idle', level: 0 });
  }

  async #acquire(): Promise<void> {
    const platform = this.#platform;
    const generation = ++this.#generation;
    this.#stopMedia();
    const { videoInput, audioInput } = this.state;
    let stream: MediaStream;
    try {
      stream = await acquireCallMedia(platform.getUserMedia, {
        videoInput: videoInput || null,
        audioInput: audioInput || null,
      });
    } catch (error) {
      if (generation === this.#generation) await this.#failed(error);
      return;
    }
    if (generation !== this.#generation) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    const devices = await platform.enumerateDevices().catch(() => []);
    if (generation !== this.#generation) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this.#show(stream, this.#deviceLists(devices));
    this.update({ level: 0, heard: false });
    this.#startMeter(stream);
  }

  /** The state for a stream: which devices it uses, which one is missing and what still works. */
  #show(stream: MediaStream, lists: DeviceLists): void {
    const videoTrack = stream.getVideoTracks()[0];
    const audioTrack = stream.getAudioTracks()[0];
    let missing: string | null = null;
    let problem: DeviceProblem | null = null;
    if (!videoTrack || !audioTrack) {
      const kind = videoTrack ? 'microphone' : 'camera';
      problem = (kind === 'camera' ? lists.cameras : lists.microphones).length > 0 ? 'in-use' : 'not-found';
      missing = missingWords(kind, problem);
    }
    this.update({
      access: 'ready',
      stream,
      hasVideo: videoTrack !== undefined,
      hasAudio: audioTrack !== undefined,
      ...lists,
      videoInput: settingsDevice(videoTrack) ?? this.state.videoInput,
      audioInput: settingsDevice(audioTrack) ?? this.state.audioInput,
      missing,
      problem,
      error: null,
      switchError: null,
      blocked: null,
      help: null,
    });
  }

  /**
   * Asks for exactly the chosen device (a remembered one is only preferred: it may be gone) before giving
   * up the one in use, so a camera that cannot start leaves the preview as it was.
   */
  async #switchDevice(kind: 'audio' | 'video', id: string): Promise<void> {
    const platform = this.#platform;
    platform.writeStorage(kind === 'video' ? VIDEO_INPUT_KEY : AUDIO_INPUT_KEY, id);
    this.update(kind === 'video' ? { videoInput: id } : { audioInput: id });
    this.#meter?.resume();
    const current = this.state.stream;
    if (this.state.access !== 'ready' || !current) {
      await this.#acquire();
      return;
    }
    const generation = ++this.#generation;
    let fresh: MediaStream;
    try {
      fresh = await platform.getUserMedia(
        kind === 'video'
          ? { video: { ...videoConstraints(null), deviceId: { exact: id } } }
          : { audio: { ...audioConstraints(null), deviceId: { exact: id } } },
      );
    } catch (error) {
      if (generation !== this.#generation) return;
      const kept = current.getTracks().find((track) => track.kind === kind);
      this.update({
        switchError: switchWords(kind, error),
        problem: IN_USE.has(errorName(error)) ? 'in-use' : this.state.problem,
        ...(kind === 'video'
          ? { videoInput: settingsDevice(kept) ?? '' }
          : { audioInput: settingsDevice(kept) ?? '' }),
      });
      return;
    }
    if (generation !== this.#generation) {
      for (const track of fresh.getTracks()) track.stop();
      return;
    }
    const stream = platform.createMediaStream();
    for (const track of current.getTracks()) {
      if (track.kind === kind) track.stop();
      else stream.addTrack(track);
    }
    for (const track of fresh.getTracks()) stream.addTrack(track);
    if (kind === 'audio') this.#stopMeter();
    this.#show(stream, this.#listsFromState());
    if (kind === 'audio') {
      this.update({ heard: false, level: 0 });
      this.#startMeter(stream);
    }
  }

  #listsFromState(): DeviceLists {
    const { cameras, microphones, speakers, audioOutput } = this.state;
    return { cameras, microphones, speakers, audioOutput };
  }

  #deviceLists(
    devices: readonly MediaDeviceInfo[],
  ): Pick<DeviceCheckState, 'cameras' | 'microphones' | 'speakers' | 'audioOutput'> {
    const speakers = this.#platform.speakerSelectionSupported
      ? options(devices, 'audiooutput', 'Speaker')
      : [];
    const chosen = this.state.audioOutput;
    return {
      cameras: options(devices, 'videoinput', 'Camera'),
      microphones: options(devices, 'audioinput', 'Microphone'),
      speakers,
      audioOutput: speakers.some((s) => s.id === chosen) ? chosen : (speakers[0]?.id ?? ''),
    };
  }

  async #failed(error: unknown): Promise<void> {
    const name = errorName(error);
    if (DENIED.has(name)) {
      const platform = this.#platform;
      const generation = this.#generation;
      const [camera, microphone] = await Promise.all([
        platform.permissionState('camera'),
        platform.permissionState('microphone'),
      ]);
      if (generation !== this.#generation) return;
      // Closing the browser's question without answering is not a refusal: ask again.
      if (camera === 'prompt' && microphone === 'prompt') {
        this.update({
          access: 'ask',
          error: 'The browser did not get an answer. Choose "Allow camera and microphone" to be asked again.',
        });
        return;
      }
      this.#denied(camera, microphone);
      return;
    }
    if (name === 'NotSupportedError') {
      this.update({ access: 'unsupported', error: describeMediaError(error) });
      return;
    }
    const problem: DeviceProblem | null = NOT_FOUND.has(name)
      ? 'not-found'
      : IN_USE.has(name)
        ? 'in-use'
        : null;
    this.update({
      access: 'failed',
      stream: null,
      hasVideo: false,
      hasAudio: false,
      problem,
      missing: null,
      error:
        problem === 'not-found'
          ? 'No camera or microphone was found. Connect one, then choose Try again. You can still write to the doctor in the chat.'
          : describeMediaError(error),
    });
  }

  #denied(camera: PermissionAccess, microphone: PermissionAccess): void {
    const blocked = blockedWords(camera, microphone);
    this.update({
      access: 'denied',
      blocked,
      help: permissionHelp(this.#platform.userAgent),
      error: `Your browser is blocking carecall from using your ${blocked}.`,
      problem: null,
      missing: null,
    });
  }

  async #devicesChanged(): Promise<void> {
    if (this.state.access !== 'ready') return;
    const generation = this.#generation;
    const devices = await this.#platform.enumerateDevices().catch(() => []);
    if (generation !== this.#generation) return;
    const lists = this.#deviceLists(devices);
    const { stream } = this.state;
    const unplugged = (track: MediaStreamTrack | undefined, list: DeviceOption[]) => {
      const id = settingsDevice(track);
      return id !== null && !list.some((device) => device.id === id);
    };
    this.update(lists);
    // The camera or microphone in use was unplugged, or one appeared where there was none: start again.
    const videoTrack = stream?.getVideoTracks()[0];
    const audioTrack = stream?.getAudioTracks()[0];
    if (
      unplugged(videoTrack, lists.cameras) ||
      unplugged(audioTrack, lists.microphones) ||
      (!videoTrack && lists.cameras.length > 0) ||
      (!audioTrack && lists.microphones.length > 0)
    ) {
      await this.#acquire();
    }
  }

  #startMeter(stream: MediaStream): void {
    const platform = this.#platform;
    this.#meter = platform.createAudioLevelMeter(stream);
    if (!this.#meter) return;
    this.#ticker = platform.timers.setInterval(() => {
      const raw = this.#meter ? this.#meter.level() : 0;
      const meterBlocked = raw === null;
      const level = Math.round((raw ?? 0) * 50) / 50;
      const heard = this.state.heard || level >= HEARD_LEVEL;
      const { state } = this;
      if (level !== state.level || heard !== state.heard || meterBlocked !== state.meterBlocked) {
        this.update({ level, heard, meterBlocked });
      }
    }, LEVEL_INTERVAL_MS);
  }

  #stopMeter(): void {
    if (this.#ticker !== null) this.#platform.timers.clearInterval(this.#ticker);
    this.#ticker = null;
    this.#meter?.close();
    this.#meter = null;
  }

  #stopMedia(): void {
    this.#stopMeter();
    const stream = this.state.stream;
    for (const track of stream?.getTracks() ?? []) track.stop();
    if (stream) this.update({ stream: null, level: 0 });
  }
}
