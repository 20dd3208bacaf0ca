import { errorName } from '../call/media.js';
import type { PermissionAccess } from '../platform/platform.js';

// What getUserMedia's errors mean for the person, and how a missing, busy or refused device is said.

export const NOT_FOUND = new Set(['NotFoundError', 'OverconstrainedError']);
export const IN_USE = new Set(['NotReadableError', 'AbortError']);
export const DENIED = new Set(['NotAllowedError', 'SecurityError']);

/** `in-use`: found but could not be started (another app holds it); `not-found`: none connected. */
export type DeviceProblem = 'in-use' | 'not-found';

/** The camera or the microphone could not be started: why, and what still works without it. */
export function missingWords(kind: 'camera' | 'microphone', problem: DeviceProblem): string {
  const what =
    problem === 'not-found'
      ? `No ${kind} was found.`
      : `Your ${kind} could not be started: another app may be using it.`;
  return kind === 'camera'
    ? `${what} You can still join the call with sound only: the doctor will hear you, and you will see and hear the doctor.`
    : `${what} You can still join the call with video, but the doctor will not hear you: use the chat to write.`;
}

/** A chosen camera or microphone that could not be started; the preview keeps the one in use. */
export function switchWords(kind: 'audio' | 'video', error: unknown): string {
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

/** What the browser blocks: "camera", "microphone" or "camera and microphone". */
export function blockedWords(camera: PermissionAccess, microphone: PermissionAccess): string {
  if (camera === 'denied' && microphone !== 'denied') return 'camera';
  if (microphone === 'denied' && camera !== 'denied') return 'microphone';
  return 'camera and microphone';
}
