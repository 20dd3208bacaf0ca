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
