import type { ConnectionProblem } from './connection-verdict.js';

export type TipId =
  | 'permission-denied'
  | 'camera-in-use'
  | 'no-device'
  | 'cannot-connect'
  | 'websocket-blocked'
  | 'poor-quality'
  | 'echo'
  | 'no-sound'
  | 'expired-link';

export interface Tip {
  id: TipId;
  problem: string;
  steps: string[];
}

/** The seed's troubleshooting table, in words a patient can follow. */
export const TIPS: readonly Tip[] = [
  {
    id: 'camera-in-use',
    problem: 'The camera or microphone is in use by another app',
    steps: [
      'Close other apps that may use them: Zoom, Teams, Skype, FaceTime, or another browser tab with a call.',
      'On Windows only one app can use the camera at a time.',
      'Then choose Try again, or reload this page.',
    ],
  },
  {
    id: 'permission-denied',
    problem: 'The browser blocked the camera or microphone',
    steps: [
      "Allow the camera and microphone for this site in your browser's settings (the icon at the left end of the address bar), then reload this page.",
    ],
  },
  {
    id: 'no-device',
    problem: 'No camera or microphone was found',
    steps: [
      'Connect a webcam or headset, or check that it is switched on.',
      'Some laptops have a switch, key or sliding cover for the camera.',
      'Without a camera you can still talk; without a microphone you can still be seen and use the chat.',
    ],
  },
  {
    id: 'cannot-connect',
    problem: 'The call cannot reach the other side',
    steps: [
      'Networks at hospitals, companies and hotels often block video calls: try another network, for example your phone’s mobile data.',
      'Switch off a VPN or a privacy add-on that blocks video calls, then test again.',
      'If it still fails, tell the clinic: their IT team can check their relay server.',
    ],
  },
  {
    id: 'websocket-blocked',
    problem: 'The quick way to reach the clinic is blocked',
    steps: [
      'Your network blocks it. Calls still work, but may take longer to start.',
      'If calls are slow to start or do not connect, try another network.',
    ],
  },
  {
    id: 'poor-quality',
    problem: 'The picture is poor or the sound breaks up',
    steps: [
      'Move closer to the Wi-Fi router, or use a network cable.',
      'Pause downloads, streaming and other video calls on your network.',
      'In the call, turning your camera off leaves more of your connection for sound.',
    ],
  },
  {
    id: 'echo',
    problem: 'Echo or whistling sound',
    steps: [
      'Use headphones: the echo is your speaker being heard by your microphone.',
      'Turn the volume down, and do not join the same call from two devices in one room.',
    ],
  },
  {
    id: 'no-sound',
    problem: 'You cannot hear the test sound',
    steps: [
      'Check that the volume is up and not muted, and that your headphones are plugged in.',
      'Choose another speaker above, then play the sound again.',
    ],
  },
  {
    id: 'expired-link',
    problem: 'Your call link or sign-in has expired',
    steps: [
      'A call link works in one browser and for a limited time, and stops working when the doctor restarts the call.',
      'Ask the clinic for a new link, or sign in again.',
    ],
  },
];

export interface TroubleshootingFindings {
  permissionDenied: boolean;
  cameraInUse: boolean;
  deviceMissing: boolean;
  soundFailed: boolean;
  connection: readonly ConnectionProblem[];
}

const CONNECTION_TIPS: Record<ConnectionProblem, TipId | null> = {
  'no-connection': 'cannot-connect',
  'relay-unreachable': 'cannot-connect',
  'poor-quality': 'poor-quality',
  'websocket-blocked': 'websocket-blocked',
  expired: 'expired-link',
  'signed-out': null,
};

/**
 * The tips for what this page found first, then the rest of the table. A blocked permission is left out
 * of both: the device check already says so, once, with the steps for this browser.
 */
export function troubleshooting(findings: TroubleshootingFindings): { matched: Tip[]; other: Tip[] } {
  const ids = new Set<TipId>();
  const shown = (tip: Tip) => !(findings.permissionDenied && tip.id === 'permission-denied');
  if (findings.cameraInUse) ids.add('camera-in-use');
  if (findings.deviceMissing) ids.add('no-device');
  if (findings.soundFailed) ids.add('no-sound');
  for (const problem of findings.connection) {
    const tip = CONNECTION_TIPS[problem];
    if (tip) ids.add(tip);
  }
  return {
    matched: TIPS.filter((tip) => ids.has(tip.id)),
    other: TIPS.filter((tip) => !ids.has(tip.id) && shown(tip)),
  };
}
