import { spawnSync } from 'node:child_process';
import { assertLoopbackOnlyNetwork } from './network-guard.js';

// Chromium enumerates every interface (loopback included, with --allow-loopback-in-peer-connection) only
// for a page that holds camera or microphone permission. A page without it gathers host candidates on
// the interface of the default route alone, and the test namespace has none: a receive-only party (both
// devices blocked) then gathers no candidate at all and ICE never starts. Seen in this project's
// namespace: `candidates local=0`, gathering stuck. Every real patient has a default route, so the spec
// gives the namespace one, as TESTING.md does for Firefox: a veth pair on the RFC 2544 benchmarking range
// whose both ends are inside the namespace, so nothing can leave it. Removed again after the spec, so the
// loopback-only checks of the other specs still hold.

const NEAR = 'cc-route0';
const FAR = 'cc-route1';

function ip(...args: string[]): void {
  const run = spawnSync('ip', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${run.stderr.trim()}`);
}

/** Adds the veth pair and a default route into it. Only inside a namespace that has nothing but lo. */
export function addNamespaceDefaultRoute(): void {
  assertLoopbackOnlyNetwork();
  ip('link', 'add', NEAR, 'type', 'veth', 'peer', 'name', FAR);
  ip('addr', 'add', '198.18.0.3/31', 'dev', NEAR);
  ip('addr', 'add', '198.18.0.2/31', 'dev', FAR);
  ip('link', 'set', NEAR, 'up');
  ip('link', 'set', FAR, 'up');
  ip('route', 'add', 'default', 'via', '198.18.0.2', 'dev', NEAR);
}

/** Removes what addNamespaceDefaultRoute added (deleting one end of a veth deletes both, and its route). */
export function removeNamespaceDefaultRoute(): void {
  spawnSync('ip', ['link', 'del', NEAR]);
  assertLoopbackOnlyNetwork();
}
