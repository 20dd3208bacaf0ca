import type { Timers } from '../lib/timers.js';
import type { PeerConnectionLike } from './peer-connection.js';
import { QualityMeter, type QualityReport, type StatsEntry } from './quality.js';
import type { RemoteMedia } from './remote-media.js';

/** How often the quality indicator reads getStats(). */
export const QUALITY_INTERVAL_MS = 1_000;

export interface QualitySamplingOptions {
  pc: PeerConnectionLike;
  timers: Timers;
  /** Whether to sample now: while connected or being restored. */
  active: () => boolean;
  /** The other side's camera off or screen shared: a quiet video stream is then no fault. */
  remote: { readonly media: RemoteMedia };
  onQuality: (report: QualityReport) => void;
  onError: (error: unknown) => void;
}

/**
 * Samples one peer connection's getStats() once a second while active, one reading at a time, into a
 * meter of its own. Returns the stop; a reading still under way when stopped is not reported.
 */
export function sampleQuality(options: QualitySamplingOptions): () => void {
  const { pc, timers } = options;
  const meter = new QualityMeter();
  let reading = false;
  let stopped = false;
  const handle = timers.setInterval(() => {
    if (reading || !options.active()) return;
    reading = true;
    pc.getStats()
      .then((report) => {
        if (stopped) return;
        const entries: StatsEntry[] = [];
        report.forEach((entry) => {
          entries.push(entry as unknown as StatsEntry);
        });
        const remote = options.remote.media;
        options.onQuality(
          meter.sample(entries, {
            connectionState: pc.connectionState,
            remoteVideoOff: remote.videoOff,
            remoteScreenSharing: remote.screenSharing,
          }),
        );
      })
      .catch(options.onError)
      .finally(() => {
        reading = false;
      });
  }, QUALITY_INTERVAL_MS);
  return () => {
    stopped = true;
    timers.clearInterval(handle);
  };
}
