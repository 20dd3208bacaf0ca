import type { PermissionHelp } from './browser-help.js';
import { type DeviceProblem, missingWords } from './device-problems.js';
import type { MicrophoneLevel } from './microphone-level.js';

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

export type SoundState = 'idle' | 'playing' | 'played' | 'failed';

export interface DeviceCheckState extends MicrophoneLevel {
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
  /** Turned off on the pre-join screen: the track is disabled (the camera's light goes out), not stopped. */
  cameraOff: boolean;
  microphoneOff: boolean;
}

export type DeviceLists = Pick<DeviceCheckState, 'cameras' | 'microphones' | 'speakers' | 'audioOutput'>;

export function settingsDevice(track: MediaStreamTrack | undefined): string | null {
  return track?.getSettings().deviceId ?? null;
}

function options(devices: readonly MediaDeviceInfo[], kind: MediaDeviceKind, noun: string): DeviceOption[] {
  return devices
    .filter((device) => device.kind === kind && device.deviceId)
    .map((device, index) => ({ id: device.deviceId, label: device.label || `${noun} ${index + 1}` }));
}

/** The menus, unnamed devices numbered; the chosen speaker while it is there, else the first. */
export function deviceLists(
  devices: readonly MediaDeviceInfo[],
  speakerSelection: boolean,
  chosenSpeaker: string,
): DeviceLists {
  const speakers = speakerSelection ? options(devices, 'audiooutput', 'Speaker') : [];
  return {
    cameras: options(devices, 'videoinput', 'Camera'),
    microphones: options(devices, 'audioinput', 'Microphone'),
    speakers,
    audioOutput: speakers.some((s) => s.id === chosenSpeaker) ? chosenSpeaker : (speakers[0]?.id ?? ''),
  };
}

/** The state for a stream: which devices it uses, which one is missing and what still works. */
export function streamState(
  stream: MediaStream,
  lists: DeviceLists,
  chosen: Pick<DeviceCheckState, 'videoInput' | 'audioInput'>,
): Partial<DeviceCheckState> {
  const videoTrack = stream.getVideoTracks()[0];
  const audioTrack = stream.getAudioTracks()[0];
  let missing: string | null = null;
  let problem: DeviceProblem | null = null;
  if (!videoTrack || !audioTrack) {
    const kind = videoTrack ? 'microphone' : 'camera';
    problem = (kind === 'camera' ? lists.cameras : lists.microphones).length > 0 ? 'in-use' : 'not-found';
    missing = missingWords(kind, problem);
  }
  return {
    access: 'ready',
    stream,
    hasVideo: videoTrack !== undefined,
    hasAudio: audioTrack !== undefined,
    ...lists,
    videoInput: settingsDevice(videoTrack) ?? chosen.videoInput,
    audioInput: settingsDevice(audioTrack) ?? chosen.audioInput,
    missing,
    problem,
    error: null,
    switchError: null,
    blocked: null,
    help: null,
  };
}

/** The camera or microphone in use was unplugged, or one appeared where there was none. */
export function devicesMoved(stream: MediaStream | null, lists: DeviceLists): boolean {
  const unplugged = (track: MediaStreamTrack | undefined, list: DeviceOption[]) => {
    const id = settingsDevice(track);
    return id !== null && !list.some((device) => device.id === id);
  };
  const videoTrack = stream?.getVideoTracks()[0];
  const audioTrack = stream?.getAudioTracks()[0];
  return (
    unplugged(videoTrack, lists.cameras) ||
    unplugged(audioTrack, lists.microphones) ||
    (!videoTrack && lists.cameras.length > 0) ||
    (!audioTrack && lists.microphones.length > 0)
  );
}
