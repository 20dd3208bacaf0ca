import type { DeviceStatus } from '../../protocol/messages.js';

export interface PreferredDevices {
  videoInput: string | null;
  audioInput: string | null;
}

export const VIDEO_INPUT_KEY = 'carecall.videoInput';
export const AUDIO_INPUT_KEY = 'carecall.audioInput';
/** The speaker chosen on the device test page (applied with `setSinkId` where the browser has it). */
export const AUDIO_OUTPUT_KEY = 'carecall.audioOutput';

export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

/**
 * 720p at 30 fps is asked for; the maxima let a camera that offers 1080p give it when the browser picks
 * that mode (the ideal decides, the maxima only bound it). `exact` is for a device the person chose in the
 * call (a switch must not silently land on another camera); the remembered choice is only `ideal`.
 */
export function videoConstraints(deviceId: string | null, exact = false): MediaTrackConstraints {
  const video: MediaTrackConstraints = {
    width: { ideal: 1280, max: 1920 },
    height: { ideal: 720, max: 1080 },
    frameRate: { ideal: 30, max: 30 },
  };
  if (deviceId) video.deviceId = exact ? { exact: deviceId } : { ideal: deviceId };
  return video;
}

export function audioConstraints(deviceId: string | null, exact = false): MediaTrackConstraints {
  const audio: MediaTrackConstraints = {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  };
  if (deviceId) audio.deviceId = exact ? { exact: deviceId } : { ideal: deviceId };
  return audio;
}

/** A shared screen at up to 1080p; 15–30 fps is plenty for documents and keeps the encoder on detail. */
export const SCREEN_CAPTURE: DisplayMediaStreamOptions = {
  video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { ideal: 15, max: 30 } },
  audio: false,
};

export function callConstraints(devices: PreferredDevices): MediaStreamConstraints {
  return { video: videoConstraints(devices.videoInput), audio: audioConstraints(devices.audioInput) };
}

/** The DOMException name of a media error ("NotAllowedError"…), or "". */
export function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : '';
}

/** A remembered device that is no longer there. */
const REMEMBERED_DEVICE_GONE = new Set(['NotFoundError', 'OverconstrainedError']);

/** Failures where one device is missing or busy: the call can still go on with the other. */
const DEVICE_PROBLEMS = new Set(['NotFoundError', 'NotReadableError', 'OverconstrainedError', 'AbortError']);

/**
 * Camera and microphone if possible; otherwise whichever one works, so a patient without a camera can
 * still talk. A refused permission is not retried: asking again would only fail again.
 */
export async function acquireCallMedia(
  getUserMedia: GetUserMedia,
  devices: PreferredDevices,
): Promise<MediaStream> {
  // The remembered devices exactly first: some browsers (Chromium among them) treat an `ideal` deviceId
  // as a hint they may ignore. A device that is gone (unplugged) falls back to the ideal form.
  if (devices.videoInput || devices.audioInput) {
    try {
      return await getUserMedia({
        video: videoConstraints(devices.videoInput, true),
        audio: audioConstraints(devices.audioInput, true),
      });
    } catch (error) {
      if (!REMEMBERED_DEVICE_GONE.has(errorName(error))) throw error;
    }
  }
  const full = callConstraints(devices);
  try {
    return await getUserMedia(full);
  } catch (error) {
    if (!DEVICE_PROBLEMS.has(errorName(error))) throw error;
    try {
      return await getUserMedia({ audio: full.audio ?? true });
    } catch {
      try {
        return await getUserMedia({ video: full.video ?? true });
      } catch {
        throw error;
      }
    }
  }
}

/** Why a camera or microphone could not start, as the other party is told it (S25). */
export type DeviceProblem = Exclude<DeviceStatus, 'on' | 'off'>;

export type MediaKind = 'audio' | 'video';

/** Which devices a party joins with; the other kinds stay off until the party turns them on. */
export interface JoinDevices {
  audio: boolean;
  video: boolean;
}

/** What the call starts with: the devices that worked, and why each of the others did not. */
export interface CallMedia {
  stream: MediaStream | null;
  problems: Partial<Record<MediaKind, DeviceProblem>>;
}

export function deviceProblem(error: unknown): DeviceProblem {
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'blocked';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'missing';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    case 'NotSupportedError':
    case 'TypeError':
      return 'unsupported';
    default:
      return 'failed';
  }
}

/** These devices together, the remembered ones exactly first (see acquireCallMedia), then as the browser gives. */
async function acquireKinds(
  getUserMedia: GetUserMedia,
  kinds: readonly MediaKind[],
  devices: PreferredDevices,
): Promise<MediaStream> {
  const constraints = (exact: boolean): MediaStreamConstraints => {
    const wanted: MediaStreamConstraints = {};
    if (kinds.includes('video')) wanted.video = videoConstraints(devices.videoInput, exact);
    if (kinds.includes('audio')) wanted.audio = audioConstraints(devices.audioInput, exact);
    return wanted;
  };
  const remembered = kinds.some((kind) => (kind === 'audio' ? devices.audioInput : devices.videoInput));
  if (remembered) {
    try {
      return await getUserMedia(constraints(true));
    } catch (error) {
      if (!REMEMBERED_DEVICE_GONE.has(errorName(error))) throw error;
    }
  }
  return getUserMedia(constraints(false));
}

/**
 * The devices a party joins with (S25). Both together first, as one permission prompt; when that fails,
 * each on its own, because a browser that blocks one device refuses a request for both (Chromium answers
 * NotAllowedError for camera and microphone when only the camera is blocked). Never rejects: a device
 * that cannot start is reported with its reason, and the call goes on without it.
 */
export async function acquireJoinMedia(
  getUserMedia: GetUserMedia,
  devices: PreferredDevices,
  wanted: JoinDevices,
): Promise<CallMedia> {
  if (wanted.audio && wanted.video) {
    try {
      return { stream: await acquireKinds(getUserMedia, ['audio', 'video'], devices), problems: {} };
    } catch {
      // Asked for again one by one below: that says which of the two failed, and why.
    }
  }
  let stream: MediaStream | null = null;
  const problems: CallMedia['problems'] = {};
  for (const kind of ['audio', 'video'] as const) {
    if (!wanted[kind]) continue;
    try {
      const acquired = await acquireKinds(getUserMedia, [kind], devices);
      if (!stream) stream = acquired;
      else for (const track of acquired.getTracks()) stream.addTrack(track);
    } catch (error) {
      problems[kind] = deviceProblem(error);
    }
  }
  return { stream, problems };
}

/**
 * The pre-join screen's running preview as the call's media, when it has a live track of every kind the
 * party joins with: the kinds left out are stopped, the others turned back on. Otherwise every preview
 * track is stopped and null says "ask the browser" (acquireJoinMedia), which also says what failed.
 */
export function mediaFromPreview(preview: MediaStream | null, wanted: JoinDevices): CallMedia | null {
  if (!preview) return null;
  const tracks = preview.getTracks();
  const isWanted = (track: MediaStreamTrack) => wanted[track.kind as MediaKind] === true;
  const live = (kind: MediaKind) => tracks.some((t) => t.kind === kind && t.readyState === 'live');
  const covered = (['audio', 'video'] as const).every((kind) => !wanted[kind] || live(kind));
  if (!covered || !(wanted.audio || wanted.video)) {
    for (const track of tracks) track.stop();
    return null;
  }
  for (const track of tracks) {
    if (isWanted(track) && track.readyState === 'live') {
      track.enabled = true;
    } else {
      track.stop();
      preview.removeTrack(track);
    }
  }
  return { stream: preview, problems: {} };
}

export function describeMediaError(error: unknown): string {
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera and microphone access is blocked. Allow it in your browser settings, then reload this page.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. Connect one, then reload this page.';
    case 'NotReadableError':
    case 'AbortError':
      return 'Your camera or microphone is in use by another application. Close it, then reload this page.';
    case 'NotSupportedError':
      return 'This browser cannot use a camera here. Open carecall over https in a current browser.';
    default:
      return 'The camera and microphone could not be started. Reload this page to try again.';
  }
}

/** Words for a failed camera or microphone switch during a call; the device in use stays. */
export function describeSwitchError(kind: 'audioinput' | 'videoinput', error: unknown): string {
  const device = kind === 'audioinput' ? 'microphone' : 'camera';
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `The browser did not allow that ${device}. The call goes on with the one you had.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `That ${device} is no longer connected. The call goes on with the one you had.`;
    case 'NotReadableError':
    case 'AbortError':
      return `That ${device} is in use by another application. The call goes on with the one you had.`;
    default:
      return `That ${device} could not be started. The call goes on with the one you had.`;
  }
}

/** Words for a microphone or camera that still would not start when turned on in the call (S25). */
export function describeTurnOnError(kind: MediaKind, error: unknown): string {
  const device = kind === 'audio' ? 'microphone' : 'camera';
  switch (deviceProblem(error)) {
    case 'blocked':
      return `Your ${device} is still blocked. Press the symbol next to the web address, choose Allow for the ${device}, then try again.`;
    case 'missing':
      return `No ${device} was found. Connect one, then try again.`;
    case 'busy':
      return `Your ${device} is in use by another program. Close that program, then try again.`;
    case 'unsupported':
      return `This browser cannot use a ${device} here.`;
    default:
      return `Your ${device} could not be started. Try again.`;
  }
}

/** Words for a screen share that did not start, or null when the person cancelled the browser's picker. */
export function describeScreenShareError(error: unknown): string | null {
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'AbortError':
      return null;
    case 'NotSupportedError':
      return 'This browser cannot share a screen.';
    default:
      return 'The screen could not be shared. Try again.';
  }
}
