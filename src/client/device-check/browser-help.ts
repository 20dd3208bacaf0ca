import { type BrowserFamily, browserFamily } from '../platform/browser-family.js';

export interface PermissionHelp {
  browser: string;
  steps: string[];
  /** What else can block the camera on this kind of device (the operating system's own switch). */
  systemNote: string | null;
}

const RELOAD = 'Reload this page.';

const HELP: Record<BrowserFamily, Omit<PermissionHelp, 'systemNote'>> = {
  chrome: {
    browser: 'Chrome',
    steps: [
      'Click the camera icon or the settings icon at the left end of the address bar.',
      'Set Camera and Microphone to Allow.',
      RELOAD,
    ],
  },
  edge: {
    browser: 'Edge',
    steps: [
      'Click the lock icon at the left end of the address bar, then Permissions for this site.',
      'Set Camera and Microphone to Allow.',
      RELOAD,
    ],
  },
  firefox: {
    browser: 'Firefox',
    steps: [
      'Click the crossed-out camera or microphone icon in the address bar.',
      'Click the × next to "Blocked" for the camera and the microphone.',
      'Reload this page and choose Allow when Firefox asks.',
    ],
  },
  'safari-mac': {
    browser: 'Safari',
    steps: [
      'In the Safari menu, choose Settings for This Website (Settings for this page in older versions).',
      'Set Camera and Microphone to Allow.',
      RELOAD,
    ],
  },
  ios: {
    browser: 'Safari on iPhone or iPad',
    steps: [
      'Tap the "aA" or page settings icon in the address bar, then Website Settings.',
      'Set Camera and Microphone to Allow.',
      'Reload this page. If nothing changes, open the Settings app, then Safari (or your browser), and set Camera and Microphone to Ask or Allow.',
    ],
  },
  'chrome-android': {
    browser: 'Chrome on Android',
    steps: [
      'Tap the settings icon at the left end of the address bar, then Permissions.',
      'Turn on Camera and Microphone.',
      'Reload this page. If Chrome itself is blocked, open Android Settings, then Apps, Chrome, Permissions, and allow Camera and Microphone.',
    ],
  },
  'firefox-android': {
    browser: 'Firefox on Android',
    steps: [
      'Tap the lock icon in the address bar.',
      'Allow Camera and Microphone for this site.',
      'Reload this page. If Firefox itself is blocked, allow it in Android Settings, then Apps, Firefox, Permissions.',
    ],
  },
  samsung: {
    browser: 'Samsung Internet',
    steps: [
      'Tap the lock icon in the address bar, then Permissions.',
      'Allow Camera and Microphone.',
      RELOAD,
    ],
  },
  other: {
    browser: 'your browser',
    steps: [
      "Open this site's settings from the icon at the left end of the address bar.",
      'Allow the camera and the microphone.',
      RELOAD,
    ],
  },
};

/** How to undo a refused camera and microphone permission in this browser. */
export function permissionHelp(userAgent: string): PermissionHelp {
  const family = browserFamily(userAgent);
  const mac = /Macintosh/.test(userAgent) && family !== 'ios';
  const windows = /Windows/.test(userAgent);
  let systemNote: string | null = null;
  if (mac) {
    systemNote =
      'If it is still blocked: open System Settings, then Privacy & Security, Camera and Microphone, and turn them on for your browser.';
  } else if (windows) {
    systemNote =
      'If it is still blocked: open Windows Settings, then Privacy & security, Camera and Microphone, and allow desktop apps to use them.';
  }
  return { ...HELP[family], systemNote };
}
