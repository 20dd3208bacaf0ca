import type { GetUserMedia, PreferredDevices } from './media.js';

export interface DeviceOption {
  deviceId: string;
  label: string;
}

/** The cameras and microphones this browser offers, and the ones the call uses (null: none or unknown). */
export interface DeviceList {
  audioInputs: DeviceOption[];
  videoInputs: DeviceOption[];
  audioInput: string | null;
  videoInput: string | null;
}

export type InputKind = 'audioinput' | 'videoinput';

export const NO_DEVICES: DeviceList = {
  audioInputs: [],
  videoInputs: [],
  audioInput: null,
  videoInput: null,
};

/** What the peer call needs from the browser beyond the first camera and microphone (Platform). */
export interface MediaDevicesAccess {
  getUserMedia: GetUserMedia;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
  onDeviceChange(listener: () => void): () => void;
  /** Null where the browser cannot capture a screen, or where this side may not share (the patient). */
  getDisplayMedia: ((options: DisplayMediaStreamOptions) => Promise<MediaStream>) | null;
  /** The devices the person chose (on the device test page or during a call), read when needed. */
  preferred(): PreferredDevices;
}

const FALLBACK_LABEL: Record<InputKind, string> = { audioinput: 'Microphone', videoinput: 'Camera' };

/**
 * The device list for the menus. Labels are empty until the page may use the devices; then they are
 * numbered. Chromium's "default"/"communications" aliases are listed as the browser gives them.
 */
export function deviceList(
  infos: readonly MediaDeviceInfo[],
  audioInput: string | null,
  videoInput: string | null,
): DeviceList {
  const options = (kind: InputKind) =>
    infos
      .filter((info) => info.kind === kind && info.deviceId !== '')
      .map((info, index) => ({
        deviceId: info.deviceId,
        label: info.label || `${FALLBACK_LABEL[kind]} ${index + 1}`,
      }));
  return { audioInputs: options('audioinput'), videoInputs: options('videoinput'), audioInput, videoInput };
}

/** The id a track reports for its device, or null (a fake or a track that does not say). */
export function trackDeviceId(track: MediaStreamTrack | null): string | null {
  if (!track || typeof track.getSettings !== 'function') return null;
  return track.getSettings().deviceId || null;
}

/**
 * Which device to move to after the device list changed, or null to stay. The device in use went away
 * (its track ended, or it is no longer listed: a headset unplugged): the person's chosen device if it is
 * there, else the browser's default. A device the person chose earlier came (back): use it, but only when
 * it was not there before, so a choice made in the call is not overridden by the next unrelated change.
 */
export function deviceToUse(options: {
  current: string | null;
  ended: boolean;
  available: readonly string[];
  previouslyAvailable: ReadonlySet<string>;
  preferred: string | null;
}): string | null {
  const { current, ended, available, previouslyAvailable, preferred } = options;
  const gone = ended || (current !== null && available.length > 0 && !available.includes(current));
  if (gone) {
    if (preferred && preferred !== current && available.includes(preferred)) return preferred;
    return available.find((id) => id !== current) ?? available[0] ?? null;
  }
  if (
    preferred &&
    preferred !== current &&
    available.includes(preferred) &&
    !previouslyAvailable.has(preferred)
  ) {
    return preferred;
  }
  return null;
}
