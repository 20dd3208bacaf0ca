import type { Page } from '@playwright/test';
import { type ProbeRegistry, REGISTRY_KEY } from './peer-connection-probe.js';

/** What the page sends and shows: sender tracks and their devices, the <video> elements, the remote picture. */

export interface SenderTrack {
  /** The track's id: a device switch (replaceTrack) puts a new one on the same sender. */
  id: string;
  kind: string;
  label: string;
  enabled: boolean;
  readyState: MediaStreamTrackState;
  width: number | null;
  height: number | null;
  frameRate: number | null;
  deviceId: string | null;
  /** Set for a screen-capture track ('monitor', 'window', 'browser'). */
  displaySurface: string | null;
}

/** The tracks the page's open connections send (what `replaceTrack` put there), with their settings. */
export async function senderTracks(page: Page): Promise<SenderTrack[]> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
    return open.flatMap((pc) =>
      pc.getSenders().flatMap((sender) => {
        const track = sender.track;
        if (!track) return [];
        const settings = track.getSettings() as MediaTrackSettings & { displaySurface?: string };
        return [
          {
            id: track.id,
            kind: track.kind,
            label: track.label,
            enabled: track.enabled,
            readyState: track.readyState,
            width: settings.width ?? null,
            height: settings.height ?? null,
            frameRate: settings.frameRate ?? null,
            deviceId: settings.deviceId ?? null,
            displaySurface: settings.displaySurface ?? null,
          },
        ];
      }),
    );
  }, REGISTRY_KEY);
}

export interface VideoElementInfo {
  videoWidth: number;
  videoHeight: number;
  currentTime: number;
  paused: boolean;
  objectFit: string;
  /** The computed `transform` (a `matrix(a, b, c, d, e, f)` or "none") of the element and its ancestors' product's x scale. */
  transform: string;
  /** Horizontal scale of the element as drawn (negative: mirrored), from the composed transforms up to <body>. */
  scaleX: number;
  box: { x: number; y: number; width: number; height: number };
  visible: boolean;
}

/**
 * The <video> showing the remote party (its stream holds a track a receiver delivers) or the local one
 * (its stream holds a track a sender sends, or the camera). Found by what the element plays, not by
 * markup, so the specs do not depend on class names.
 */
export async function videoElementInfo(
  page: Page,
  which: 'remote' | 'local',
): Promise<VideoElementInfo | null> {
  return page.evaluate(
    ({ key, which }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
      const received = new Set(open.flatMap((pc) => pc.getReceivers().map((r) => r.track)));
      const videos = [...document.querySelectorAll('video')];
      const plays = (video: HTMLVideoElement) => {
        const stream = video.srcObject;
        return stream instanceof MediaStream ? stream.getTracks() : [];
      };
      const video = videos.find((v) => {
        const tracks = plays(v);
        if (tracks.length === 0) return false;
        const remote = tracks.some((t) => received.has(t));
        return which === 'remote' ? remote : !remote;
      });
      if (!video) return null;
      let scaleX = 1;
      for (let el: Element | null = video; el && el !== document.body; el = el.parentElement) {
        const t = getComputedStyle(el).transform;
        if (t && t !== 'none') scaleX *= new DOMMatrixReadOnly(t).a;
      }
      const style = getComputedStyle(video);
      const rect = video.getBoundingClientRect();
      return {
        videoWidth: video.videoWidth,
        videoHeight: video.videoHeight,
        currentTime: video.currentTime,
        paused: video.paused,
        objectFit: style.objectFit,
        transform: style.transform,
        scaleX,
        box: { x: rect.x, y: rect.y, width: rect.width, height: rect.height },
        visible:
          rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
      };
    },
    { key: REGISTRY_KEY, which },
  );
}

/**
 * Mean luma (0–255) and colour of the remote picture as it arrives: a fresh <video> plays the receiver's
 * own track (not the page's element, which may be hidden while the camera is off), one frame is drawn on a
 * small canvas. A disabled camera track arrives as black frames (luma ~0); Chromium's fake camera and
 * fake screen are a bright green picture, a camera played from a file is whatever the file shows.
 */
export async function remotePicture(
  page: Page,
): Promise<{ luma: number; r: number; g: number; b: number } | null> {
  return page.evaluate(async (key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
    const track = open
      .flatMap((pc) => pc.getReceivers().map((r) => r.track))
      .find((t) => t.kind === 'video' && t.readyState === 'live');
    if (!track) return null;
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([track]);
    try {
      await video.play();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2_000);
        video.requestVideoFrameCallback(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (video.videoWidth === 0) return null;
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 36;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) return null;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let r = 0;
      let g = 0;
      let b = 0;
      for (let i = 0; i < data.length; i += 4) {
        r += data[i] ?? 0;
        g += data[i + 1] ?? 0;
        b += data[i + 2] ?? 0;
      }
      const n = data.length / 4;
      return { luma: (0.299 * r + 0.587 * g + 0.114 * b) / n, r: r / n, g: g / n, b: b / n };
    } finally {
      video.pause();
      video.srcObject = null;
    }
  }, REGISTRY_KEY);
}

/**
 * Does what the browser's own "Stop sharing" bar does to a screen capture the page sends: the track stops
 * and fires `ended` (a script's `stop()` alone fires nothing). Returns how many tracks it ended.
 */
export async function endScreenCapture(page: Page): Promise<number> {
  return page.evaluate((key) => {
    const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
    let ended = 0;
    for (const pc of registry?.connections ?? []) {
      for (const sender of pc.getSenders()) {
        const track = sender.track;
        const settings = track?.getSettings() as
          | (MediaTrackSettings & { displaySurface?: string })
          | undefined;
        if (track && track.readyState === 'live' && settings?.displaySurface) {
          track.stop();
          track.dispatchEvent(new Event('ended'));
          ended += 1;
        }
      }
    }
    return ended;
  }, REGISTRY_KEY);
}

const HELD_TRACKS_KEY = 'carecall.e2e.heldTracks';

/** Keeps a reference to the tracks the senders carry now, so their state can be read after a switch. */
export async function holdSenderTracks(page: Page): Promise<void> {
  await page.evaluate(
    ({ key, held }) => {
      const registry = (window as unknown as Record<symbol, ProbeRegistry | undefined>)[Symbol.for(key)];
      const open = (registry?.connections ?? []).filter((pc) => pc.connectionState !== 'closed');
      const tracks = open.flatMap((pc) => pc.getSenders().flatMap((s) => (s.track ? [s.track] : [])));
      (window as unknown as Record<symbol, MediaStreamTrack[]>)[Symbol.for(held)] = tracks;
    },
    { key: REGISTRY_KEY, held: HELD_TRACKS_KEY },
  );
}

/** The tracks `holdSenderTracks` kept: `ended` once the app stopped the device it switched away from. */
export async function heldTrackStates(
  page: Page,
): Promise<Array<{ id: string; kind: string; readyState: MediaStreamTrackState }>> {
  return page.evaluate((held) => {
    const tracks = (window as unknown as Record<symbol, MediaStreamTrack[] | undefined>)[Symbol.for(held)];
    return (tracks ?? []).map((t) => ({ id: t.id, kind: t.kind, readyState: t.readyState }));
  }, HELD_TRACKS_KEY);
}
