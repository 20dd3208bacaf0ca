import { useStore } from '../../ui/use-store.js';
import type { InviteState } from '../invite-link.js';
import { MAX_NAME_CHARS } from './call-link.js';
import type { CallPageState, CallViewModel } from './call-view-model.js';
import { VideoView } from './video-view.js';

function remoteNotice(name: string | null, audioMuted: boolean, videoOff: boolean): string | null {
  const who = name ?? 'The other side';
  if (audioMuted && videoOff) return `${who} has muted and turned the camera off`;
  if (audioMuted) return `${who} is muted`;
  if (videoOff) return `${who} has turned the camera off`;
  return null;
}

function ConfirmName({ state, model }: { state: CallPageState; model: CallViewModel }) {
  return (
    <main id="main" class="page page--narrow">
      <section class="card" aria-labelledby="confirm-heading">
        <h1 id="confirm-heading">Confirm your name</h1>
        <p>The doctor will see this name in the call.</p>
        <form
          class="stack"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void model.confirmName();
          }}
        >
          <div class="field">
            <label for="display-name">Your name</label>
            <input
              id="display-name"
              name="name"
              autocomplete="name"
              required
              maxLength={MAX_NAME_CHARS}
              value={state.nameDraft}
              aria-invalid={state.nameError ? true : undefined}
              aria-describedby={state.nameError ? 'name-error' : undefined}
              onInput={(event) => model.setNameDraft(event.currentTarget.value)}
            />
          </div>
          {state.nameError && (
            <p id="name-error" role="alert" class="alert alert--error">
              {state.nameError}
            </p>
          )}
          <button
            type="submit"
            class="button button--primary"
            disabled={state.confirmingName}
            aria-busy={state.confirmingName}
          >
            Continue
          </button>
        </form>
      </section>
    </main>
  );
}

function Lobby({ state }: { state: CallPageState }) {
  const lobby = state.lobby;
  return (
    <main id="main" class="page page--narrow">
      <section class="card lobby" aria-labelledby="lobby-heading">
        <h1 id="lobby-heading">Waiting room</h1>
        <div role="status" aria-live="polite">
          {lobby?.opensAt ? (
            <p class="lobby__status">{lobby.opensAt}</p>
          ) : (
            <p class="lobby__status">The doctor will be with you shortly</p>
          )}
        </div>
        {lobby?.waited && (
          <p>
            Waiting for <span class="lobby__clock">{lobby.waited}</span>
          </p>
        )}
        <p class="hint">
          This page connects you to {state.otherName ?? 'the doctor'} as soon as the call starts. Keep it
          open.
        </p>
        <p>
          <a href="/device-test" target="_blank" rel="noopener">
            Test your camera and microphone
          </a>
        </p>
      </section>
    </main>
  );
}

function InviteButton({ invite, model }: { invite: InviteState; model: CallViewModel }) {
  const pending = invite.status === 'pending';
  return (
    <div class="invite">
      <button
        type="button"
        class="button button--control"
        disabled={pending}
        aria-busy={pending}
        onClick={() => void model.copyInviteLink()}
      >
        Copy patient invite link
      </button>
      <p role="status" class="invite__status">
        {invite.message}
      </p>
      {invite.url && (
        <input class="invite__url" readOnly value={invite.url} aria-label="Patient invite link" />
      )}
    </div>
  );
}

export function CallPage({ model }: { model: CallViewModel }) {
  const state = useStore(model);
  if (state.phase === 'confirm-name') return <ConfirmName state={state} model={model} />;
  if (state.phase === 'lobby') return <Lobby state={state} />;
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
      {state.warning && (
        <div class="call__warning">
          <p role="status" aria-live="polite">
            {state.warning.announcement}
          </p>
          <p>
            Time left: <span class="call__warning-clock">{state.warning.remaining}</span>
          </p>
        </div>
      )}
      <div class="call__bar">
        <p role="status" aria-live="polite" class="call__status">
          {state.statusText}
        </p>
        {state.signalingNotice && <p class="call__notice">{state.signalingNotice}</p>}
        {notice && <p class="call__notice">{notice}</p>}
        {state.error && state.phase !== 'failed' && (
          <p role="alert" class="alert alert--error">
            {state.error}
          </p>
        )}
        {state.phase === 'failed' && (
          <p class="call__links">
            {!state.viaLink && <a href={state.appointmentHref}>Back to the appointment</a>}{' '}
            <a href="/device-test">Test your camera and microphone</a>
          </p>
        )}
        {/* A page refused before the call (a bad link) has no media and nothing to end. */}
        {state.phase !== 'ended' && !(state.phase === 'failed' && state.localStream === null) && (
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
            {state.invite && <InviteButton invite={state.invite} model={model} />}
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
        )}
      </div>
    </main>
  );
}
