import { useEffect } from 'preact/hooks';
import type { DeviceCheck } from '../../device-check/device-check.js';
import { DeviceCheckPanel } from '../../device-check/device-check-panel.js';
import type { CallPageState } from './call-page-state.js';
import type { CallViewModel } from './call-view-model.js';

/**
 * The patient's waiting room, until the doctor starts the call. The device check runs alongside the
 * check-in; leaving the waiting room (the call starting) releases its camera and microphone for the call.
 */
export function WaitingRoom({
  state,
  model,
  check,
}: {
  state: CallPageState;
  model: CallViewModel;
  check: DeviceCheck;
}) {
  const room = state.waitingRoom;
  useEffect(() => {
    void check.start();
    return () => check.release();
  }, [check]);
  return (
    <main id="main" class="page page--lobby">
      <section class="card lobby" aria-labelledby="lobby-heading">
        <h1 id="lobby-heading">Waiting room</h1>
        <div role="status" aria-live="polite">
          {room?.opensAt ? (
            <p class="lobby__status">{room.opensAt}</p>
          ) : (
            <p class="lobby__status">The doctor will be with you shortly</p>
          )}
        </div>
        {room?.waited && (
          <p>
            Waiting for <span class="lobby__clock">{room.waited}</span>
          </p>
        )}
        <p class="hint">
          This page connects you to {state.otherName ?? 'the doctor'} as soon as the call starts. Keep it
          open.
        </p>
        <fieldset class="lobby__join">
          <legend>When the call starts</legend>
          <label>
            <input
              type="checkbox"
              checked={state.joinWith.video}
              onChange={(event) => model.setJoinDevice('video', event.currentTarget.checked)}
            />
            Turn my camera on
          </label>
          <label>
            <input
              type="checkbox"
              checked={state.joinWith.audio}
              onChange={(event) => model.setJoinDevice('audio', event.currentTarget.checked)}
            />
            Turn my microphone on
          </label>
          <p class="hint">You can turn them on or off during the call too.</p>
        </fieldset>
      </section>
      <section class="card stack lobby-check" aria-labelledby="lobby-check-heading">
        <h2 id="lobby-check-heading">While you wait: check your camera and sound</h2>
        <p class="hint">Look at your picture, say something to see the bar move, and play the test sound.</p>
        <DeviceCheckPanel model={check} id="lobby" />
        <p>
          <a href="/device-test" target="_blank" rel="noopener">
            Test your connection too
          </a>
        </p>
      </section>
    </main>
  );
}
