import { describe, expect, it } from 'vitest';
import { notificationHelp, notificationOffer } from './notifications.js';

const UA = {
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  safari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36',
};

describe('notificationOffer', () => {
  it('offers while undecided, gives the how-to once blocked, and nothing once granted', () => {
    expect(notificationOffer('default')).toBe('offer');
    expect(notificationOffer('denied')).toBe('blocked');
    expect(notificationOffer('granted')).toBeNull();
  });
});

describe('notificationHelp', () => {
  it('gives the steps for the browser in use, each ending with what to do on this page', () => {
    const browsers = Object.values(UA).map((ua) => notificationHelp(ua).browser);
    expect(browsers).toEqual([
      'Chrome',
      'Edge',
      'Firefox',
      'Safari',
      'Safari on iPhone or iPad',
      'Samsung Internet',
      'Chrome on Android',
    ]);
    expect(notificationHelp(UA.firefox).steps[1]).toBe(
      'Click the × next to "Blocked" beside Send notifications.',
    );
    for (const ua of Object.values(UA)) {
      const { steps } = notificationHelp(ua);
      expect(steps.length).toBeGreaterThanOrEqual(2);
      expect(steps.join(' ')).toMatch(/Notifications/i);
      expect(steps.at(-1)).toMatch(/^Reload this page/);
    }
  });

  it('gives general steps for a browser it does not know', () => {
    expect(notificationHelp('SomethingElse/1.0')).toEqual({
      browser: 'your browser',
      steps: [
        "Open this site's settings from the icon at the left end of the address bar.",
        'Allow notifications.',
        'Reload this page.',
      ],
    });
  });
});
