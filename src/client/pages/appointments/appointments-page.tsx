import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import { NotificationsBlocked } from '../notifications-blocked.js';
import { AdminAppointments } from './admin-appointments.js';
import type { AdminAppointmentsViewModel } from './admin-appointments-view-model.js';
import type { AppointmentsViewModel } from './appointments-view-model.js';

export function AppointmentsPage({
  model,
  admin,
}: {
  model: AppointmentsViewModel;
  /** A hospital admin's filters and import; the plain list stays for everyone else. */
  admin?: AdminAppointmentsViewModel;
}) {
  const { phase, user, items, error, signingOut, notifications, queue, starting, startError } =
    useViewModel(model);
  const startButton = (id: string, name: string) => (
    <button
      type="button"
      class="button button--primary appointment-start"
      aria-label={`Start video call with ${name}`}
      disabled={starting !== null}
      aria-busy={starting === id}
      onClick={() => void model.startCall(id)}
    >
      {starting === id ? 'Starting…' : 'Start video call'}
    </button>
  );
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
        {startError && (
          <p role="alert" class="alert alert--error">
            {startError}
          </p>
        )}
        {phase === 'ready' && user?.role === 'doctor' && (
          <section class="queue" aria-labelledby="queue-heading">
            <h2 id="queue-heading">Waiting now</h2>
            {queue.length === 0 ? (
              <p class="muted">Nobody is in a waiting room.</p>
            ) : (
              <ol class="queue__list">
                {queue.map((entry) => (
                  <li key={entry.id} class="queue__entry">
                    <a class="queue__who" href={entry.href}>
                      {entry.name}
                    </a>
                    <span class="queue__waited">{entry.waited ? `waiting ${entry.waited}` : 'waiting'}</span>
                    <span class="queue__reason">{entry.reason}</span>
                    {startButton(entry.id, entry.name)}
                  </li>
                ))}
              </ol>
            )}
          </section>
        )}
        {phase === 'ready' && user?.role === 'admin' && admin && <AdminAppointments model={admin} />}
        {phase === 'ready' && items.length === 0 && <p class="muted">You have no appointments.</p>}
        {phase === 'ready' && user?.role === 'doctor' && items.length > 0 && (
          <h2 class="appointment-list__heading">All appointments</h2>
        )}
        {items.length > 0 && (
          <ul class="appointment-list">
            {items.map((item) => (
              <li key={item.id} class={item.canStart ? 'appointment-row' : undefined}>
                <a class="appointment-card" href={item.href}>
                  <span class="appointment-card__who">{item.title}</span>{' '}
                  <span class="appointment-card__when">
                    <time dateTime={item.isoDate}>{item.when}</time>
                  </span>{' '}
                  {item.hospital && (
                    <>
                      <span class="appointment-card__hospital">at {item.hospital}</span>{' '}
                    </>
                  )}
                  <span class="appointment-card__reason">{item.reason}</span>{' '}
                  <span class={`badge badge--${item.status}`}>{item.statusWords}</span>
                  {item.waitingRoomBadge && (
                    <>
                      {' '}
                      <span class="badge badge--lobby">{item.waitingRoomBadge}</span>
                    </>
                  )}
                </a>
                {item.canStart && startButton(item.id, item.title)}
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
