import type { NotificationAccess } from '../platform/platform.js';

/** What to offer about notifications: a button while undecided, a hint once blocked, nothing otherwise. */
export type NotificationOffer = 'offer' | 'blocked' | null;

export function notificationOffer(access: NotificationAccess): NotificationOffer {
  if (access === 'default') return 'offer';
  if (access === 'denied') return 'blocked';
  return null;
}
