import { useViewModel } from '../ui/use-view-model.js';
import { PROBE_LIMITS } from './connection-probe.js';
import { type ConnectionTest, STEP_TECHNICAL_NAMES, type StepOutcome } from './connection-test.js';
import { GRADES } from './connection-verdict.js';

const OUTCOME_WORDS: Record<StepOutcome, string> = {
  pending: 'Not yet',
  running: 'Checking',
  pass: 'Works',
  fail: 'Problem',
  skipped: 'Not checked',
  note: 'Note',
};

function Method() {
  const mbit = (kbps: number) => (kbps / 1000).toFixed(1);
  return (
    <>
      <h3 class="measured__heading">How this is measured</h3>
      <ul>
        <li>
          <strong>carecall's server:</strong> the page asks carecall for relay credentials, opens the same
          live connection (WebSocket) a call uses, and times three messages there and back.
        </li>
        <li>
          <strong>Direct connection:</strong> the page makes two video-call connections and joins them to each
          other. Both ends are on this device, so this shows that your browser can make the connection (and,
          where carecall has a STUN server, that your public address can be found), not how fast your network
          is.
        </li>
        <li>
          <strong>Through the relay:</strong> the same two connections may only use carecall's relay (TURN)
          server, so every packet leaves this device, goes to the relay and comes back. The round trip is the
          connection's own measurement ({PROBE_LIMITS.lossPackets} numbered packets first go one way without
          being resent, to count what is lost); then data is sent as fast as the path takes it, up to{' '}
          {mbit(PROBE_LIMITS.bitrateCeilingKbps)} Mbit/s, for {PROBE_LIMITS.bitrateDurationMs / 1000} seconds.
          The test sends about 2 MB.
        </li>
        <li>
          <strong>The words:</strong> HD video needs about {mbit(GRADES.hd.bitrateKbps)} Mbit/s with at most{' '}
          {GRADES.hd.lossPercent} % loss and a round trip under {GRADES.hd.rttMs} ms; standard video about{' '}
          {mbit(GRADES.standard.bitrateKbps)} Mbit/s, {GRADES.standard.lossPercent} % and{' '}
          {GRADES.standard.rttMs} ms. Below that, sound usually still gets through. Your real calls also
          depend on the other side's network.
        </li>
      </ul>
    </>
  );
}

/**
 * The connection test: steps and the result in plain words, with what to do next; the technical names,
 * the figures and the method behind one Details disclosure.
 */
export function ConnectionTestPanel({ model }: { model: ConnectionTest }) {
  const state = useViewModel(model);
  const verdict = state.verdict;
  const technical = state.steps.filter((step) => step.technical !== null);
  return (
    <section class="card stack" aria-labelledby="connection-test-heading">
      <h2 id="connection-test-heading">Connection test</h2>
      <p>
        Checks that this device can reach the clinic and that video can get through your network. It takes
        about 10 seconds.
      </p>
      <div>
        <button
          type="button"
          class="button button--primary"
          disabled={state.running}
          aria-busy={state.running}
          onClick={() => void model.run()}
        >
          Run connection test
        </button>
      </div>
      <ol class="checks" aria-label="Connection test steps">
        {state.steps.map((step) => (
          <li key={step.id} class="check" data-step={step.id} data-outcome={step.outcome}>
            <span class={`check__badge check__badge--${step.outcome}`}>{OUTCOME_WORDS[step.outcome]}</span>
            <span>
              <strong>{step.label}</strong>
              <br />
              <span class="check__detail">{step.detail}</span>
            </span>
          </li>
        ))}
      </ol>
      <div
        role="status"
        class={`verdict${verdict ? ` verdict--${verdict.level}` : ''}`}
        data-level={verdict?.level ?? (state.running ? 'running' : 'none')}
      >
        {verdict ? (
          <>
            <p class="verdict__headline">{verdict.headline}</p>
            <p class="verdict__next">{verdict.next}</p>
          </>
        ) : state.running ? (
          <p class="verdict__headline">Testing your connection…</p>
        ) : null}
      </div>
      {verdict && verdict.notes.length > 0 && (
        <ul class="verdict__notes">
          {verdict.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      <details class="measured" data-details="connection">
        <summary>Details</summary>
        {technical.length > 0 && (
          <ul class="measured__steps">
            {technical.map((step) => (
              <li key={step.id} data-technical={step.id}>
                <strong>{STEP_TECHNICAL_NAMES[step.id]}:</strong> {step.technical}
              </li>
            ))}
          </ul>
        )}
        {state.figures.length > 0 && (
          <dl class="figures" aria-label="Measured figures">
            {state.figures.map((figure) => (
              <div key={figure.id} class="figures__row" data-figure={figure.id}>
                <dt>{figure.label}</dt>
                <dd>{figure.value}</dd>
              </div>
            ))}
          </dl>
        )}
        <Method />
      </details>
    </section>
  );
}
