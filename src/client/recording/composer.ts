import type { Timers } from '../lib/timers.js';
import {
  type CallMedia,
  chooseVideo,
  FRAME_HEIGHT,
  FRAME_WIDTH,
  type PictureState,
  planFrame,
  slotBounds,
} from './layout.js';

/** A picture the page already plays (the remote `<video>`) or a stream the composer plays itself. */
export type VideoSource = HTMLVideoElement | MediaStream;

/** Which slot a picture is played for, and the largest box it is drawn into there. */
export interface Slot {
  name: 'main' | 'pip';
  width: number;
  height: number;
}

/** One source as the surface can draw it. */
export interface Picture {
  /** The size and liveness of what plays now, read once per frame. */
  state(): PictureState;
  /** Stops what the composer started for this source (nothing for the page's own `<video>`). */
  release(): void;
}

/** Where frames are painted; its video track is the recording's picture. */
export interface Surface {
  readonly videoTrack: MediaStreamTrack;
  draw(ops: ReturnType<typeof planFrame>, pictures: { main: Picture | null; pip: Picture | null }): void;
  close(): void;
}

/** Mixes any number of audio tracks into one; tracks come and go without the output track changing. */
export interface AudioMixer {
  readonly track: MediaStreamTrack;
  add(track: MediaStreamTrack): void;
  remove(track: MediaStreamTrack): void;
  close(): void;
}

/** The DOM and media work, behind one seam: `browserComposerDom()` in the page, fakes in tests. */
export interface ComposerDom {
  createSurface(width: number, height: number, fps: number): Surface;
  /**
   * Plays `source` for one slot. `slot` is the largest box it is drawn into: a stream may be played
   * downscaled to it, since turning each new video frame into pixels costs in proportion to its size.
   */
  picture(source: VideoSource, slot: Slot): Picture;
  createMixer(): AudioMixer;
  stream(tracks: MediaStreamTrack[]): MediaStream;
}

export interface ComposerOptions {
  dom: ComposerDom;
  /**
   * Drives the frames. requestAnimationFrame stops entirely in a hidden tab, so a timer is used. Chromium
   * runs a hidden tab's timers at most once a second, except while the page plays audio, which a call page
   * does (the patient's voice), and its once-a-minute "intensive" throttling spares pages with live WebRTC
   * tracks. So the composer keeps its rate in the background while the patient can be heard; with the
   * patient silent and the tab hidden it may fall to 1 fps until the tab is shown (the sound is not
   * affected: the audio graph is not timer driven). docs/benchmarks.md, "Recording cost".
   */
  timers: Timers;
  fps?: number;
  /** A monotonic clock in ms (performance.now); paints are paced by how long they take. */
  now?: () => number;
}

const DEFAULT_FPS = 30;

/**
 * The recording's input: a 1280×720 canvas repainted ~30 times a second from the call's pictures, plus one
 * audio track mixing every microphone and shared sound. `stream` stays the same object for the whole
 * recording, whatever the sources do.
 */
/** Frames (about 1.5 s) a new picture may take to show its first frame before its slot says "Camera off". */
const FIRST_FRAME_WAIT_FRAMES = 45;

export class Composer {
  /** The canvas's video track and the mixed audio track: what the recorder records. */
  readonly stream: MediaStream;
  readonly #dom: ComposerDom;
  readonly #timers: Timers;
  readonly #surface: Surface;
  readonly #mixer: AudioMixer;
  readonly #interval: unknown;
  readonly #pictures = new Map<
    VideoSource,
    { picture: Picture; slot: Slot['name']; shown: boolean; waited: number }
  >();
  #main: VideoSource | null = null;
  #pip: VideoSource | null = null;
  readonly #audio = new Set<MediaStreamTrack>();
  #frames = 0;
  #closed = false;
  readonly #now: () => number;
  readonly #frameMs: number;
  /** Timer ticks left out before the next paint (the composer's pace: see #tick). */
  #skipTicks = 0;

  constructor(options: ComposerOptions) {
    const fps = options.fps ?? DEFAULT_FPS;
    this.#dom = options.dom;
    this.#timers = options.timers;
    this.#surface = this.#dom.createSurface(FRAME_WIDTH, FRAME_HEIGHT, fps);
    this.#mixer = this.#dom.createMixer();
    this.stream = this.#dom.stream([this.#surface.videoTrack, this.#mixer.track]);
    this.#now = options.now ?? (() => performance.now());
    this.#frameMs = Math.round(1000 / fps);
    this.#interval = this.#timers.setInterval(() => this.#tick(), this.#frameMs);
    // Black until the call's pictures are known: a recording does not open on "Camera off".
    this.#surface.draw([{ kind: 'black', rect: { x: 0, y: 0, w: FRAME_WIDTH, h: FRAME_HEIGHT } }], {
      main: null,
      pip: null,
    });
    this.#frames += 1;
  }

  /** Frames painted so far (the benchmark's achieved frame rate). */
  get frames(): number {
    return this.#frames;
  }

  /** Chooses the pictures from the call's media (`chooseVideo`) and mixes every audio track they carry. */
  setMedia(media: CallMedia<MediaStream>): void {
    this.setSources(chooseVideo(media));
    const tracks = [media.local, media.remote, media.screen].flatMap((s) => (s ? s.getAudioTracks() : []));
    this.setAudioTracks(tracks);
  }

  /** The main picture and the picture-in-picture; a source that stays keeps playing without a gap. */
  setSources(sources: { main: VideoSource | null; pip: VideoSource | null }): void {
    if (this.#closed) return;
    this.#main = sources.main;
    this.#pip = sources.pip === sources.main ? null : sources.pip;
    for (const [source, { picture, slot }] of this.#pictures) {
      // A source that moved between slots is played afresh at the new slot's size.
      const wanted = source === this.#main ? 'main' : source === this.#pip ? 'pip' : null;
      if (wanted !== slot) {
        picture.release();
        this.#pictures.delete(source);
      }
    }
    this.drawFrame();
  }

  /** The audio tracks to mix now; tracks no longer listed leave the mix, the output track stays. */
  setAudioTracks(tracks: readonly MediaStreamTrack[]): void {
    if (this.#closed) return;
    const wanted = new Set(tracks.filter((t) => t.kind === 'audio' && t.readyState !== 'ended'));
    for (const track of [...this.#audio]) {
      if (!wanted.has(track)) {
        this.#mixer.remove(track);
        this.#audio.delete(track);
      }
    }
    for (const track of wanted) {
      if (!this.#audio.has(track)) {
        this.#mixer.add(track);
        this.#audio.add(track);
      }
    }
  }

  /**
   * The timer's paint, paced: a paint that took d ms is followed by none for 2·d ms, so that on a slow
   * machine (software canvas, no GPU) composing takes at most about half of the page's main thread and the
   * call's own page stays responsive; the recording's frame rate drops instead.
   */
  #tick(): void {
    if (this.#skipTicks > 0) {
      this.#skipTicks -= 1;
      return;
    }
    const start = this.#now();
    this.drawFrame();
    const took = this.#now() - start;
    // Ticks to leave out so that, counting this one, twice the paint's time passes before the next.
    this.#skipTicks = Math.max(0, Math.ceil((2 * took) / this.#frameMs) - 1);
  }

  /** Paints one frame (the timer calls it; exposed so a test can paint without waiting). */
  drawFrame(): void {
    if (this.#closed) return;
    const main = this.#entryOf(this.#main, 'main');
    const pip = this.#entryOf(this.#pip, 'pip');
    const mainState = main?.picture.state() ?? null;
    const pipState = pip?.picture.state() ?? null;
    // A picture that has just taken a slot (a screen share began, the patient moved to the inset) needs a
    // moment before its first frame: the last frame stays until then, rather than a flash of "Camera off".
    const starting = [
      [main, mainState],
      [pip, pipState],
    ] as const;
    let waiting = false;
    for (const [entry, state] of starting) {
      if (!entry || !state) continue;
      if (state.live) entry.shown = true;
      else if (!entry.shown && entry.waited < FIRST_FRAME_WAIT_FRAMES) {
        entry.waited += 1;
        waiting = true;
      }
    }
    if (waiting && this.#frames > 0) return;
    this.#surface.draw(planFrame(mainState, pipState), {
      main: main?.picture ?? null,
      pip: pip?.picture ?? null,
    });
    this.#frames += 1;
  }

  /** Stops the frames, the pictures it plays and the mix. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.clearInterval(this.#interval);
    for (const { picture } of this.#pictures.values()) picture.release();
    this.#pictures.clear();
    this.#audio.clear();
    this.#mixer.close();
    this.#surface.close();
  }

  #entryOf(source: VideoSource | null, slot: Slot['name']) {
    if (!source) return null;
    let entry = this.#pictures.get(source);
    if (!entry) {
      const picture = this.#dom.picture(source, { name: slot, ...slotBounds(slot) });
      entry = { picture, slot, shown: false, waited: 0 };
      this.#pictures.set(source, entry);
    }
    return entry;
  }
}
