import type { CheckOutcome, CompatibilityCheck } from './compatibility.js';

const WORDS: Record<CheckOutcome, string> = { pass: 'Passed', fail: 'Failed', note: 'Note' };

export function CompatibilityPanel({ checks }: { checks: CompatibilityCheck[] }) {
  return (
    <section class="card stack" aria-labelledby="compatibility-heading">
      <h2 id="compatibility-heading">Browser compatibility</h2>
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
    </section>
  );
}
