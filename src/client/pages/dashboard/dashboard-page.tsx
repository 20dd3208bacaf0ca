import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { DashboardGroup } from './dashboard-rows.js';
import type { DashboardSection, DashboardViewModel } from './dashboard-view-model.js';

const EMPTY: Record<DashboardGroup, string> = {
  waiting: 'Nobody is waiting.',
  'in-call': 'No call is under way.',
  upcoming: 'Nothing more today.',
  ended: 'No call has ended yet.',
  'no-show': 'Everyone came so far.',
  cancelled: 'Nothing was cancelled.',
};

function Section({ section }: { section: DashboardSection }) {
  const headingId = `section-${section.group}`;
  return (
    <section class={`dashboard__section dashboard__section--${section.group}`} aria-labelledby={headingId}>
      <h2 id={headingId}>
        {section.title} <span class="dashboard__count">({section.items.length})</span>
      </h2>
      {section.items.length === 0 ? (
        <p class="muted">{EMPTY[section.group]}</p>
      ) : (
        <ul class="dashboard__list">
          {section.items.map((item) => (
            <li key={item.id}>
              <a class="dashboard__row" href={item.href}>
                <span class="dashboard__who">{item.patient}</span>
                <span class="dashboard__with">
                  with {item.doctor} · <time dateTime={item.isoTime}>{item.time}</time>
                </span>
                <span class="dashboard__detail">{item.detail}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function DashboardPage({ model }: { model: DashboardViewModel }) {
  const s = useViewModel(model);
  return (
    <>
      <SiteHeader user={s.user} onSignOut={() => void model.signOut()} signingOut={s.signingOut} />
      <main id="main" class="page dashboard">
        <h1>Today</h1>
        {s.dayLabel && <p class="dashboard__day">{s.dayLabel}</p>}
        {s.phase === 'loading' && (
          <p role="status" class="muted">
            Loading today's appointments…
          </p>
        )}
        {s.phase === 'forbidden' && (
          <p role="alert" class="alert alert--error">
            Only a hospital admin can see the clinic's day.
          </p>
        )}
        {s.error && (
          <p role="alert" class="alert alert--error">
            {s.error}
          </p>
        )}
        {s.phase === 'ready' && (
          <>
            <p class={`dashboard__live${s.live ? '' : ' dashboard__live--stale'}`}>
              {s.live
                ? 'Changes show here as they happen.'
                : 'Reconnecting… what you see may be out of date.'}
            </p>
            <ul class="dashboard__summary" aria-label="Counts">
              {s.sections.map((section) => (
                <li key={section.group}>
                  <a href={`#section-${section.group}`} class="dashboard__tally">
                    <span class="dashboard__number">{section.items.length}</span>
                    <span>{section.title}</span>
                  </a>
                </li>
              ))}
            </ul>
            <div class="dashboard__sections">
              {s.sections.map((section) => (
                <Section key={section.group} section={section} />
              ))}
            </div>
          </>
        )}
        <p class="visually-hidden" aria-live="polite" aria-atomic="true">
          {s.announcement}
        </p>
      </main>
    </>
  );
}
