import { isContainedVethAddress } from '../../../scripts/lib/contained-veth.mjs';

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

export function isLoopbackAddress(address: string): boolean {
  return LOOPBACK_HOST.test(address);
}

/**
 * True for an address that stays inside the test run's network namespace: loopback, or an end of the veth
 * pair scripts/e2e.mjs adds there (browsers gather host candidates on it, Firefox only on it).
 */
export function isContainedAddress(address: string): boolean {
  return isLoopbackAddress(address) || isContainedVethAddress(address.replace(/^\[|\]$/g, ''));
}

/** True when a STUN/TURN URL (`stun:host:port`, `turn:host?transport=udp`) names a loopback host. */
export function isLoopbackIceUrl(url: string): boolean {
  const rest = url.replace(/^(stuns?|turns?):/i, '').split('?')[0] ?? '';
  const host = rest.startsWith('[') ? rest.slice(0, rest.indexOf(']') + 1) : (rest.split(':')[0] ?? '');
  return isLoopbackAddress(host);
}
