import type { UserView } from '../../protocol/api.js';
import type { ApiClient } from '../api/http-client.js';
import type { Timers } from '../lib/timers.js';

/**
 * On a doctor's page: sends, in the background, what earlier call pages of this browser left of their
 * recordings (src/client/recording/leftovers.ts, loaded lazily; nothing for anyone else).
 */
export function sendRecordingLeftovers(user: UserView | null, api: ApiClient, timers: Timers): void {
  if (user?.role !== 'doctor') return;
  void import('../recording/leftovers.js')
    .then(({ sendBrowserLeftovers }) => sendBrowserLeftovers(api, timers))
    .catch(() => {
      // What could not be sent stays in IndexedDB: the doctor's next page tries again.
    });
}
