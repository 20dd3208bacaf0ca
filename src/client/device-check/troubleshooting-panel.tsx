import type { Tip } from './troubleshooting.js';

function TipView({ tip }: { tip: Tip }) {
  return (
    <li class="tip" data-tip={tip.id}>
      <h3 class="tip__problem">{tip.problem}</h3>
      <ul>
        {tip.steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ul>
    </li>
  );
}

/** Tips for what this page found first; the whole table stays one click away. */
export function TroubleshootingPanel({ matched, other }: { matched: Tip[]; other: Tip[] }) {
  return (
    <section class="card stack" aria-labelledby="troubleshooting-heading">
      <h2 id="troubleshooting-heading">Troubleshooting</h2>
      {matched.length > 0 ? (
        <>
          <p>What to do about what this check found:</p>
          <ul class="tips" aria-label="Tips for what this check found">
            {matched.map((tip) => (
              <TipView key={tip.id} tip={tip} />
            ))}
          </ul>
        </>
      ) : (
        <p>No problems found so far. If something goes wrong in a call, these tips help.</p>
      )}
      <details class="more-tips">
        <summary>{matched.length > 0 ? 'Other problems' : 'Common problems'}</summary>
        <ul class="tips">
          {other.map((tip) => (
            <TipView key={tip.id} tip={tip} />
          ))}
        </ul>
      </details>
    </section>
  );
}
