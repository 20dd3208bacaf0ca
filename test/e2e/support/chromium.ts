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

/**
 * Launch options for a spec that needs several cameras and microphones: Chromium's fake capture offers
 * one of each unless asked for more.
 */
export function launchWithFakeDevices(count: number): { executablePath: string; args: string[] } {
  return {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.map((arg) =>
      arg === '--use-fake-device-for-media-stream' ? `${arg}=device-count=${count}` : arg,
    ),
  };
}
