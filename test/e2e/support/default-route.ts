import { spawnSync } from 'node:child_process';
import { CONTAINED_VETH } from '../../../scripts/lib/contained-veth.mjs';

// Chromium enumerates every interface (loopback included, with --allow-loopback-in-peer-connection) only
// for a page that holds camera or microphone permission. A page without it gathers host candidates on the
// interface of the default route alone: with `lo` only, a receive-only party (both devices blocked)
// gathers no candidate at all and ICE never starts (seen: `candidates local=0`). Every real patient has a
// default route. scripts/e2e.mjs gives the namespace one for Firefox already: the contained veth pair
// (scripts/lib/contained-veth.mjs), whose both ends stay inside the namespace. A spec that needs it checks
// it is there and says why not, rather than timing out on ICE.

/** Fails with the reason when the namespace has no default route out of the contained veth pair. */
export function requireContainedDefaultRoute(): void {
  const shown = spawnSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' });
  const route = shown.status === 0 ? shown.stdout : '';
  if (!route.includes(`dev ${CONTAINED_VETH.routed}`)) {
    throw new Error(
      `this spec needs the default route scripts/e2e.mjs adds inside its namespace (veth ${CONTAINED_VETH.routed}); ` +
        `ip route show default printed: ${JSON.stringify(route.trim() || shown.stderr?.trim() || '')}. ` +
        'Run it with `npm run test:e2e`.',
    );
  }
}
