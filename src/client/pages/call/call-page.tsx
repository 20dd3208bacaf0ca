import { useStore } from '../../ui/use-store.js';
import type { CallViewModel } from './call-view-model.js';
import { VideoView } from './video-view.js';

function remoteNotice(name: string | null, audioMuted: boolean, videoOff: boolean): string | null {
  const who = name ?? 'The other side';
  if (audioMuted && videoOff) return `${who} has muted and turned the camera off`;
  if (audioMuted) return `${who} is muted`;
  if (videoOff) return `${who} has turned the camera off`;
  return null;
}

export function CallPage({ model }: { model: CallViewModel }) {
  const state = useStore(model);
  const { local, remote } = state;
  const connected = state.phase === 'connected' || state.phase === 'reconnecting';
  const notice = connected ? remoteNotice(state.peerName, remote.audioMuted, remote.videoOff) : null;
  const showOverlay = !state.remoteStream || state.phase !== 'connected';

  return (
    <main id="main" class="call">
      <h1 class="visually-hidden">Video call{state.peerName ? ` with ${state.peerName}` : ''}</h1>
      <VideoView
        class="call__remote"
        stream={state.remoteStream}
        label={state.peerName ? `Video of ${state.peerName}` : 'Video of the other side'}
      />
      {showOverlay && (
        <div class="call__overlay" aria-hidden="true">
          <p>{state.statusText}</p>
        </div>
      )}
      <VideoView class="call__local" stream={state.localStream} label="Your video" muted />
      <div class="call__bar">
        <p role="status" aria-live="polite" class="call__status">
          {state.statusText}
        </p>
        {notice && <p class="call__notice">{notice}</p>}
        {state.error && state.phase !== 'failed' && (
          <p role="alert" class="alert alert--error">
            {state.error}
          </p>
        )}
        {state.phase === 'failed' && (
          <p class="call__links">
            <a href={state.appointmentHref}>Back to the appointment</a>{' '}
            <a href="/device-test">Test your camera and microphone</a>
          </p>
        )}
        <div class="call__controls">
          <button
            type="button"
            class="button button--control"
            disabled={!local.hasAudio}
            onClick={() => model.toggleAudio()}
          >
            {local.audioMuted ? 'Unmute' : 'Mute'}
          </button>
          <button
            type="button"
            class="button button--control"
            disabled={!local.hasVideo}
            onClick={() => model.toggleVideo()}
          >
            {local.videoOff ? 'Turn camera on' : 'Turn camera off'}
          </button>
          <button
            type="button"
            class="button button--danger"
            disabled={state.ending}
            aria-busy={state.ending}
            onClick={() => void model.endCall()}
          >
            End call
          </button>
        </div>
      </div>
    </main>
  );
}
