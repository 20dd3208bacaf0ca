import { createHmac } from 'node:crypto';
import type { IceServerView } from '../../protocol/api.js';
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

/** ICE servers for one user, from configuration only: no public server is ever added by default. */
export function iceServersFor(config: Config, userId: string, now: number): IceServerView[] {
  const servers: IceServerView[] = [];
  if (config.ice.stunUrls.length > 0) servers.push({ urls: config.ice.stunUrls });
  if (config.ice.turnUrls.length > 0) {
    if (config.ice.turnSecret) {
      // Valid for the longest call plus a margin; the client fetches fresh ones before an ICE restart.
      const ttlMs = (config.maxCallMinutes + 15) * 60_000;
      servers.push({
        urls: config.ice.turnUrls,
        ...turnRestCredential(config.ice.turnSecret, userId, now + ttlMs),
      });
    } else if (config.ice.turnUsername && config.ice.turnPassword) {
      servers.push({
        urls: config.ice.turnUrls,
        username: config.ice.turnUsername,
        credential: config.ice.turnPassword,
      });
    }
  }
  return servers;
}
