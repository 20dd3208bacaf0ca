import { useEffect, useRef, useState } from 'preact/hooks';
import { Icon } from './icons.js';
import { applySpeaker, enableSound, type PlaybackResult, startPlayback } from './playback.js';

export interface VideoViewProps {
  stream: MediaStream | null;
  label: string;
  class: string;
  /** This side's own preview: never plays sound (no echo). */
  muted?: boolean;
  /** Shown as in a mirror: this side's camera, not a screen it shares. */
  mirrored?: boolean;
  /** `contain` for a shared screen (never cropped), `cover` for a camera. */
  fit?: 'cover' | 'contain';
  /** The speaker chosen on the device test page, for the other side's sound. */
  sinkId?: string | null;
}

/** A <video> showing a stream; the other side's plays with sound, or offers one tap where it may not. */
export function VideoView({
  stream,
  label,
  class: className,
  muted: local = false,
  mirrored = false,
  fit = 'cover',
  sinkId = null,
}: VideoViewProps) {
  const ref = useRef<HTMLVideoElement>(null);
  const [playback, setPlayback] = useState<PlaybackResult>('playing');

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (!stream) return;
    if (local) {
      video.muted = true;
      video.play().catch(() => undefined);
      return;
    }
    let current = true;
    startPlayback(video).then(
      (result) => {
        if (current) setPlayback(result);
      },
      (error: unknown) => console.warn('video:', error),
    );
    return () => {
      current = false;
    };
  }, [stream, local]);

  useEffect(() => {
    const video = ref.current;
    if (video && !local) void applySpeaker(video, sinkId);
  }, [sinkId, local]);

  const videoClass = `video${mirrored ? ' video--mirrored' : ''} video--${fit}`;
  return (
    <div class={className}>
      <video ref={ref} class={videoClass} autoplay playsInline muted={local} aria-label={label} />
      {!local && stream && playback !== 'playing' && (
        <button
          type="button"
          class="button button--primary video-sound"
          onClick={() => {
            const video = ref.current;
            if (video) void enableSound(video).then(setPlayback);
          }}
        >
          <Icon name="sound" />
          Tap to enable sound
        </button>
      )}
    </div>
  );
}
