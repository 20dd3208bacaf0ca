import type { NotificationHelp } from './notifications.js';

/** "Notifications are blocked", with the steps to allow them in this browser one click away. */
export function NotificationsBlocked({ help }: { help: NotificationHelp }) {
  return (
    <details class="more-tips notification-help">
      <summary>Notifications are blocked. How to turn them on</summary>
      <p class="hint">In {help.browser}:</p>
      <ol class="steps">
        {help.steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      <p class="hint">Until then, a waiting patient still shows on this page while it is open.</p>
    </details>
  );
}
