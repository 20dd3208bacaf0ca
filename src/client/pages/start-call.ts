import type { ApiClient } from '../api/http-client.js';
import type { Platform } from '../platform/platform.js';
import { rememberPatientLink } from './invite-link.js';

/**
 * The doctor's Start, from the appointment page or from the list: opens a new call session (this browser
 * gets its call cookie) and keeps the patient link it returns for the first copy. The caller goes to the
 * call page when this resolves.
 */
export async function openCallSession(
  api: ApiClient,
  platform: Platform,
  appointmentId: string,
): Promise<void> {
  const info = await api.startCall(appointmentId);
  rememberPatientLink(platform, appointmentId, info);
}
