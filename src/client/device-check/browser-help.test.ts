import { describe, expect, it } from 'vitest';
import { browserFamily } from '../platform/browser-family.js';
import { permissionHelp } from './browser-help.js';

const UA = {
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
  chromeIos:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/140.0 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0',
};

describe('browserFamily', () => {
  it('tells the browsers apart whose permission settings differ', () => {
    expect(browserFamily(UA.chromeMac)).toBe('chrome');
    expect(browserFamily(UA.edgeWindows)).toBe('edge');
    expect(browserFamily(UA.firefoxLinux)).toBe('firefox');
    expect(browserFamily(UA.safariMac)).toBe('safari-mac');
    expect(browserFamily(UA.iphone)).toBe('ios');
    // Every browser on iOS is Safari underneath: its site settings are Safari's.
    expect(browserFamily(UA.chromeIos)).toBe('ios');
    expect(browserFamily(UA.chromeAndroid)).toBe('chrome-android');
    expect(browserFamily(UA.samsung)).toBe('samsung');
    expect(browserFamily(UA.firefoxAndroid)).toBe('firefox-android');
    expect(browserFamily('')).toBe('other');
  });
});

describe('permissionHelp', () => {
  it('gives the steps of the browser in use, ending with a reload', () => {
    const firefox = permissionHelp(UA.firefoxLinux);
    expect(firefox.browser).toBe('Firefox');
    expect(firefox.steps.join(' ')).toMatch(/crossed-out camera/);
    expect(firefox.systemNote).toBeNull();
    expect(permissionHelp(UA.chromeAndroid).steps.at(-1)).toMatch(/Android Settings/);
    expect(permissionHelp(UA.iphone).browser).toBe('Safari on iPhone or iPad');
    expect(permissionHelp('').steps.at(-1)).toBe('Reload this page.');
  });

  it("adds the operating system's own camera switch on a Mac and on Windows", () => {
    expect(permissionHelp(UA.safariMac).systemNote).toMatch(/Privacy & Security/);
    expect(permissionHelp(UA.edgeWindows).systemNote).toMatch(/Windows Settings/);
    expect(permissionHelp(UA.iphone).systemNote).toBeNull();
  });
});
