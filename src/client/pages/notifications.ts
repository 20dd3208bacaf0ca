import { type BrowserFamily, browserFamily } from '../platform/browser-family.js';
import type { NotificationAccess } from '../platform/platform.js';

/** What to offer about notifications: a button while undecided, a how-to once blocked, nothing otherwise. */
export type NotificationOffer = 'offer' | 'blocked' | null;

export function notificationOffer(access: NotificationAccess): NotificationOffer {
  if (access === 'default') return 'offer';
  if (access === 'denied') return 'blocked';
  return null;
}

/** How to allow this site's notifications again, in the browser the doctor is using. */
export interface NotificationHelp {
  browser: string;
  steps: string[];
}

const RELOAD = 'Reload this page.';

const HELP: Record<BrowserFamily, NotificationHelp> = {
  chrome: {
    browser: 'Chrome',
    steps: [
      'Click the settings icon at the left end of the address bar.',
      'Turn on Notifications, or set them to Allow.',
      RELOAD,
    ],
  },
  edge: {
    browser: 'Edge',
    steps: [
      'Click the lock icon at the left end of the address bar, then Permissions for this site.',
      'Set Notifications to Allow.',
      RELOAD,
    ],
  },
  firefox: {
    browser: 'Firefox',
    steps: [
      'Click the lock icon at the left end of the address bar.',
      'Click the × next to "Blocked" beside Send notifications.',
      'Reload this page, then choose Turn on notifications.',
    ],
  },
  'safari-mac': {
    browser: 'Safari',
    steps: [
      'In the Safari menu, choose Settings, then Websites, then Notifications.',
      'Find this site in the list and choose Allow.',
      RELOAD,
    ],
  },
  ios: {
    browser: 'Safari on iPhone or iPad',
    steps: [
      'Open the Settings app, then Notifications.',
      'Find this site (it is listed once added to your Home Screen) and turn on Allow Notifications.',
      RELOAD,
    ],
  },
  'chrome-android': {
    browser: 'Chrome on Android',
    steps: [
      'Tap the settings icon at the left end of the address bar, then Permissions.',
      'Turn on Notifications.',
      RELOAD,
    ],
  },
  'firefox-android': {
    browser: 'Firefox on Android',
    steps: ['Tap the lock icon in the address bar.', 'Allow Notifications for this site.', RELOAD],
  },
  samsung: {
    browser: 'Samsung Internet',
    steps: ['Tap the lock icon in the address bar, then Permissions.', 'Allow Notifications.', RELOAD],
  },
  other: {
    browser: 'your browser',
    steps: [
      "Open this site's settings from the icon at the left end of the address bar.",
      'Allow notifications.',
      RELOAD,
    ],
  },
};

export function notificationHelp(userAgent: string): NotificationHelp {
  return HELP[browserFamily(userAgent)];
}
