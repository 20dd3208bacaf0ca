import { containedNetworkProblems } from '../../../scripts/lib/contained-veth.mjs';

/**
 * WebRTC gathers candidates on every interface, so a browser test on the machine's own interfaces would put
 * traffic on the real network. Browser tests run only in a namespace of their own: `lo`, and at most the
 * veth pair scripts/e2e.mjs adds for Firefox, whose two ends are both in this namespace (what one end sends
 * arrives at the other), so nothing can leave it. Refuse anything else, whoever started Playwright.
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
