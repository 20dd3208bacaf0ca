import { ChatPanel } from '../../chat/chat-panel.js';
import { formatDateTime } from '../../lib/format.js';
import { SiteHeader } from '../../ui/site-header.js';
import { useViewModel } from '../../ui/use-view-model.js';
import { NotificationsBlocked } from '../notifications-blocked.js';
import type { AppointmentViewModel, CallAction } from './appointment-view-model.js';
import { Recordings } from './recordings-section.js';

function CallButton({
  action,
  pending,
  model,
}: {
  action: CallAction;
  pending: boolean;
  model: AppointmentViewModel;
}) {
  // Check in opens the waiting room (a page), the others ask the server first: a link and buttons.
  if (action.kind === 'check-in') {
    return (
      <a class="button button--primary" href={action.href}>
        {action.label}
      </a>
    );
  }
  const onClick = () =>
    void (action.kind === 'start'
      ? model.startCall()
      : action.kind === 'enter'
        ? model.enterCall()
        : model.joinCall());
  return (
    <button
      type="button"
      class="button button--primary"
      disabled={pending}
      aria-busy={pending}
      onClick={onClick}
    >
      {action.label}
    </button>
  );
}

export function AppointmentPage({ model }: { model: AppointmentViewModel }) {
  const state = useViewModel(model);
  const { appointment, user } = state;
  return (
    <>
      <SiteHeader user={user} onSignOut={() => void model.signOut()} signingOut={state.signingOut} />
      <main id="main" class="page">
        <p class="breadcrumb">
          <a href="/appointments">All appointments</a>
        </p>
        {state.phase === 'loading' && (
          <>
            <h1>Appointment</h1>
            <p role="status" class="muted">
              Loading the appointment…
            </p>
          </>
        )}
        {state.phase === 'error' && (
          <>
            <h1>Appointment</h1>
            <p role="alert" class="alert alert--error">
              {state.error}
            </p>
          </>
        )}
        {appointment && user && (
          <div class="appointment-layout">
            <div class="stack">
              <section class="card" aria-labelledby="appointment-heading">
                <h1 id="appointment-heading">{state.title}</h1>
                <dl class="details">
                  <div>
                    <dt>When</dt>
                    <dd>
                      <time dateTime={new Date(appointment.scheduledAt).toISOString()}>
                        {formatDateTime(appointment.scheduledAt)}
                      </time>
                    </dd>
                  </div>
                  <div>
                    <dt>Doctor</dt>
                    <dd>{appointment.doctor.displayName}</dd>
                  </div>
                  <div>
                    <dt>Patient</dt>
                    <dd>{appointment.patient.displayName}</dd>
                  </div>
                  <div>
                    <dt>Hospital</dt>
                    <dd>{appointment.hospital.name}</dd>
                  </div>
                  <div>
                    <dt>Reason</dt>
                    <dd>{appointment.reason}</dd>
                  </div>
                </dl>
              </section>
              <section
                class={`card call-banner call-banner--${appointment.videoCallStatus}`}
                aria-labelledby="call-heading"
              >
                <h2 id="call-heading">Video call</h2>
                <div role="status" aria-live="polite" aria-atomic="true">
                  <p class="call-banner__status">{state.statusWords}</p>
                  {state.lastCall && <p class="call-banner__last">{state.lastCall}</p>}
                  {state.endReason && <p class="call-banner__reason">{state.endReason}</p>}
                  {state.waitingRoomBadge && <p class="badge badge--lobby">{state.waitingRoomBadge}</p>}
                </div>
                {state.callHint && <p class="hint">{state.callHint}</p>}
                {(state.action || state.invite) && (
                  <div class="actions">
                    {state.action && (
                      <CallButton action={state.action} pending={state.actionPending} model={model} />
                    )}
                    {state.invite && (
                      <button
                        type="button"
                        class="button"
                        disabled={state.invite.status === 'pending'}
                        aria-busy={state.invite.status === 'pending'}
                        onClick={() => void model.copyInviteLink()}
                      >
                        Copy patient invite link
                      </button>
                    )}
                  </div>
                )}
                {state.invite?.message && (
                  <p
                    role={state.invite.status === 'failed' ? 'alert' : 'status'}
                    class={state.invite.status === 'failed' ? 'alert alert--error' : 'hint'}
                  >
                    {state.invite.message}
                  </p>
                )}
                {state.invite?.url && (
                  <input
                    class="invite__url"
                    readOnly
                    value={state.invite.url}
                    aria-label="Patient invite link"
                  />
                )}
                {state.notifications === 'offer' && (
                  <p>
                    <button
                      type="button"
                      class="button button--quiet"
                      onClick={() => void model.enableNotifications()}
                    >
                      Turn on notifications
                    </button>{' '}
                    <span class="hint">
                      to hear about a waiting patient while this tab is in the background
                    </span>
                  </p>
                )}
                {state.notifications === 'blocked' && <NotificationsBlocked help={model.notificationHelp} />}
                {state.actionError && (
                  <p role="alert" class="alert alert--error">
                    {state.actionError}
                  </p>
                )}
                <p>
                  <a href="/device-test">Test your camera and microphone</a>
                </p>
                {state.liveNotice && (
                  <p
                    class={state.liveNoticeIsError ? 'alert alert--error' : 'hint'}
                    role={state.liveNoticeIsError ? 'alert' : undefined}
                  >
                    {state.liveNotice}
                  </p>
                )}
              </section>
              {state.callHistory && (
                <section class="card call-history" aria-labelledby="call-history-heading">
                  <h2 id="call-history-heading">Calls of this appointment</h2>
                  {state.callHistory.length === 0 ? (
                    <p class="muted">No call yet.</p>
                  ) : (
                    <ol class="call-history__list">
                      {state.callHistory.map((call) => (
                        <li key={call.id}>
                          <time dateTime={call.isoStarted}>{call.started}</time>: {call.summary}
                        </li>
                      ))}
                    </ol>
                  )}
                </section>
              )}
              {state.callQuality && state.callQuality.length > 0 && (
                <section class="card call-quality" aria-labelledby="call-quality-heading">
                  <h2 id="call-quality-heading">Call quality</h2>
                  {state.callQuality.map((call) => (
                    <div key={call.id} class="call-quality__call" data-call-session={call.id}>
                      <h3>
                        Call of <time dateTime={call.isoStarted}>{call.started}</time>
                      </h3>
                      <p class="call-quality__overall">{call.overall}</p>
                      <dl class="call-quality__figures">
                        {call.lines.map((line) => (
                          <div key={line.term}>
                            <dt>{line.term}</dt>
                            <dd>{line.value}</dd>
                          </div>
                        ))}
                      </dl>
                    </div>
                  ))}
                </section>
              )}
              {state.recordings && <Recordings section={state.recordings} />}
            </div>
            {state.chat && (
              <ChatPanel
                selfId={user.id}
                chat={state.chat}
                onDraft={(draft) => model.setDraft(draft)}
                onSend={() => model.sendDraft()}
                onRetry={(clientId) => model.retry(clientId)}
              />
            )}
          </div>
        )}
      </main>
    </>
  );
}
