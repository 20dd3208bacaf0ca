import { readFileSync } from 'node:fs';
import { containedNetworkProblems } from '../../../scripts/lib/contained-veth.mjs';

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

/**
 * The browser tests' guard: `lo`, and at most the veth pair scripts/e2e.mjs adds for Firefox, whose two
 * ends are both in this namespace (what one end sends arrives at the other), so nothing can leave it.
 */
export function assertContainedNetwork(): void {
  const problems = containedNetworkProblems();
  if (problems.length > 0) {
    throw new Error(
      `Browser tests run only inside a network namespace of their own (lo, and the veth pair scripts/e2e.mjs adds); here: ${problems.join('; ')}. ` +
        'Run them with `npm run test:e2e` (scripts/e2e.mjs creates the namespace).',
    );
  }
}
