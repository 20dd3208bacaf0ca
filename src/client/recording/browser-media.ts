/**
 * The composer's and recorder's browser side: the only code of the recording that touches the DOM, canvas,
 * WebAudio and MediaRecorder. The browser tests and bench/recording-cost.ts prove it; unit tests replace it.
 */
import type { Timers } from '../lib/timers.js';
import { ChunkStore } from './chunk-store.js';
import {
  type AudioMixer,
  Composer,
  type ComposerDom,
  type Picture,
  type Slot,
  type Surface,
  type VideoSource,
} from './composer.js';
import type { PictureState } from './layout.js';
import type { MediaRecorderFactory } from './recorder.js';
import { RecordingSession } from './recording-session.js';
import type { RecordingUploadApi } from './upload-queue.js';

/**
 * A source as a playing `<video>`. A stream is played from a clone of its video track scaled down to the
 * slot (Chromium's track adapter scales before the frame reaches the page, so the picture-in-picture does
 * not turn a whole 720p frame into pixels 30 times a second to show it at 256×144). Liveness is read from
 * the source's own track, so the page turning the camera off (disabling its track) shows at once.
 */
class VideoPicture implements Picture {
  readonly element: HTMLVideoElement;
  readonly #origin: MediaStream | null;
  readonly #slot: Slot;
  #from: MediaStreamTrack | null = null;
  #clone: MediaStreamTrack | null = null;

  constructor(source: VideoSource, slot: Slot) {
    this.#slot = slot;
    if (source instanceof MediaStream) {
      // A detached, muted element plays without a gesture and without showing anywhere.
      const video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      this.element = video;
      this.#origin = source;
      this.#follow();
    } else {
      this.element = source;
      this.#origin = null;
    }
  }

  state(): PictureState {
    const video = this.element;
    const stream = this.#origin ?? (video.srcObject instanceof MediaStream ? video.srcObject : null);
    if (this.#origin) this.#follow();
    const track = stream?.getVideoTracks()[0];
    const trackLive =
      stream === null || (!!track && track.readyState === 'live' && track.enabled && !track.muted);
    return {
      width: video.videoWidth,
      height: video.videoHeight,
      live: trackLive && video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth > 0,
    };
  }

  release(): void {
    if (!this.#origin) return;
    this.element.pause();
    this.element.srcObject = null;
    this.#clone?.stop();
    this.#clone = null;
  }

  /** Plays the source's current video track (again, when the stream's track was replaced). */
  #follow(): void {
    const track = this.#origin?.getVideoTracks()[0] ?? null;
    if (track === this.#from) return;
    this.#from = track;
    this.#clone?.stop();
    this.#clone = track ? track.clone() : null;
    this.#clone
      ?.applyConstraints({
        width: { max: this.#slot.width },
        height: { max: this.#slot.height },
        resizeMode: 'crop-and-scale',
      } as MediaTrackConstraints)
      .catch(() => {
        // Not scalable (an old browser): drawn from the full-size frames.
      });
    this.element.srcObject = this.#clone ? new MediaStream([this.#clone]) : null;
    this.element.play().catch(() => {
      // Autoplay refused or the stream ended: the slot shows "Camera off" until it plays.
    });
  }
}

class CanvasSurface implements Surface {
  readonly videoTrack: MediaStreamTrack;
  readonly #canvas: HTMLCanvasElement;
  readonly #context: CanvasRenderingContext2D;

  constructor(width: number, height: number, fps: number) {
    this.#canvas = document.createElement('canvas');
    this.#canvas.width = width;
    this.#canvas.height = height;
    const context = this.#canvas.getContext('2d', { alpha: false });
    if (!context) throw new Error('This browser cannot draw the recording (no 2D canvas).');
    this.#context = context;
    const track = this.#canvas.captureStream(fps).getVideoTracks()[0];
    if (!track) throw new Error('This browser cannot record a canvas (captureStream gave no track).');
    this.videoTrack = track;
  }

  draw(ops: Parameters<Surface['draw']>[0], pictures: Parameters<Surface['draw']>[1]): void {
    const ctx = this.#context;
    for (const op of ops) {
      const { x, y, w, h } = op.rect;
      if (op.kind === 'black') {
        ctx.fillStyle = '#000';
        ctx.fillRect(x, y, w, h);
      } else if (op.kind === 'video') {
        const picture = pictures[op.slot];
        if (picture instanceof VideoPicture) ctx.drawImage(picture.element, x, y, w, h);
      } else {
        ctx.fillStyle = '#bbb';
        ctx.font = `${Math.max(12, Math.round(h / 14))}px sans-serif`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(op.text, x + w / 2, y + h / 2);
      }
    }
  }

  close(): void {
    this.videoTrack.stop();
  }
}

/**
 * One AudioContext into one MediaStreamAudioDestinationNode. Chromium gives silence for a remote WebRTC
 * track in WebAudio unless the track also plays in a media element; the call page plays it anyway.
 */
class WebAudioMixer implements AudioMixer {
  readonly track: MediaStreamTrack;
  readonly #context: AudioContext;
  readonly #destination: MediaStreamAudioDestinationNode;
  readonly #inputs = new Map<MediaStreamTrack, MediaStreamAudioSourceNode>();

  constructor() {
    this.#context = new AudioContext();
    this.#destination = this.#context.createMediaStreamDestination();
    const track = this.#destination.stream.getAudioTracks()[0];
    if (!track) throw new Error('This browser cannot mix audio for the recording.');
    this.track = track;
    // Started from the doctor's click, the context usually runs; when it does not, resume is allowed then.
    this.#context.resume().catch(() => {});
  }

  add(track: MediaStreamTrack): void {
    if (this.#inputs.has(track)) return;
    const input = this.#context.createMediaStreamSource(new MediaStream([track]));
    input.connect(this.#destination);
    this.#inputs.set(track, input);
  }

  remove(track: MediaStreamTrack): void {
    this.#inputs.get(track)?.disconnect();
    this.#inputs.delete(track);
  }

  close(): void {
    for (const input of this.#inputs.values()) input.disconnect();
    this.#inputs.clear();
    this.track.stop();
    this.#context.close().catch(() => {});
  }
}

/** The composer's browser side: a canvas, `<video>` elements and WebAudio. */
export function browserComposerDom(): ComposerDom {
  return {
    createSurface: (width, height, fps) => new CanvasSurface(width, height, fps),
    picture: (source, slot) => new VideoPicture(source, slot),
    createMixer: () => new WebAudioMixer(),
    stream: (tracks) => new MediaStream(tracks),
  };
}

/** The browser's MediaRecorder, or null where it is missing. */
export function browserMediaRecorder(): MediaRecorderFactory | null {
  if (typeof MediaRecorder === 'undefined') return null;
  return {
    isTypeSupported: (type) => MediaRecorder.isTypeSupported(type),
    create: (stream, options, handlers) => {
      const recorder = new MediaRecorder(stream, options);
      recorder.ondataavailable = (event) => handlers.data(event.data);
      recorder.onstop = () => handlers.stop();
      recorder.onerror = (event) => handlers.error((event as Event & { error?: unknown }).error ?? event);
      return recorder;
    },
  };
}

/**
 * The doctor's recording session in this browser: IndexedDB, a canvas composer and MediaRecorder. Rejects
 * when the browser cannot record (no MediaRecorder, no IndexedDB): the page then does not offer recording.
 */
export async function openBrowserRecordingSession(options: {
  api: RecordingUploadApi;
  timers: Timers;
}): Promise<RecordingSession> {
  const recorders = browserMediaRecorder();
  if (!recorders) throw new Error('This browser cannot record calls (no MediaRecorder).');
  const store = await ChunkStore.open();
  return new RecordingSession({
    api: options.api,
    store,
    timers: options.timers,
    recorders,
    createComposer: () => new Composer({ dom: browserComposerDom(), timers: options.timers }),
  });
}
