import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { containedVethPresent } from '../../../scripts/lib/contained-veth.mjs';

/**
 * Debian's Firefox ESR, driven over WebDriver BiDi by puppeteer-core: Playwright's Firefox needs its own
 * patched build, which npm cannot fetch here (TESTING.md, "Firefox").
 */
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/**
 * Preferences of the throwaway profile, on top of puppeteer's own (which already turn off safebrowsing,
 * extension and search updates, the default-browser check and the first-run pages).
 */
export const FIREFOX_PREFS: Readonly<Record<string, string | number | boolean>> = {
  // A fake camera and microphone, and no permission prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Candidates carry their addresses (not mDNS names), so a test can check every one stays in the namespace.
  'media.peerconnection.ice.obfuscate_host_addresses': false,

  // Nothing phones home. Every address below is either empty or a data: URL: no lookup, no connection.
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'toolkit.telemetry.server': 'data:,',
  'toolkit.telemetry.newProfilePing.enabled': false,
  'toolkit.telemetry.firstShutdownPing.enabled': false,
  'toolkit.telemetry.shutdownPingSender.enabled': false,
  'toolkit.telemetry.updatePing.enabled': false,
  'toolkit.telemetry.bhrPing.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'browser.ping-centre.telemetry': false,
  'app.normandy.enabled': false,
  'app.normandy.api_url': '',
  'app.shield.optoutstudies.enabled': false,
  // Updates: the application, its add-ons, system add-ons, media plugins (OpenH264, Widevine).
  'app.update.auto': false,
  'app.update.enabled': false,
  'app.update.disabledForTesting': true,
  'extensions.update.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-manager.url': 'data:,',
  // Safe browsing lists.
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.passwords.enabled': false,
  'browser.safebrowsing.provider.google.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  // Captive-portal and connectivity checks.
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'captivedetect.canonicalURL': '',
  // Remote settings (blocklists, CRLite, intermediates, region, top sites).
  'services.settings.server': 'data:,#remote-settings-off/v1',
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.topsites.contile.enabled': false,
  'browser.newtabpage.activity-stream.feeds.system.topstories': false,
  'browser.newtabpage.activity-stream.feeds.snippets': false,
  'browser.newtabpage.activity-stream.showSponsored': false,
  'browser.newtabpage.activity-stream.showSponsoredTopSites': false,
  // Push.
  'dom.push.enabled': false,
  'dom.push.connection.enabled': false,
  'dom.push.serverURL': '',
  // Certificate revocation lookups, DNS over HTTPS, prefetching and speculative connections.
  'security.OCSP.enabled': 0,
  'network.trr.mode': 5,
  'doh-rollout.disable-heuristics': true,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  // Accounts, geolocation, and no proxy taken from the environment.
  'identity.fxaccounts.enabled': false,
  'geo.provider.network.url': '',
  'network.proxy.type': 0,
};

/**
 * Launches headless Firefox ESR with a fake camera and microphone. puppeteer makes a throwaway profile in
 * the temp directory (with FIREFOX_PREFS in its user.js) and removes it when the browser closes.
 */
export async function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: { ...FIREFOX_PREFS },
    // A release build ignores `services.settings.server` without this, and looks up
    // firefox.settings.services.mozilla.com at start (seen on the veth pair's far end).
    env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
  });
}

/** Set by scripts/e2e.mjs when the Firefox specs cannot run in this namespace; the reason. */
const UNAVAILABLE_VARIABLE = 'CARECALL_E2E_FIREFOX_UNAVAILABLE';

/** Why Firefox cannot take part in a call here, or null when it can. */
export function firefoxUnavailable(): string | null {
  const told = process.env[UNAVAILABLE_VARIABLE];
  if (told) return told;
  if (!existsSync(FIREFOX_PATH)) return `${FIREFOX_PATH} is missing (apt-get install -y firefox-esr)`;
  if (!containedVethPresent()) {
    return 'the namespace has no veth pair, and Firefox gathers no ICE candidate on lo alone (run the specs with npm run test:e2e)';
  }
  return null;
}

/** Firefox is required (a reason to skip is a failure) with CI=true, or "browser" or "firefox" in CARECALL_REQUIRE. */
export function firefoxRequired(): boolean {
  const suites = (process.env['CARECALL_REQUIRE'] ?? '').split(',').map((s) => s.trim());
  return process.env['CI'] === 'true' || suites.includes('browser') || suites.includes('firefox');
}
