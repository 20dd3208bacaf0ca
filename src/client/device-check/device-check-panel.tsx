import { VideoView } from '../pages/call/video-view.js';
import { useViewModel } from '../ui/use-view-model.js';
import type { DeviceCheck } from './device-check.js';
import type { DeviceCheckState, DeviceOption } from './device-check-state.js';

function DeviceSelect(props: {
  id: string;
  label: string;
  value: string;
  options: DeviceOption[];
  onChange: (id: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        disabled={props.options.length === 0}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {props.options.length === 0 && <option value="">None found</option>}
        {props.options.map((option) => (
          <option key={option.id} value={option.id}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function LevelMeter({ state, model }: { state: DeviceCheckState; model: DeviceCheck }) {
  const percent = Math.round(state.level * 100);
  if (state.microphoneOff) return <p class="level__words">Your microphone is off.</p>;
  if (state.meterBlocked) {
    return (
      <div>
        <button type="button" class="button" onClick={() => model.resumeMeter()}>
          Show microphone level
        </button>
      </div>
    );
  }
  return (
    <div class="level">
      <meter class="level-meter" min={0} max={1} value={state.level} aria-label="Microphone level">
        {percent} %
      </meter>
      <p class="level__words" aria-live="polite">
        {state.heard
          ? 'Your microphone works: we can hear you.'
          : 'Say something: the bar moves when your microphone hears you.'}
      </p>
    </div>
  );
}

function SpeakerTest({ state, model, id }: { state: DeviceCheckState; model: DeviceCheck; id: string }) {
  return (
    <div class="stack stack--tight">
      {state.speakers.length > 0 && (
        <DeviceSelect
          id={`${id}-speaker`}
          label="Speaker"
          value={state.audioOutput}
          options={state.speakers}
          onChange={(speaker) => model.selectSpeaker(speaker)}
        />
      )}
      <div>
        <button
          type="button"
          class="button"
          disabled={state.sound === 'playing'}
          aria-busy={state.sound === 'playing'}
          onClick={() => void model.playTestSound()}
        >
          Play test sound
        </button>
      </div>
      <p role="status" class={state.sound === 'failed' ? 'alert alert--error' : 'hint'}>
        {state.soundMessage ?? ''}
      </p>
      <p class="hint">Hear an echo in calls? Use headphones: your speaker is reaching your microphone.</p>
    </div>
  );
}

function Ready({ state, model, id }: { state: DeviceCheckState; model: DeviceCheck; id: string }) {
  return (
    <div class="device-check">
      {state.hasVideo && state.cameraOff ? (
        <div class="device-check__preview device-check__preview--none">
          <p>Your camera is off</p>
        </div>
      ) : state.hasVideo ? (
        <VideoView class="device-check__preview" stream={state.stream} label="Camera preview" muted />
      ) : (
        <div class="device-check__preview device-check__preview--none">
          <p>No camera picture</p>
        </div>
      )}
      <div class="stack">
        {state.missing && <p class="alert alert--warn">{state.missing}</p>}
        {state.switchError && (
          <p role="alert" class="alert alert--warn">
            {state.switchError}
          </p>
        )}
        <DeviceSelect
          id={`${id}-camera`}
          label="Camera"
          value={state.videoInput}
          options={state.cameras}
          onChange={(camera) => void model.selectCamera(camera)}
        />
        <DeviceSelect
          id={`${id}-microphone`}
          label="Microphone"
          value={state.audioInput}
          options={state.microphones}
          onChange={(microphone) => void model.selectMicrophone(microphone)}
        />
        {state.hasAudio && <LevelMeter state={state} model={model} />}
        <SpeakerTest state={state} model={model} id={id} />
        <p class="hint">Your choices are remembered in this browser and used in your calls.</p>
      </div>
    </div>
  );
}

function AskFirst({ state, model }: { state: DeviceCheckState; model: DeviceCheck }) {
  const asking = state.access === 'requesting';
  return (
    <div class="stack permission-ask">
      <p>
        carecall will ask to use your camera and microphone, so that the doctor can see and hear you. Your
        browser will show a question: choose <strong>Allow</strong>.
      </p>
      <p class="hint">
        This check records nothing and sends nothing: the picture and sound stay on this device.
      </p>
      {state.error && <p class="alert alert--warn">{state.error}</p>}
      <div>
        <button
          type="button"
          class="button button--primary"
          disabled={asking}
          aria-busy={asking}
          onClick={() => void model.allow()}
        >
          Allow camera and microphone
        </button>
      </div>
      {asking && <p class="hint">Waiting for your answer to the browser's question…</p>}
    </div>
  );
}

function Denied({ state, model }: { state: DeviceCheckState; model: DeviceCheck }) {
  const help = state.help;
  return (
    <div class="stack">
      <p role="alert" class="alert alert--error">
        {state.error}
      </p>
      {help && (
        <div>
          <h3 class="device-check__help-heading">How to allow it in {help.browser}</h3>
          <ol class="steps">
            {help.steps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
          {help.systemNote && <p class="hint">{help.systemNote}</p>}
        </div>
      )}
      <p class="hint">Without a camera and microphone you can still write to the doctor in the chat.</p>
      <div>
        <button type="button" class="button" onClick={() => void model.allow()}>
          Try again
        </button>
      </div>
    </div>
  );
}

/**
 * Camera preview, microphone level and speaker test, with the permission explanation before the
 * browser asks. `id` prefixes the form controls' ids (the waiting room and the test page each have one).
 */
export function DeviceCheckPanel({ model, id = 'device' }: { model: DeviceCheck; id?: string }) {
  const state = useViewModel(model);
  switch (state.access) {
    case 'idle':
    case 'checking':
      return <p class="hint">Checking your camera and microphone…</p>;
    case 'ask':
    case 'requesting':
      return <AskFirst state={state} model={model} />;
    case 'denied':
      return <Denied state={state} model={model} />;
    case 'failed':
      return (
        <div class="stack">
          <p role="alert" class="alert alert--error">
            {state.error}
          </p>
          <div>
            <button type="button" class="button" onClick={() => void model.allow()}>
              Try again
            </button>
          </div>
        </div>
      );
    case 'unsupported':
      return (
        <p role="alert" class="alert alert--error">
          {state.error}
        </p>
      );
    case 'ready':
      return <Ready state={state} model={model} id={id} />;
  }
}
