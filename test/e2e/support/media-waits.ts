import type { ScriptedPage } from './peer-connection-probe.js';
import { describePeerConnections, type InboundVideoStats, inboundVideoStats } from './rtc-stats.js';

/** Waits on received video: frames decoded and still growing, the first frame, a resolution reached. */

export interface FramesGrowth {
  before: InboundVideoStats;
  after: InboundVideoStats;
}

/**
 * Proves media, not DOM: waits until the page decodes remote video, then checks that `framesDecoded`
 * is still rising `sampleMs` later (a frozen stream or a single keyframe does not pass).
 */
export async function waitForFramesGrowing(
  page: ScriptedPage,
  { timeoutMs = 20_000, sampleMs = 1_000 }: { timeoutMs?: number; sampleMs?: number } = {},
): Promise<FramesGrowth> {
  const deadline = Date.now() + timeoutMs;
  let last: InboundVideoStats | null = null;
  while (Date.now() < deadline) {
    const before = await inboundVideoStats(page);
    if (before && before.framesDecoded > 0) {
      await new Promise((resolve) => setTimeout(resolve, sampleMs));
      const after = await inboundVideoStats(page);
      if (after && after.framesDecoded > before.framesDecoded) return { before, after };
      last = after;
    } else {
      last = before;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(
    `inbound video frames did not keep growing within ${timeoutMs} ms; last inbound-rtp video: ${JSON.stringify(last)}; ` +
      (await describePeerConnections(page)),
  );
}

/** Polls closely (every `intervalMs`) and returns the wall-clock time at which the page first decoded a remote frame. */
export async function waitForFirstDecodedFrame(
  page: ScriptedPage,
  { timeoutMs = 20_000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const video = await inboundVideoStats(page);
    if (video && video.framesDecoded > 0) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `no remote video frame was decoded within ${timeoutMs} ms; ${await describePeerConnections(page)}`,
  );
}

/**
 * Polls the inbound video closely until its decoded frames are at least `width`x`height`, and returns the
 * wall-clock time it first saw them (for printing, never for asserting).
 */
export async function waitForInboundResolution(
  page: ScriptedPage,
  width: number,
  height: number,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: InboundVideoStats | null = null;
  while (Date.now() < deadline) {
    last = await inboundVideoStats(page);
    if (last && last.frameWidth >= width && last.frameHeight >= height) return Date.now();
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `the inbound video did not reach ${width}x${height} within ${timeoutMs} ms; last inbound-rtp video: ${JSON.stringify(last)}`,
  );
}
