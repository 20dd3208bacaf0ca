import type { DeviceStatus, ServerMessage } from '../../protocol/messages.js';
import type { Emitter } from '../lib/emitter.js';
import type { MediaFlags } from './local-media.js';

/** The other side's media as it signals it (media-state, screen-share): not guessed from the stream. */
export interface RemoteMedia extends MediaFlags {
  screenSharing: boolean;
  /** Their microphone and camera (S25); `on` until they say otherwise (a page from before S25 never does). */
  microphone: DeviceStatus;
  camera: DeviceStatus;
}

export const NO_REMOTE_MEDIA: RemoteMedia = {
  audioMuted: false,
  videoOff: false,
  screenSharing: false,
  microphone: 'on',
  camera: 'on',
};

export type MediaSignal = Extract<ServerMessage, { type: 'media-state' | 'screen-share' }>;

export interface RemoteFeedEvents {
  'remote-stream': MediaStream | null;
  'remote-media': RemoteMedia;
}

export interface RemoteFeedOptions {
  events: Pick<Emitter<RemoteFeedEvents>, 'emit'>;
  createMediaStream: () => MediaStream;
}

/** What comes from the other side: its stream, made from the track events, and its media as it signals it. */
export class RemoteFeed {
  readonly #options: RemoteFeedOptions;
  #stream: MediaStream | null = null;
  #media: RemoteMedia = NO_REMOTE_MEDIA;

  constructor(options: RemoteFeedOptions) {
    this.#options = options;
  }

  get stream(): MediaStream | null {
    return this.#stream;
  }

  get media(): RemoteMedia {
    return this.#media;
  }

  /** A track without a stream joins the one being shown, or a new one. */
  addTrack(track: MediaStreamTrack, streams: readonly MediaStream[]): void {
    let stream = streams[0] ?? this.#stream;
    if (!stream) stream = this.#options.createMediaStream();
    if (!streams[0] && !stream.getTracks().includes(track)) stream.addTrack(track);
    if (stream !== this.#stream) {
      this.#stream = stream;
      this.#options.events.emit('remote-stream', stream);
    }
  }

  /** The peer connection went, and its stream with it. */
  dropStream(): void {
    if (!this.#stream) return;
    this.#stream = null;
    this.#options.events.emit('remote-stream', null);
  }

  /** A new peer connection: nothing is known of the other side's media until it signals it. */
  reset(): void {
    this.#setMedia(NO_REMOTE_MEDIA);
  }

  /** The other party's media-state or screen-share. */
  signalled(message: MediaSignal): void {
    this.#setMedia(
      message.type === 'media-state'
        ? {
            ...this.#media,
            audioMuted: message.audioMuted,
            videoOff: message.videoOff,
            microphone: message.microphone ?? 'on',
            camera: message.camera ?? 'on',
          }
        : { ...this.#media, screenSharing: message.active },
    );
  }

  #setMedia(media: RemoteMedia): void {
    this.#media = media;
    this.#options.events.emit('remote-media', media);
  }
}
