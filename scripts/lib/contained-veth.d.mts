export const CONTAINED_VETH: Readonly<{
  routed: string;
  routedAddress: string;
  peer: string;
  peerAddress: string;
  prefixLength: number;
}>;
export function isContainedVethAddress(address: string): boolean;
export function containedNetworkProblems(): string[];
export function containedVethPresent(): boolean;
export function addContainedVethPair(): string | null;
export function framesSentOutward(): number | null;
