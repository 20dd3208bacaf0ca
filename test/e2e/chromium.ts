/** Debian's Chromium: npm cannot download browsers on the project's machines (TESTING.md). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The Chromium flags of /work/shared/TESTING.md, for the browser tests and the benchmarks alike.
 * Arguments are passed without a shell: no quoting.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--auto-accept-this-tab-capture',
  '--auto-select-desktop-capture-source=Entire screen',
];
