import type { UserView } from '../../../protocol/api.js';
import { errorMessage } from '../../api/api-error.js';
import type { ApiClient } from '../../api/http-client.js';
import {
  AUDIO_INPUT_KEY,
  audioConstraints,
  describeMediaError,
  VIDEO_INPUT_KEY,
  videoConstraints,
} from '../../call/media.js';
import { safeNextPath } from '../../lib/next-path.js';
import type { Platform } from '../../platform/platform.js';
import { Store } from '../../ui/store.js';
import { redirectIfSignedOut, requireSession, signOut } from '../session.js';

export interface DeviceOption {
  id: string;
  label: string;
}

export interface DeviceTestState {
  phase: 'loading' | 'ready' | 'error';
  user: UserView | null;
  stream: MediaStream | null;
  cameras: DeviceOption[];
  microphones: DeviceOption[];
  videoInput: string;
  audioInput: string;
  error: string | null;
  backHref: string;
  signingOut: boolean;
}

function options(devices: MediaDeviceInfo[], kind: MediaDeviceKind, noun: string): DeviceOption[] {
  return devices
    .filter((device) => device.kind === kind && device.deviceId)
    .map((device, index) => ({ id: device.deviceId, label: device.label || `${noun} ${index + 1}` }));
}

/** Where "Back" goes: the page the user came from on this site, else the appointment list. */
export function backHref(referrerPath: string | null): string {
  if (!referrerPath || referrerPath.startsWith('/device-test')) return '/appointments';
  return safeNextPath(referrerPath);
}

export class DeviceTestViewModel extends Store<DeviceTestState> {
  readonly #api: ApiClient;
  readonly #platform: Platform;
  #disposed = false;

  constructor(api: ApiClient, platform: Platform) {
    super({
      phase: 'loading',
      user: null,
      stream: null,
      cameras: [],
      microphones: [],
      videoInput: platform.readStorage(VIDEO_INPUT_KEY) ?? '',
      audioInput: platform.readStorage(AUDIO_INPUT_KEY) ?? '',
      error: null,
      backHref: backHref(platform.referrerPath),
      signingOut: false,
    });
    this.#api = api;
    this.#platform = platform;
  }

  async load(): Promise<void> {
    try {
      const session = await requireSession(this.#api, this.#platform);
      if (!session) return;
      this.update({ user: session.user, phase: 'ready' });
      await this.#preview();
    } catch (error) {
      if (redirectIfSignedOut(error, this.#platform)) return;
      this.update({ phase: 'error', error: errorMessage(error) });
    }
  }

  async selectCamera(id: string): Promise<void> {
    this.#platform.writeStorage(VIDEO_INPUT_KEY, id);
    this.update({ videoInput: id });
    await this.#preview();
  }

  async selectMicrophone(id: string): Promise<void> {
    this.#platform.writeStorage(AUDIO_INPUT_KEY, id);
    this.update({ audioInput: id });
    await this.#preview();
  }

  async signOut(): Promise<void> {
    this.update({ signingOut: true });
    try {
      await signOut(this.#api, this.#platform);
    } catch (error) {
      this.update({ signingOut: false, error: errorMessage(error) });
    }
  }

  dispose(): void {
    this.#disposed = true;
    this.#stop();
  }

  async #preview(): Promise<void> {
    this.#stop();
    const { videoInput, audioInput } = this.state;
    try {
      const stream = await this.#platform.getUserMedia({
        video: videoConstraints(videoInput || null),
        audio: audioConstraints(audioInput || null),
      });
      if (this.#disposed) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      const devices = await this.#platform.enumerateDevices();
      const videoTrack = stream.getVideoTracks()[0];
      const audioTrack = stream.getAudioTracks()[0];
      this.update({
        stream,
        error: null,
        cameras: options(devices, 'videoinput', 'Camera'),
        microphones: options(devices, 'audioinput', 'Microphone'),
        videoInput: videoInput || videoTrack?.getSettings().deviceId || '',
        audioInput: audioInput || audioTrack?.getSettings().deviceId || '',
      });
    } catch (error) {
      this.update({ error: describeMediaError(error) });
    }
  }

  #stop(): void {
    for (const track of this.state.stream?.getTracks() ?? []) track.stop();
    if (this.state.stream) this.update({ stream: null });
  }
}
