import type { Ref } from 'preact';
import type { CallPageState } from './call-page-state.js';
import type { CallViewModel } from './call-view-model.js';
import { Icon, type IconName } from './icons.js';

interface ControlProps {
  label: string;
  icon: IconName;
  onClick: () => void;
  disabled?: boolean | undefined;
  /** `active`: a toggle that is on (muted, camera off, sharing). */
  variant?: 'danger' | 'active' | undefined;
  buttonRef?: Ref<HTMLButtonElement> | undefined;
  ariaLabel?: string | undefined;
  describedBy?: string | undefined;
  expanded?: boolean | undefined;
  controls?: string | undefined;
  busy?: boolean | undefined;
  hasPopup?: 'dialog' | undefined;
  badge?: string | null | undefined;
}

function Control({
  label,
  icon,
  onClick,
  disabled = false,
  variant,
  buttonRef,
  ariaLabel,
  describedBy,
  expanded,
  controls,
  busy,
  hasPopup,
  badge,
}: ControlProps) {
  return (
    <button
      ref={buttonRef ?? null}
      type="button"
      class={`control${variant ? ` control--${variant}` : ''}`}
      data-icon={icon}
      disabled={disabled}
      aria-label={ariaLabel}
      aria-describedby={describedBy}
      aria-expanded={expanded}
      aria-controls={controls}
      aria-busy={busy}
      aria-haspopup={hasPopup}
      onClick={onClick}
    >
      <span class="control__icon">
        <Icon name={icon} />
        {badge && (
          <span class="control__badge" aria-hidden="true">
            {badge}
          </span>
        )}
      </span>
      <span class="control__label">{label}</span>
    </button>
  );
}

export interface ControlRefs {
  chat: Ref<HTMLButtonElement>;
  settings: Ref<HTMLButtonElement>;
  /** Focus returns here when the confirmation is cancelled. */
  endForEveryone: Ref<HTMLButtonElement>;
}

/**
 * The call's controls, in the order a keyboard reaches them. Names are a contract for tests and screen
 * readers ("Mute"/"Unmute", …); each button keeps its width when its name changes.
 */
export function CallControls({
  state,
  model,
  refs,
  onFullscreen,
}: {
  state: CallPageState;
  model: CallViewModel;
  refs: ControlRefs;
  onFullscreen: () => void;
}) {
  const { local, screenShare, fullscreen, chat, chatBadge } = state;
  // A device the call has none of (joined without it, blocked, missing) is started by the same button (S25).
  const microphoneOn = local.microphone === 'on';
  const cameraOn = local.camera === 'on';
  return (
    <div class="call__controls">
      <Control
        label={microphoneOn ? (local.audioMuted ? 'Unmute' : 'Mute') : 'Turn microphone on'}
        icon={microphoneOn && !local.audioMuted ? 'mic' : 'mic-off'}
        variant={microphoneOn && !local.audioMuted ? undefined : 'active'}
        disabled={local.microphone === 'starting'}
        busy={local.microphone === 'starting'}
        onClick={() => model.toggleAudio()}
      />
      <Control
        label={cameraOn && !local.videoOff ? 'Turn camera off' : 'Turn camera on'}
        icon={cameraOn && !local.videoOff ? 'camera' : 'camera-off'}
        variant={cameraOn && !local.videoOff ? undefined : 'active'}
        disabled={local.camera === 'starting'}
        busy={local.camera === 'starting'}
        onClick={() => model.toggleVideo()}
      />
      {screenShare && (
        <Control
          label={screenShare.active ? 'Stop sharing' : 'Share screen'}
          icon={screenShare.active ? 'screen-stop' : 'screen'}
          variant={screenShare.active ? 'active' : undefined}
          onClick={() => void model.toggleScreenShare()}
        />
      )}
      {state.recording?.control && (
        <Control
          label={state.recording.control.label}
          icon={state.recording.control.label === 'Stop recording' ? 'record-stop' : 'record'}
          variant={state.recording.control.label === 'Stop recording' ? 'active' : undefined}
          disabled={state.recording.control.disabled}
          busy={state.recording.control.busy}
          onClick={() => void model.toggleRecording()}
        />
      )}
      {chat && (
        <Control
          label="Chat"
          icon="chat"
          ariaLabel="Chat"
          buttonRef={refs.chat}
          expanded={state.chatOpen}
          controls="call-chat"
          describedBy={chatBadge ? 'chat-unread' : undefined}
          badge={chatBadge?.text}
          onClick={() => model.toggleChat()}
        />
      )}
      <Control
        label="Settings"
        icon="settings"
        buttonRef={refs.settings}
        expanded={state.popover === 'settings'}
        controls="call-settings"
        onClick={() => model.togglePopover('settings')}
      />
      {fullscreen && (
        <Control
          label={fullscreen.active ? 'Exit fullscreen' : 'Fullscreen'}
          icon={fullscreen.active ? 'fullscreen-exit' : 'fullscreen'}
          onClick={onFullscreen}
        />
      )}
      {/* Leaving is not ending (S15): the patient's one way out, and the doctor's when stepping away. */}
      <Control
        label="Leave call"
        icon="leave"
        variant={state.role === 'doctor' ? undefined : 'danger'}
        disabled={state.ending}
        onClick={() => model.leaveCall()}
      />
      {state.role === 'doctor' && (
        <Control
          label="End call for everyone"
          icon="end-call"
          variant="danger"
          buttonRef={refs.endForEveryone}
          disabled={state.ending}
          busy={state.ending}
          hasPopup="dialog"
          onClick={() => model.askToEndForEveryone()}
        />
      )}
      {chatBadge && (
        <span id="chat-unread" class="visually-hidden">
          {chatBadge.words}
        </span>
      )}
    </div>
  );
}
