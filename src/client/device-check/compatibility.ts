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
  label: string;
  outcome: CheckOutcome;
  /** What it means, and what to do when it failed. */
  detail: string;
}

const UPDATE = 'Use a current version of Chrome, Edge, Firefox or Safari.';

/** One line per feature a call uses, in the order a reader can act on them. */
export function compatibilityChecks(features: BrowserFeatures, role: Role | null): CompatibilityCheck[] {
  const screenShareOutcome: CheckOutcome = features.getDisplayMedia
    ? 'pass'
    : role === 'doctor'
      ? 'fail'
      : 'note';
  return [
    {
      id: 'secureContext',
      label: 'Secure connection (HTTPS)',
      outcome: features.secureContext ? 'pass' : 'fail',
      detail: features.secureContext
        ? 'This page is secure, so the browser may use your camera.'
        : 'Browsers allow the camera only on secure pages. Open the address that starts with https://.',
    },
    {
      id: 'peerConnection',
      label: 'Video calls (WebRTC)',
      outcome: features.peerConnection ? 'pass' : 'fail',
      detail: features.peerConnection
        ? 'This browser can make video calls.'
        : `This browser cannot make video calls. ${UPDATE} Some privacy extensions turn WebRTC off: allow it for this site.`,
    },
    {
      id: 'getUserMedia',
      label: 'Camera and microphone (getUserMedia)',
      outcome: features.getUserMedia ? 'pass' : 'fail',
      detail: features.getUserMedia
        ? 'This browser can use a camera and microphone.'
        : features.secureContext
          ? `This browser cannot use a camera or microphone here. ${UPDATE}`
          : 'Unavailable because the page is not secure: open the https:// address.',
    },
    {
      id: 'getDisplayMedia',
      label: 'Screen sharing (getDisplayMedia)',
      outcome: screenShareOutcome,
      detail: features.getDisplayMedia
        ? 'This browser can share a screen.'
        : role === 'doctor'
          ? 'This browser cannot share a screen (phones and tablets cannot). Use a computer to share your screen.'
          : 'Not available here (phones and tablets cannot share a screen). Only the doctor shares a screen, so you can use this device for your call.',
    },
    {
      id: 'webSocket',
      label: 'Live connection (WebSocket)',
      outcome: features.webSocket ? 'pass' : 'note',
      detail: features.webSocket
        ? 'This browser can keep a live connection to carecall.'
        : 'This browser has no WebSocket: carecall uses a slower fallback, and calls still work.',
    },
  ];
}
