// A veth pair for the browser tests' network namespace (TESTING.md, "Firefox").
//
// Firefox gathers no ICE candidate in a namespace that has only `lo` and no default route. Both ends of a
// veth pair are created in the namespace the run made, on the RFC 2544 benchmarking range, with the
// default route into one end: whatever a browser sends "out" arrives at the other end, which is still
// inside the namespace, so nothing can reach the real network. IPv6 link-local addresses are switched off
// on both ends, so the only new candidate address is the routed end's.

import { spawnSync } from 'node:child_process';

export const CONTAINED_VETH = Object.freeze({
  /** The end the default route points out of: browsers gather their candidates on its address. */
  routed: 'cc-v0',
  routedAddress: '198.18.0.1',
  /** The other end, the default route's gateway. */
  peer: 'cc-v1',
  peerAddress: '198.18.0.0',
  prefixLength: 31,
});

/** True for an address of the contained veth pair (a candidate address a browser may use in the namespace). */
export function isContainedVethAddress(address) {
  return address === CONTAINED_VETH.routedAddress || address === CONTAINED_VETH.peerAddress;
}

function ip(args) {
  return spawnSync('ip', args, { encoding: 'utf8' });
}

function readLinks() {
  const shown = ip(['-d', '-j', 'addr', 'show']);
  if (shown.error || shown.status !== 0) {
    return { error: `ip -d -j addr show: ${shown.error?.message ?? shown.stderr.trim()}` };
  }
  try {
    return { links: JSON.parse(shown.stdout) };
  } catch (error) {
    return { error: `ip -d -j addr show printed no JSON (${error.message}); iproute2 too old?` };
  }
}

function loopbackAddress(info) {
  return (
    (info.family === 'inet' && /^127\./.test(info.local)) || (info.family === 'inet6' && info.local === '::1')
  );
}

/**
 * Why this namespace could reach beyond itself, or [] when it cannot: every interface is `lo` or an end of
 * the contained veth pair whose peer is the other end in this same namespace (`ip` shows a peer in another
 * namespace with a `link_netnsid`), and the pair carries only its two RFC 2544 addresses.
 */
export function containedNetworkProblems() {
  const { links, error } = readLinks();
  if (error) return [error];
  const problems = [];
  const pair = {
    [CONTAINED_VETH.routed]: { peer: CONTAINED_VETH.peer, address: CONTAINED_VETH.routedAddress },
    [CONTAINED_VETH.peer]: { peer: CONTAINED_VETH.routed, address: CONTAINED_VETH.peerAddress },
  };
  if (!links.some((link) => link.ifname === 'lo')) problems.push('no lo interface');
  for (const link of links) {
    const addresses = link.addr_info ?? [];
    if (link.ifname === 'lo') {
      const foreign = addresses.filter((info) => !loopbackAddress(info)).map((info) => info.local);
      if (foreign.length > 0) problems.push(`lo carries ${foreign.join(', ')}`);
      continue;
    }
    const expected = pair[link.ifname];
    if (!expected) {
      problems.push(`interface ${link.ifname} is neither lo nor an end of the contained veth pair`);
      continue;
    }
    if (link.linkinfo?.info_kind !== 'veth') problems.push(`${link.ifname} is not a veth interface`);
    if (link.link_netnsid !== undefined || link.link !== expected.peer) {
      problems.push(`${link.ifname}'s peer is not ${expected.peer} in this namespace`);
    }
    const foreign = addresses
      .filter((info) => !(info.family === 'inet' && info.local === expected.address))
      .map((info) => info.local);
    if (foreign.length > 0) problems.push(`${link.ifname} carries ${foreign.join(', ')}`);
  }
  const names = new Set(links.map((link) => link.ifname));
  if (names.has(CONTAINED_VETH.routed) !== names.has(CONTAINED_VETH.peer)) {
    problems.push('only one end of the contained veth pair is in this namespace');
  }
  return problems;
}

/** True when both ends of the contained veth pair are up in this namespace (Firefox can gather candidates). */
export function containedVethPresent() {
  const { links } = readLinks();
  const up = (name) => links?.some((link) => link.ifname === name && link.operstate === 'UP') ?? false;
  return up(CONTAINED_VETH.routed) && up(CONTAINED_VETH.peer);
}

/**
 * Frames the pair's far end (the default route's gateway) has received: each one is something in the
 * namespace trying to reach beyond it (an ARP request for the gateway counts too, as that is what a first
 * packet for the default route sends). Forwarding is off in a new namespace, so they go nowhere. Null
 * when the pair is not there.
 */
export function framesSentOutward() {
  const shown = ip(['-s', '-j', 'link', 'show', 'dev', CONTAINED_VETH.peer]);
  if (shown.error || shown.status !== 0) return null;
  try {
    const [link] = JSON.parse(shown.stdout);
    const rx = link?.stats64?.rx ?? link?.stats?.rx;
    return typeof rx?.packets === 'number' ? rx.packets : null;
  } catch {
    return null;
  }
}

/**
 * Adds the contained veth pair to this (fresh, loopback-only) namespace. Returns null when it is in place,
 * or why it could not be made (the half-made pair is removed again).
 */
export function addContainedVethPair() {
  const { routed, routedAddress, peer, peerAddress, prefixLength } = CONTAINED_VETH;
  const steps = [
    ['link', 'add', routed, 'type', 'veth', 'peer', 'name', peer],
    ['link', 'set', routed, 'addrgenmode', 'none'],
    ['link', 'set', peer, 'addrgenmode', 'none'],
    ['addr', 'add', `${routedAddress}/${prefixLength}`, 'dev', routed],
    ['addr', 'add', `${peerAddress}/${prefixLength}`, 'dev', peer],
    ['link', 'set', routed, 'up'],
    ['link', 'set', peer, 'up'],
    ['route', 'add', 'default', 'via', peerAddress, 'dev', routed],
  ];
  for (const step of steps) {
    const result = ip(step);
    if (result.error || result.status !== 0) {
      ip(['link', 'del', routed]);
      return `ip ${step.join(' ')}: ${result.error?.message ?? (result.stderr.trim() || `exit ${result.status}`)}`;
    }
  }
  const problems = containedNetworkProblems();
  if (problems.length > 0) {
    ip(['link', 'del', routed]);
    return `the namespace is not contained after adding the veth pair: ${problems.join('; ')}`;
  }
  return null;
}
