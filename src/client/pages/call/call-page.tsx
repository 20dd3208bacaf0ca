import { useEffect, useRef } from 'preact/hooks';
import { ChatPanel } from '../../chat/chat-panel.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { InviteState } from '../invite-link.js';
import { CallControls } from './call-controls.js';
import type { CallPageState } from './call-page-state.js';
import { DeviceSettings, QualityIndicator, ShortcutsHelp } from './call-panels.js';
import type { CallOverlay, RemoteTile } from './call-screen.js';
import { isEditableTarget, shortcutFor } from './call-shortcuts.js';
import type { CallViewModel } from './call-view-model.js';
import type { LinkRefusal } from './call-words.js';
import { EndCallDialog } from './end-call-dialog.js';
import { Icon } from './icons.js';
import { PreJoin, type PreJoinParts } from './pre-join.js';
import { ConsentDialog, RecordingStatus } from './recording-panel.js';
import { VideoView } from './video-view.js';

/** A call link that does not work, said before anything is asked: what happened, then what to do. */
function DeadLink({ refusal }: { refusal: LinkRefusal }) {
  return (
    <main id="main" class="page page--narrow">
      <section class="card stack" aria-labelledby="link-dead-heading">
        <h1 id="link-dead-heading">{refusal.title}</h1>
        <p>{refusal.whatToDo}</p>
        <p class="link-dead__links">
          <a href="/appointments">See your appointments</a>
          <a href="/device-test">Test your camera and microphone</a>
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
        <Icon name="link" />
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

/** Their name and initials instead of a black frame while their camera is off. */
function CameraOff({ tile }: { tile: RemoteTile }) {
  return (
    <div class="call__camera-off">
      <span class="call__initials" aria-hidden="true">
        {tile.initials}
      </span>
      <span class="call__tile-name">{tile.name}</span>
    </div>
  );
}

/** The other side's microphone and camera, on their picture: from what they signal, not guessed. */
function TileState({ tile }: { tile: RemoteTile }) {
  if (tile.states.length === 0) return null;
  return (
    <ul class="call__tile-state" aria-label={`${tile.name}’s microphone and camera`}>
      {tile.states.map((words) => (
        <li key={words}>
          <Icon name={words.startsWith('Camera') ? 'camera-off' : 'mic-off'} /> {words}
        </li>
      ))}
    </ul>
  );
}

function Overlay({
  overlay,
  state,
  model,
}: {
  overlay: CallOverlay;
  state: CallPageState;
  model: CallViewModel;
}) {
  return (
    <div class={`call__overlay call__overlay--${overlay.kind}`}>
      <div class="call__overlay-card">
        {overlay.kind === 'progress' && <span class="spinner" aria-hidden="true" />}
        <p class="call__overlay-title">{overlay.title}</p>
        {overlay.detail && <p class="call__overlay-detail">{overlay.detail}</p>}
        {overlay.kind === 'failed' && (
          <p class="call__links">
            {!state.viaLink && <a href={state.appointmentHref}>Back to the appointment</a>}
            <a href="/device-test">Test your camera and microphone</a>
          </p>
        )}
        {/* Someone who came by link and left: the call goes on, and this is their way back (S15). */}
        {state.phase === 'closed' && state.viaLink && (
          <p class="call__links">
            <button type="button" class="button button--primary" onClick={() => model.rejoin()}>
              Rejoin
            </button>
          </p>
        )}
      </div>
    </div>
  );
}

export function CallPage({ model, preJoin }: { model: CallViewModel; preJoin: PreJoinParts }) {
  const state = useViewModel(model);
  const callRef = useRef<HTMLElement>(null);
  const chatButton = useRef<HTMLButtonElement>(null);
  const settingsButton = useRef<HTMLButtonElement>(null);
  const endForEveryoneButton = useRef<HTMLButtonElement>(null);
  const shortcutsButton = useRef<HTMLButtonElement>(null);
  const inCall = (state.phase === 'connected' || state.phase === 'reconnecting') && !state.confirmingEnd;
  const { shortcutsEnabled } = state;
  // On the document, so that a key works wherever the focus is (or with none); typing in the chat is not a shortcut.
  useEffect(() => {
    if (!inCall) return;
    const onKey = (event: KeyboardEvent) => {
      const action = shortcutFor(
        {
          key: event.key,
          ctrlKey: event.ctrlKey,
          altKey: event.altKey,
          metaKey: event.metaKey,
          repeat: event.repeat,
          editable: isEditableTarget(event.target),
        },
        shortcutsEnabled,
      );
      if (!action) return;
      event.preventDefault();
      model.runShortcut(action);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [model, inCall, shortcutsEnabled]);
  if (state.phase === 'link-dead' && state.linkRefusal) return <DeadLink refusal={state.linkRefusal} />;
  if (state.phase === 'confirm-name' || state.phase === 'waiting-room' || state.phase === 'pre-join') {
    return <PreJoin state={state} model={model} parts={preJoin} />;
  }
  const { local, screen } = state;
  const tile = screen.remoteTile;
  const peerLabel = state.peerName ?? state.otherName;
  // A page refused before the call (a bad link) has no media and nothing to end; nor has one that left.
  const showControls =
    state.phase !== 'ended' &&
    state.phase !== 'closed' &&
    !(state.phase === 'failed' && state.localStream === null);

  const closeChat = () => {
    model.closeChat();
    chatButton.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    // The confirmation dialog handles its own Escape (it cancels), and nothing else closes with it.
    if (event.key !== 'Escape' || state.confirmingEnd) return;
    if (state.popover !== null) {
      const returnTo = { settings: settingsButton, shortcuts: shortcutsButton, quality: null }[state.popover];
      model.closePopover();
      returnTo?.current?.focus();
      event.preventDefault();
    } else if (state.chatOpen) {
      closeChat();
      event.preventDefault();
    }
  };

  return (
    <main
      id="main"
      ref={callRef}
      class={`call${state.chatOpen ? ' call--chat-open' : ''}${state.invite ? ' call--invite' : ''}`}
      onKeyDown={onKeyDown}
    >
      <h1 class="visually-hidden">Video call{peerLabel ? ` with ${peerLabel}` : ''}</h1>
      <p role="status" aria-live="polite" class="visually-hidden">
        {screen.announcement}
      </p>
      <div class={`call__remote${tile?.videoOff ? ' call__remote--camera-off' : ''}`}>
        <VideoView
          class="call__remote-video"
          stream={state.remoteStream}
          label={peerLabel ? `Video of ${peerLabel}` : 'Video of the other side'}
          fit={tile?.screen ? 'contain' : 'cover'}
          sinkId={state.audioOutput}
        />
        {tile?.videoOff && <CameraOff tile={tile} />}
        {tile && <TileState tile={tile} />}
      </div>
      <div class="call__layout">
        <header class="call__top">
          <div class="call__top-start">
            {state.duration && (
              <p class="call__duration">
                <span class="visually-hidden">Call duration </span>
                <span class="call__clock">{state.duration}</span>
              </p>
            )}
            {tile && <p class="call__peer">{tile.name}</p>}
          </div>
          <QualityIndicator state={state} model={model} />
          {inCall && (
            <button
              ref={shortcutsButton}
              type="button"
              class="button button--control call__shortcuts-button"
              aria-expanded={state.popover === 'shortcuts'}
              aria-controls="call-shortcuts"
              onClick={() => model.togglePopover('shortcuts')}
            >
              Keyboard shortcuts
            </button>
          )}
          {state.popover === 'shortcuts' && <ShortcutsHelp state={state} model={model} />}
          {state.invite && <InviteButton invite={state.invite} model={model} />}
        </header>
        {state.recording && <RecordingStatus panel={state.recording} model={model} />}
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
        {screen.shareLabel && (
          <p class="call__share-label">
            <Icon name="screen" /> {screen.shareLabel}
          </p>
        )}
        <div class="call__stage">
          {screen.overlay && <Overlay overlay={screen.overlay} state={state} model={model} />}
          {state.localStream && (
            <div class="call__local">
              <VideoView
                class="call__local-video"
                stream={state.localStream}
                label="Your video"
                muted
                mirrored={!local.screenSharing}
                fit={local.screenSharing ? 'contain' : 'cover'}
              />
              {local.videoOff && !local.screenSharing && (
                <p class="call__local-off">
                  <Icon name="camera-off" /> Your camera is off
                </p>
              )}
            </div>
          )}
        </div>
        <div class="call__bar">
          {screen.serverNotice && <p class="call__notice">{screen.serverNotice}</p>}
          {screen.peerDeviceNotice && (
            <p class="call__notice call__notice--device">{screen.peerDeviceNotice}</p>
          )}
          {screen.deviceNotice && <p class="call__notice call__notice--device">{screen.deviceNotice}</p>}
          {state.error && state.phase !== 'failed' && (
            <p role="alert" class="alert alert--error">
              {state.error}
            </p>
          )}
          {state.popover === 'settings' && <DeviceSettings state={state} model={model} />}
          {showControls && (
            <CallControls
              state={state}
              model={model}
              refs={{ chat: chatButton, settings: settingsButton, endForEveryone: endForEveryoneButton }}
              onFullscreen={() => void model.toggleFullscreen(callRef.current)}
            />
          )}
        </div>
      </div>
      {state.role === 'doctor' && showControls && (
        <EndCallDialog state={state} model={model} opener={endForEveryoneButton} />
      )}
      {state.role === 'patient' && (
        <ConsentDialog question={state.recording?.question ?? null} model={model} />
      )}
      {state.chat && state.selfId && (
        <aside id="call-chat" class="call__chat" aria-label="In-call chat" inert={!state.chatOpen}>
          <ChatPanel
            selfId={state.selfId}
            chat={state.chat}
            class="call__chat-panel"
            focusCompose={state.chatOpen}
            headerAction={
              <button type="button" class="button" onClick={closeChat}>
                <Icon name="close" />
                Close chat
              </button>
            }
            onDraft={(draft) => model.setChatDraft(draft)}
            onSend={() => model.sendChat()}
            onRetry={(clientId) => model.retryChat(clientId)}
          />
        </aside>
      )}
    </main>
  );
}
