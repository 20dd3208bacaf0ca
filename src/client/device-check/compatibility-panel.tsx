import type { CheckOutcome, CompatibilityCheck } from './compatibility.js';

const WORDS: Record<CheckOutcome, string> = { pass: 'Works', fail: 'Problem', note: 'Note' };
const TECHNICAL_WORDS: Record<CheckOutcome, string> = {
  pass: 'supported',
  fail: 'missing',
  note: 'missing (not needed)',
};

/** What this browser can do for a call, in plain words; the features' technical names behind Details. */
export function CompatibilityPanel({ checks }: { checks: CompatibilityCheck[] }) {
  return (
    <section class="card stack" aria-labelledby="compatibility-heading">
      <h2 id="compatibility-heading">Your browser</h2>
      <ul class="checks">
        {checks.map((check) => (
          <li key={check.id} class="check" data-check={check.id} data-outcome={check.outcome}>
            <span class={`check__badge check__badge--${check.outcome}`}>{WORDS[check.outcome]}</span>
            <span>
              <strong>{check.label}</strong>
              <br />
              <span class="check__detail">{check.detail}</span>
            </span>
          </li>
        ))}
      </ul>
      <details class="measured" data-details="browser">
        <summary>Details</summary>
        <ul>
          {checks.map((check) => (
            <li key={check.id}>
              {check.technical}: {TECHNICAL_WORDS[check.outcome]}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
