import type { Timers } from '../lib/timers.js';
import { ChunkStore, DATABASE_NAME } from './chunk-store.js';
import { type RecordingUploadApi, UploadQueue } from './upload-queue.js';

/** What one pass found in this browser: recordings with chunks not yet stored by the server. */
export interface LeftoverReport {
  recordings: number;
  chunks: number;
}

/**
 * Sends what earlier call pages of this browser left in IndexedDB: chunks recorded but not acknowledged
 * when the page went (the few seconds it waits ran out, the network was down, the tab was closed). The
 * call page sends them only for the recording it captures; this sends them from the doctor's other pages,
 * so a recording whose call has ended still gets its end. The server takes the chunks of a recording that
 * the doctor or the call's end stopped until it seals it (once every declared chunk is stored, or 10
 * minutes after the last one), so the file is whole when they arrive in time.
 *
 * It only uploads: no recording is stopped or changed, so one the doctor may still resume (Leave, then
 * Rejoin) stays as it is, and a call page capturing the same recording in another tab only causes
 * duplicates, which the server acknowledges again. Failures are retried as on the call page for as long
 * as the page lives; chunks the server will never take (sealed, discarded, deleted) are forgotten here.
 * Resolves once everything found was stored or forgotten.
 */
export async function sendLeftoverChunks(options: {
  api: RecordingUploadApi;
  store: ChunkStore;
  timers: Timers;
  random?: () => number;
}): Promise<LeftoverReport> {
  const queue = new UploadQueue(options);
  const report: LeftoverReport = { recordings: 0, chunks: 0 };
  try {
    for (const recordingId of await options.store.recordingIds()) {
      const { chunks } = await queue.resumeFromStore(recordingId);
      if (chunks.length === 0) continue;
      report.recordings += 1;
      report.chunks += chunks.length;
    }
    await queue.drain();
  } finally {
    queue.close();
  }
  return report;
}

/**
 * The browser's pass: nothing happens (not even creating the database) in a browser that never recorded.
 * Loaded lazily by the doctor's pages, so no page's first load carries it.
 */
export async function sendBrowserLeftovers(api: RecordingUploadApi, timers: Timers): Promise<LeftoverReport> {
  const none = { recordings: 0, chunks: 0 };
  if (typeof indexedDB === 'undefined') return none;
  if (typeof indexedDB.databases === 'function') {
    const databases = await indexedDB.databases().catch(() => null);
    if (databases && !databases.some((d) => d.name === DATABASE_NAME)) return none;
  }
  const store = await ChunkStore.open();
  try {
    return await sendLeftoverChunks({ api, store, timers });
  } finally {
    store.close();
  }
}
