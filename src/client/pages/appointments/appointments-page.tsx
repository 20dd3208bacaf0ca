import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import { NotificationsBlocked } from '../notifications-blocked.js';
import type { AppointmentsViewModel } from './appointments-view-model.js';

export function AppointmentsPage({ model }: { model: AppointmentsViewModel }) {
  const { phase, user, items, error, signingOut, notifications } = useViewModel(model);
  return (
    <>
      <SiteHeader user={user} onSignOut={() => void model.signOut()} signingOut={signingOut} />
      <main id="main" class="page">
        <h1>Appointments</h1>
        {notifications === 'offer' && (
          <p>
            <button
              type="button"
              class="button button--quiet"
              onClick={() => void model.enableNotifications()}
            >
              Turn on notifications
            </button>{' '}
            <span class="hint">to hear about a waiting patient while this tab is in the background</span>
          </p>
        )}
        {notifications === 'blocked' && <NotificationsBlocked help={model.notificationHelp} />}
        {phase === 'loading' && (
          <p role="status" class="muted">
            Loading appointments…
          </p>
        )}
        {error && (
          <p role="alert" class="alert alert--error">
            {error}
          </p>
        )}
        {phase === 'ready' && items.length === 0 && <p class="muted">You have no appointments.</p>}
        {items.length > 0 && (
          <ul class="appointment-list">
            {items.map((item) => (
              <li key={item.id}>
                <a class="appointment-card" href={item.href}>
                  <span class="appointment-card__who">{item.title}</span>{' '}
                  <span class="appointment-card__when">
                    <time dateTime={item.isoDate}>{item.when}</time>
                  </span>{' '}
                  <span class="appointment-card__reason">{item.reason}</span>{' '}
                  <span class={`badge badge--${item.status}`}>{item.statusWords}</span>
                  {item.waitingRoomBadge && (
                    <>
                      {' '}
                      <span class="badge badge--lobby">{item.waitingRoomBadge}</span>
                    </>
                  )}
                </a>
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
