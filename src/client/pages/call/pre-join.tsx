import { useEffect } from 'preact/hooks';
import { ChatPanel } from '../../chat/chat-panel.js';
import type { ConnectionTest } from '../../device-check/connection-test.js';
import { ConnectionTestPanel } from '../../device-check/connection-test-panel.js';
import type { DeviceCheck } from '../../device-check/device-check.js';
import { DeviceCheckPanel } from '../../device-check/device-check-panel.js';
import { SiteHeader } from '../../ui/site-header.js';
import { MAX_NAME_CHARS } from './call-link.js';
import type { CallPageState } from './call-page-state.js';
import type { CallViewModel } from './call-view-model.js';
import { INVITATION_WORDS, PRE_JOIN_WORDS } from './call-words.js';
import { Icon } from './icons.js';

export interface PreJoinParts {
  check: DeviceCheck;
  connection: ConnectionTest;
}

/** Who the call is with and when: the link's clinic, doctor and time, or the appointment's. */
function Facts({ state }: { state: CallPageState }) {
  const { invitation, appointmentTime } = state;
  // The pre-join heading names the other party already; the waiting room's does not.
  const withWhom = state.phase === 'waiting-room' ? (state.otherName ?? '') : '';
  const rows: Array<[string, string, string | null]> = invitation
    ? [
        [INVITATION_WORDS.clinic, invitation.clinic, null],
        [INVITATION_WORDS.doctor, invitation.doctor, null],
        [INVITATION_WORDS.time, invitation.when, invitation.whenIso],
      ]
    : [
        [PRE_JOIN_WORDS.with, withWhom, null],
        [INVITATION_WORDS.time, appointmentTime?.when ?? '', appointmentTime?.whenIso ?? null],
      ];
  return (
    <dl class="invitation__facts">
      {rows
        .filter(([, value]) => value !== '')
        .map(([term, value, iso]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{iso ? <time dateTime={iso}>{value}</time> : value}</dd>
          </div>
        ))}
    </dl>
  );
}

/** What the call will start with, as two buttons named like the call's own ("Mute", "Turn camera off"). */
function DeviceToggles({ state, model }: { state: CallPageState; model: CallViewModel }) {
  const { audio, video } = state.joinWith;
  return (
    <div class="prejoin__toggles">
      <button
        type="button"
        class={`button prejoin__toggle${audio ? '' : ' prejoin__toggle--off'}`}
        onClick={() => model.toggleAudio()}
      >
        <Icon name={audio ? 'mic' : 'mic-off'} />
        {audio ? 'Mute' : 'Unmute'}
      </button>
      <button
        type="button"
        class={`button prejoin__toggle${video ? '' : ' prejoin__toggle--off'}`}
        onClick={() => model.toggleVideo()}
      >
        <Icon name={video ? 'camera' : 'camera-off'} />
        {video ? 'Turn camera off' : 'Turn camera on'}
      </button>
      <p class="prejoin__joining-with" aria-live="polite">
        {PRE_JOIN_WORDS.joinWith(audio, video)}
      </p>
    </div>
  );
}

function NameField({ state, model }: { state: CallPageState; model: CallViewModel }) {
  return (
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
        aria-describedby={state.nameError ? 'name-error' : 'name-hint'}
        onInput={(event) => model.setNameDraft(event.currentTarget.value)}
      />
      <p id="name-hint" class="hint">
        {INVITATION_WORDS.nameHint}
      </p>
      {state.nameError && (
        <p id="name-error" role="alert" class="alert alert--error">
          {state.nameError}
        </p>
      )}
    </div>
  );
}

/** The waiting room's line: when check-in opens, or how long the patient has waited. */
function Waiting({ state }: { state: CallPageState }) {
  const room = state.waitingRoom;
  return (
    <>
      <div role="status" aria-live="polite">
        <p class="lobby__status">{room?.opensAt ?? 'The doctor will be with you shortly'}</p>
      </div>
      {room?.waited && (
        <p>
          Waiting for <span class="lobby__clock">{room.waited}</span>
        </p>
      )}
      <p class="hint">{PRE_JOIN_WORDS.keepOpen(state.otherName)}</p>
    </>
  );
}

/**
 * The one screen before every call (Join button, invite link, the waiting room, rejoin): the camera
 * preview with the microphone and camera as the call will start, the devices, who the call is with and
 * when, a link visitor's name, and one Join now. While the doctor has not started it is the patient's
 * waiting room, with the chat beside it. Leaving the screen releases its camera and microphone for the call.
 */
export function PreJoin({
  state,
  model,
  parts,
}: {
  state: CallPageState;
  model: CallViewModel;
  parts: PreJoinParts;
}) {
  const { check, connection } = parts;
  const { phase, joinWith } = state;
  const waiting = phase === 'waiting-room';
  const askName = phase === 'confirm-name';
  useEffect(() => {
    void check.start();
    return () => check.release();
  }, [check]);
  useEffect(() => check.setOff('video', !joinWith.video), [check, joinWith.video]);
  useEffect(() => check.setOff('audio', !joinWith.audio), [check, joinWith.audio]);
  const heading = waiting
    ? 'Waiting room'
    : askName
      ? INVITATION_WORDS.heading
      : PRE_JOIN_WORDS.heading(state.otherName);
  const busy = state.joining || state.confirmingName;
  const chat = state.chat && state.selfId ? state.chat : null;
  return (
    <>
      <SiteHeader user={null} onSignOut={() => {}} />
      <main id="main" class={`page prejoin${chat ? ' prejoin--chat' : ''}`}>
        <section class="card stack prejoin__join" aria-labelledby="prejoin-heading">
          <h1 id="prejoin-heading">{heading}</h1>
          <Facts state={state} />
          {waiting ? (
            <Waiting state={state} />
          ) : (
            <form
              class="stack"
              noValidate
              onSubmit={(event) => {
                event.preventDefault();
                void model.joinNow();
              }}
            >
              {askName ? (
                <p class="hint">{INVITATION_WORDS.check}</p>
              ) : (
                <p role="status" class="lobby__status">
                  {state.statusText}
                </p>
              )}
              {askName && <NameField state={state} model={model} />}
              <div>
                <button
                  type="submit"
                  class="button button--primary button--large"
                  disabled={busy}
                  aria-busy={busy}
                >
                  Join now
                </button>
              </div>
            </form>
          )}
          <label class="prejoin__remember">
            <input
              type="checkbox"
              checked={state.skipPreJoin}
              onChange={(event) => model.setSkipPreJoin(event.currentTarget.checked)}
            />
            {PRE_JOIN_WORDS.remember}
          </label>
          {!askName && (
            <div>
              <button type="button" class="button" onClick={() => model.leaveCall()}>
                {waiting ? 'Leave waiting room' : 'Leave'}
              </button>
            </div>
          )}
        </section>
        <section class="card stack prejoin__preview" aria-labelledby="prejoin-preview-heading">
          <h2 id="prejoin-preview-heading">{PRE_JOIN_WORDS.previewHeading}</h2>
          <DeviceToggles state={state} model={model} />
          <DeviceCheckPanel model={check} id="prejoin" />
          <details class="prejoin__connection">
            <summary>Test your connection</summary>
            <ConnectionTestPanel model={connection} />
          </details>
        </section>
        {chat && state.selfId && (
          <aside class="prejoin__chat" aria-label={PRE_JOIN_WORDS.chatLabel(state.otherName)}>
            <ChatPanel
              selfId={state.selfId}
              chat={chat}
              onDraft={(draft) => model.setChatDraft(draft)}
              onSend={() => model.sendChat()}
              onRetry={(clientId) => model.retryChat(clientId)}
            />
          </aside>
        )}
      </main>
    </>
  );
}
