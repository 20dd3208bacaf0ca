import { readFileSync } from 'node:fs';

/**
 * The interfaces of this process's network namespace. `/proc/self/net/dev` follows the namespace of the
 * reading process (unlike `/sys/class/net`, which follows the namespace sysfs was mounted in).
 */
export function networkInterfaces(): string[] {
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name.length > 0);
}

/**
 * WebRTC gathers candidates on every interface, so a browser test outside a loopback-only namespace would
 * put traffic on the machine's real network. Refuse instead, whoever started Playwright.
 */
export function assertLoopbackOnlyNetwork(): void {
  const names = networkInterfaces();
  const others = names.filter((name) => name !== 'lo');
  if (names.length === 0 || others.length > 0) {
    throw new Error(
      `Browser tests run only inside a network namespace whose sole interface is lo; this one also has ${others.join(', ') || '(nothing)'}. ` +
        'Run them with `npm run test:e2e` (scripts/e2e.mjs creates the namespace).',
    );
  }
}
