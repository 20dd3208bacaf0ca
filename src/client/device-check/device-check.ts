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
import { ViewModel } from '../ui/view-model.js';
import { permissionHelp } from './browser-help.js';
import {
  type DeviceCheckState,
  type DeviceLists,
  deviceLists,
  devicesMoved,
  settingsDevice,
  streamState,
} from './device-check-state.js';
import {
  blockedWords,
  DENIED,
  type DeviceProblem,
  IN_USE,
  NOT_FOUND,
  switchWords,
} from './device-problems.js';
import { LEVEL_INTERVAL_MS, nextLevel } from './microphone-level.js';

/**
 * The camera, microphone and speaker check, shared by the device test page and the waiting room:
 * explains before the browser asks, previews the camera, shows the microphone level, plays a test sound,
 * and remembers each choice for the call. `release()` gives the devices back (before a call starts).
 */
export class DeviceCheck extends ViewModel<DeviceCheckState> {
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
      cameraOff: false,
      microphoneOff: false,
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

  /**
   * The pre-join screen's microphone and camera toggles: the preview shows what the call will start
   * with. The track is disabled rather than stopped, so turning it back on needs no new permission.
   */
  setOff(kind: 'audio' | 'video', off: boolean): void {
    this.update(kind === 'video' ? { cameraOff: off } : { microphoneOff: off, level: 0, heard: false });
    this.#applyOff();
  }

  /**
   * Gives the running camera and microphone to the call (the pre-join screen's Join now) instead of
   * stopping them: no second start of the camera, no flicker of its light. Null when nothing runs.
   */
  take(): MediaStream | null {
    const stream = this.state.access === 'ready' ? this.state.stream : null;
    if (!stream) return null;
    this.#generation++;
    this.#offDeviceChange?.();
    this.#offDeviceChange = null;
    this.#stopMeter();
    this.update({ access: 'idle', stream: null, level: 0 });
    return stream;
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
    this.update(streamState(stream, this.#deviceLists(devices), this.state));
    this.update({ level: 0, heard: false });
    this.#applyOff();
    this.#startMeter(stream);
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
    this.update(streamState(stream, this.#listsFromState(), this.state));
    this.#applyOff();
    if (kind === 'audio') {
      this.update({ heard: false, level: 0 });
      this.#startMeter(stream);
    }
  }

  #applyOff(): void {
    const { stream, cameraOff, microphoneOff } = this.state;
    for (const track of stream?.getTracks() ?? []) {
      track.enabled = !(track.kind === 'video' ? cameraOff : microphoneOff);
    }
  }

  #listsFromState(): DeviceLists {
    const { cameras, microphones, speakers, audioOutput } = this.state;
    return { cameras, microphones, speakers, audioOutput };
  }

  #deviceLists(devices: readonly MediaDeviceInfo[]): DeviceLists {
    return deviceLists(devices, this.#platform.speakerSelectionSupported, this.state.audioOutput);
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
    this.update(lists);
    if (devicesMoved(stream, lists)) await this.#acquire();
  }

  #startMeter(stream: MediaStream): void {
    const platform = this.#platform;
    this.#meter = platform.createAudioLevelMeter(stream);
    if (!this.#meter) return;
    this.#ticker = platform.timers.setInterval(() => {
      const next = nextLevel(this.#meter ? this.#meter.level() : 0, this.state);
      if (next) this.update(next);
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
