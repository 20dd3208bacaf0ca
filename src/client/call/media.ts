export interface PreferredDevices {
  videoInput: string | null;
  audioInput: string | null;
}

export const VIDEO_INPUT_KEY = 'carecall.videoInput';
export const AUDIO_INPUT_KEY = 'carecall.audioInput';

export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

export function videoConstraints(deviceId: string | null): MediaTrackConstraints {
  const video: MediaTrackConstraints = {
    width: { ideal: 1280 },
    height: { ideal: 720 },
    frameRate: { ideal: 30 },
  };
  if (deviceId) video.deviceId = { ideal: deviceId };
  return video;
}

export function audioConstraints(deviceId: string | null): MediaTrackConstraints {
  const audio: MediaTrackConstraints = {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  };
  if (deviceId) audio.deviceId = { ideal: deviceId };
  return audio;
}

export function callConstraints(devices: PreferredDevices): MediaStreamConstraints {
  return { video: videoConstraints(devices.videoInput), audio: audioConstraints(devices.audioInput) };
}

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : '';
}

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
