import type { CallStartInfo } from '../../protocol/api.js';
import { errorMessage } from '../api/api-error.js';
import type { ApiClient } from '../api/http-client.js';
import type { Platform } from '../platform/platform.js';

export interface InviteState {
  status: 'idle' | 'pending' | 'copied' | 'failed';
  message: string | null;
  /** Shown for copying by hand when the clipboard refused. */
  url: string | null;
}

export const IDLE_INVITE: InviteState = { status: 'idle', message: null, url: null };

const storageKey = (appointmentId: string) => `carecall.patientLink.${appointmentId}`;

interface StoredLink {
  url: string;
  expiresAt: number;
}

/** Start returns a patient link once; this tab keeps it so the first copy needs no new invite. */
export function rememberPatientLink(platform: Platform, appointmentId: string, info: CallStartInfo): void {
  const link = info.links?.patient;
  if (!link) return;
  const stored: StoredLink = { url: link.url, expiresAt: link.expiresAt };
  platform.writeTabStorage(storageKey(appointmentId), JSON.stringify(stored));
}

function takeStoredLink(platform: Platform, appointmentId: string): StoredLink | null {
  const raw = platform.readTabStorage(storageKey(appointmentId));
  if (!raw) return null;
  try {
    const stored = JSON.parse(raw) as Partial<StoredLink>;
    if (typeof stored.url === 'string' && typeof stored.expiresAt === 'number') {
      if (stored.expiresAt > platform.now()) return { url: stored.url, expiresAt: stored.expiresAt };
    }
  } catch {
    // unreadable: ask the server for a new link
  }
  platform.writeTabStorage(storageKey(appointmentId), null);
  return null;
}

/**
 * The doctor's "Copy patient invite link". The link that Start returned is used for the first copy; after
 * that each copy asks for a new link, since the patient may have opened the earlier one already (a link
 * is exchanged once).
 */
export async function copyInviteLink(
  api: ApiClient,
  platform: Platform,
  appointmentId: string,
  report: (state: InviteState) => void,
): Promise<void> {
  report({ status: 'pending', message: null, url: null });
  let url: string;
  const stored = takeStoredLink(platform, appointmentId);
  try {
    url = stored ? stored.url : (await api.inviteLink(appointmentId)).url;
  } catch (error) {
    report({ status: 'failed', message: errorMessage(error), url: null });
    return;
  }
  try {
    await platform.copyText(url);
  } catch {
    report({ status: 'failed', message: 'Copying was blocked. Select the link and copy it:', url });
    return;
  }
  if (stored) platform.writeTabStorage(storageKey(appointmentId), null);
  report({ status: 'copied', message: 'Invite link copied', url: null });
}
