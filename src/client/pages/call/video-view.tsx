import { useEffect, useRef, useState } from 'preact/hooks';

export interface VideoViewProps {
  stream: MediaStream | null;
  label: string;
  class: string;
  muted?: boolean;
}

/** A <video> showing a stream; offers a play button when the browser blocks autoplay. */
export function VideoView({ stream, label, class: className, muted = false }: VideoViewProps) {
  const ref = useRef<HTMLVideoElement>(null);
  const [blocked, setBlocked] = useState(false);

  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.muted = muted;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream) {
      video.play().then(
        () => setBlocked(false),
        (error: unknown) => setBlocked(error instanceof Error && error.name === 'NotAllowedError'),
      );
    }
  }, [stream, muted]);

  return (
    <div class={className}>
      <video ref={ref} autoplay playsInline muted={muted} aria-label={label} />
      {blocked && (
        <button
          type="button"
          class="button button--primary video-play"
          onClick={() => {
            void ref.current?.play().then(() => setBlocked(false));
          }}
        >
          Play video and sound
        </button>
      )}
    </div>
  );
}
