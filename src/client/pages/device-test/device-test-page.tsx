import { SiteHeader } from '../../ui/site-header.js';
import { useStore } from '../../ui/use-store.js';
import { VideoView } from '../call/video-view.js';
import type { DeviceOption, DeviceTestViewModel } from './device-test-view-model.js';

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

export function DeviceTestPage({ model }: { model: DeviceTestViewModel }) {
  const state = useStore(model);
  return (
    <>
      <SiteHeader user={state.user} onSignOut={() => void model.signOut()} signingOut={state.signingOut} />
      <main id="main" class="page">
        <p class="breadcrumb">
          <a href={state.backHref}>Back</a>
        </p>
        <h1>Test your camera and microphone</h1>
        <div class="device-test">
          <VideoView class="device-test__preview" stream={state.stream} label="Camera preview" muted />
          <div class="stack">
            <p role="status" class="muted">
              {state.stream ? 'Your camera is working if you can see yourself.' : 'Starting your camera…'}
            </p>
            {state.error && (
              <p role="alert" class="alert alert--error">
                {state.error}
              </p>
            )}
            <DeviceSelect
              id="camera"
              label="Camera"
              value={state.videoInput}
              options={state.cameras}
              onChange={(id) => void model.selectCamera(id)}
            />
            <DeviceSelect
              id="microphone"
              label="Microphone"
              value={state.audioInput}
              options={state.microphones}
              onChange={(id) => void model.selectMicrophone(id)}
            />
            <p class="hint">Your choice is remembered on this device and used in your calls.</p>
          </div>
        </div>
      </main>
    </>
  );
}
