// Which browser this is, from its user agent: only to pick which instructions to show (where a site's
// permissions are in its settings). Every browser with WebRTC is allowed; nothing is refused by name.

export type BrowserFamily =
  | 'edge'
  | 'chrome'
  | 'chrome-android'
  | 'firefox'
  | 'firefox-android'
  | 'safari-mac'
  | 'ios'
  | 'samsung'
  | 'other';

export function browserFamily(userAgent: string): BrowserFamily {
  const ua = userAgent;
  if (/iPhone|iPad|iPod/.test(ua)) return 'ios';
  const android = /Android/.test(ua);
  if (/SamsungBrowser\//.test(ua)) return 'samsung';
  if (/Firefox\//.test(ua)) return android ? 'firefox-android' : 'firefox';
  if (/Edg(A|iOS)?\//.test(ua)) return 'edge';
  if (/(Chrome|Chromium)\//.test(ua)) return android ? 'chrome-android' : 'chrome';
  if (/Macintosh/.test(ua) && /Version\/[\d.]+.*Safari\//.test(ua)) return 'safari-mac';
  return 'other';
}
