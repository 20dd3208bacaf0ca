import type { AudioMixer, ComposerDom, Picture, Slot, Surface, VideoSource } from '../recording/composer.js';
import type { DrawOp, PictureState } from '../recording/layout.js';
import { FakeStream, FakeTrack } from './fake-media.js';

/** A picture whose size and liveness the test sets. */
export class FakePicture implements Picture {
  current: PictureState = { width: 1280, height: 720, live: true };
  released = false;
  readonly source: VideoSource;
  readonly slot: Slot;

  constructor(source: VideoSource, slot: Slot) {
    this.source = source;
    this.slot = slot;
  }

  state(): PictureState {
    return this.current;
  }

  release(): void {
    this.released = true;
  }
}

/** One painted frame: its operations and which source each slot showed. */
export interface PaintedFrame {
  ops: DrawOp[];
  main: VideoSource | null;
  pip: VideoSource | null;
}

/** The composer's DOM as records: frames painted, pictures made and released, tracks in the mix. */
export class FakeComposerDom implements ComposerDom {
  readonly frames: PaintedFrame[] = [];
  readonly pictures: FakePicture[] = [];
  readonly mixed = new Set<MediaStreamTrack>();
  readonly videoTrack = new FakeTrack('video', 'canvas');
  readonly mixTrack = new FakeTrack('audio', 'mix');
  surfaceClosed = false;
  mixerClosed = false;
  /** Sizes to give new pictures of a source. */
  readonly initial = new Map<VideoSource, PictureState>();

  createSurface(): Surface {
    return {
      videoTrack: this.videoTrack.asTrack,
      draw: (ops, pictures) => {
        this.frames.push({
          ops,
          main: (pictures.main as FakePicture | null)?.source ?? null,
          pip: (pictures.pip as FakePicture | null)?.source ?? null,
        });
      },
      close: () => {
        this.surfaceClosed = true;
      },
    };
  }

  picture(source: VideoSource, slot: Slot): Picture {
    const picture = new FakePicture(source, slot);
    const initial = this.initial.get(source);
    if (initial) picture.current = initial;
    this.pictures.push(picture);
    return picture;
  }

  createMixer(): AudioMixer {
    return {
      track: this.mixTrack.asTrack,
      add: (track) => {
        this.mixed.add(track);
      },
      remove: (track) => {
        this.mixed.delete(track);
      },
      close: () => {
        this.mixerClosed = true;
      },
    };
  }

  stream(tracks: MediaStreamTrack[]): MediaStream {
    return new FakeStream(tracks as unknown as FakeTrack[]).asStream;
  }

  get lastFrame(): PaintedFrame | undefined {
    return this.frames.at(-1);
  }
}
