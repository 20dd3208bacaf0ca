import type { DeviceOption } from '../../call/devices.js';
import type { CallPageState } from './call-page-state.js';
import { SHORTCUTS } from './call-shortcuts.js';
import type { CallViewModel } from './call-view-model.js';

function DeviceSelect({
  id,
  label,
  options,
  value,
  onChange,
}: {
  id: string;
  label: string;
  options: readonly DeviceOption[];
  value: string | null;
  onChange: (deviceId: string) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {options.length === 0 ? (
        <p id={id} class="hint">
          None found
        </p>
      ) : (
        <select id={id} value={value ?? ''} onChange={(event) => onChange(event.currentTarget.value)}>
          {value === null && <option value="">Choose…</option>}
          {options.map((option) => (
            <option key={option.deviceId} value={option.deviceId}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

/** Camera and microphone for the rest of the call; the choice is remembered for the next one. */
export function DeviceSettings({ state, model }: { state: CallPageState; model: CallViewModel }) {
  const { devices } = state;
  return (
    <section id="call-settings" class="call__popover call__settings" aria-labelledby="call-settings-heading">
      <h2 id="call-settings-heading">Camera and microphone</h2>
      <DeviceSelect
        id="call-camera"
        label="Camera"
        options={devices.videoInputs}
        value={devices.videoInput}
        onChange={(deviceId) => void model.selectDevice('videoinput', deviceId)}
      />
      <DeviceSelect
        id="call-microphone"
        label="Microphone"
        options={devices.audioInputs}
        value={devices.audioInput}
        onChange={(deviceId) => void model.selectDevice('audioinput', deviceId)}
      />
      <p class="hint">
        The speaker is the one chosen on the{' '}
        <a href="/device-test" target="_blank" rel="noopener">
          device test page
        </a>
        .
      </p>
      <label class="call__settings-check">
        <input
          type="checkbox"
          checked={!state.skipPreJoin}
          onChange={(event) => model.setSkipPreJoin(!event.currentTarget.checked)}
        />
        Show the preview screen before joining a call
      </label>
    </section>
  );
}

/**
 * Excellent / Good / Poor / Lost in colour and in words; hovering or pressing it shows the figures
 * behind the level.
 */
export function QualityIndicator({ state, model }: { state: CallPageState; model: CallViewModel }) {
  const view = state.qualityView;
  if (!view) return null;
  const open = state.popover === 'quality' || state.qualityPeek;
  return (
    <div class={`quality quality--${view.level}${open ? ' quality--open' : ''}`}>
      <button
        type="button"
        class="quality__button"
        aria-expanded={open}
        aria-controls="quality-panel"
        onClick={() => model.togglePopover('quality')}
        onMouseEnter={() => model.peekQuality(true)}
        onMouseLeave={() => model.peekQuality(false)}
      >
        <span class="quality__bars" aria-hidden="true">
          <span />
          <span />
          <span />
        </span>
        <span class="visually-hidden">Connection quality: </span>
        {view.label}
      </button>
      <section id="quality-panel" class="call__popover quality__panel" aria-label="Connection details">
        <dl class="quality__figures">
          {view.rows.map((row) => (
            <div key={row.term}>
              <dt>{row.term}</dt>
              <dd>{row.value}</dd>
            </div>
          ))}
        </dl>
      </section>
    </div>
  );
}

/** The call page's keyboard shortcuts, and the switch that turns the single-key ones off (WCAG 2.1.4). */
export function ShortcutsHelp({ state, model }: { state: CallPageState; model: CallViewModel }) {
  return (
    <section
      id="call-shortcuts"
      class="call__popover call__shortcuts"
      aria-labelledby="call-shortcuts-heading"
    >
      <h2 id="call-shortcuts-heading">Keyboard shortcuts</h2>
      <dl class="shortcuts">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.key} class="shortcuts__row">
            <dt>
              <kbd>{shortcut.key}</kbd>
            </dt>
            <dd>{shortcut.words}</dd>
          </div>
        ))}
      </dl>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={state.shortcutsEnabled}
          onChange={(event) => model.setShortcutsEnabled(event.currentTarget.checked)}
        />
        Use these single-key shortcuts
      </label>
      <p class="hint">They do nothing while you type in the chat. Esc closes this list.</p>
    </section>
  );
}
