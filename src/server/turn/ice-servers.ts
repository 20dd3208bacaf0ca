import { createHmac } from 'node:crypto';
import type { IceConfig, IceServerView } from '../../protocol/api.js';
import type { Config } from '../config.js';

/** TURN REST API credentials as coturn's `use-auth-secret` checks them. */
export function turnRestCredential(
  secret: string,
  userId: string,
  expiresAtMs: number,
): { username: string; credential: string } {
  const username = `${Math.floor(expiresAtMs / 1000)}:${userId}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** Credentials for a call: valid for the longest call plus a margin (the client refreshes them anyway). */
export function callCredentialTtlMs(config: Config): number {
  return (config.maxCallMinutes + 15) * 60_000;
}

/** Credentials for the device test page's connection test, which takes seconds. */
export const CONNECTION_TEST_TTL_MS = 10 * 60_000;

/** ICE servers for one user, from configuration only: no public server is ever added by default. */
export function iceServersFor(
  config: Config,
  userId: string,
  now: number,
  ttlMs: number = callCredentialTtlMs(config),
): IceServerView[] {
  return iceConfigFor(config, userId, now, ttlMs).iceServers;
}

/**
 * The peer connection configuration one user gets, with when its TURN credentials expire. Static TURN
 * credentials cannot be revoked or expire, so they go only to parties of an active call
 * (`staticCredentials: false` leaves them out, as the device test's connection test must).
 */
export function iceConfigFor(
  config: Config,
  userId: string,
  now: number,
  ttlMs: number = callCredentialTtlMs(config),
  { staticCredentials }: { staticCredentials: boolean } = { staticCredentials: true },
): IceConfig {
  const iceServers: IceServerView[] = [];
  let expiresAt: number | null = null;
  if (config.ice.stunUrls.length > 0) iceServers.push({ urls: config.ice.stunUrls });
  if (config.ice.turnUrls.length > 0) {
    if (config.ice.turnSecret) {
      expiresAt = Math.floor((now + ttlMs) / 1000) * 1000;
      iceServers.push({
        urls: config.ice.turnUrls,
        ...turnRestCredential(config.ice.turnSecret, userId, now + ttlMs),
      });
    } else if (staticCredentials && config.ice.turnUsername && config.ice.turnPassword) {
      iceServers.push({
        urls: config.ice.turnUrls,
        username: config.ice.turnUsername,
        credential: config.ice.turnPassword,
      });
    }
  }
  return { iceServers, iceTransportPolicy: config.ice.transportPolicy, expiresAt };
}
