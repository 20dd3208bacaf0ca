import type { Role } from '../../protocol/call-status.js';

export interface BrowserFeatures {
  peerConnection: boolean;
  getUserMedia: boolean;
  getDisplayMedia: boolean;
  secureContext: boolean;
  webSocket: boolean;
}

/** `note`: missing, and fine for this person (a patient's phone cannot share a screen; nobody asks it to). */
export type CheckOutcome = 'pass' | 'fail' | 'note';

export interface CompatibilityCheck {
  id: keyof BrowserFeatures;
  /** In plain words. */
  label: string;
  outcome: CheckOutcome;
  /** What it means, and what to do when it failed. */
  detail: string;
  /** The feature's technical name, for the page's Details. */
  technical: string;
}

const UPDATE = 'Use a current version of Chrome, Edge, Firefox or Safari.';

/**
 * One line per feature a call uses, in the order a reader can act on them. With the camera or microphone
 * blocked (`permissionBlocked`) the camera line is left out: the device check says so once, with the steps,
 * and a "works" line beside it would contradict it.
 */
export function compatibilityChecks(
  features: BrowserFeatures,
  role: Role | null,
  permissionBlocked = false,
): CompatibilityCheck[] {
  const screenShareOutcome: CheckOutcome = features.getDisplayMedia
    ? 'pass'
    : role === 'doctor'
      ? 'fail'
      : 'note';
  const checks: CompatibilityCheck[] = [
    {
      id: 'secureContext',
      label: 'Secure page',
      outcome: features.secureContext ? 'pass' : 'fail',
      detail: features.secureContext
        ? 'This page is secure.'
        : 'Browsers allow the camera only on secure pages. Open the address that starts with https://.',
      technical: 'Secure context (HTTPS)',
    },
    {
      id: 'peerConnection',
      label: 'Video calls',
      outcome: features.peerConnection ? 'pass' : 'fail',
      detail: features.peerConnection
        ? 'This browser can make video calls.'
        : `This browser cannot make video calls. ${UPDATE} Some privacy add-ons turn video calls off: allow them for this site.`,
      technical: 'WebRTC (RTCPeerConnection)',
    },
    {
      id: 'getUserMedia',
      label: 'Camera and microphone',
      outcome: features.getUserMedia ? 'pass' : 'fail',
      detail: features.getUserMedia
        ? 'This browser can use a camera and microphone.'
        : features.secureContext
          ? `This browser cannot use a camera or microphone here. ${UPDATE}`
          : 'Not available because the page is not secure: open the https:// address.',
      technical: 'getUserMedia',
    },
    {
      id: 'getDisplayMedia',
      label: 'Screen sharing',
      outcome: screenShareOutcome,
      detail: features.getDisplayMedia
        ? 'This browser can share a screen.'
        : role === 'doctor'
          ? 'This browser cannot share a screen (phones and tablets cannot). Use a computer to share your screen.'
          : 'Not available here (phones and tablets cannot share a screen). Only the doctor shares a screen, so you can use this device for your call.',
      technical: 'getDisplayMedia',
    },
    {
      id: 'webSocket',
      label: 'Live updates from the clinic',
      outcome: features.webSocket ? 'pass' : 'note',
      detail: features.webSocket
        ? 'This browser can stay connected to the clinic during your call.'
        : 'This browser uses a slower way to stay connected to the clinic. Calls still work.',
      technical: 'WebSocket',
    },
  ];
  return permissionBlocked ? checks.filter((check) => check.id !== 'getUserMedia') : checks;
}
