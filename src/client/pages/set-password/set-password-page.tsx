import { MIN_PASSWORD_LENGTH } from '../../../protocol/people.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { SetPasswordViewModel } from './set-password-view-model.js';

export function SetPasswordPage({ model }: { model: SetPasswordViewModel }) {
  const { hasToken, password, confirm, pending, done, error } = useViewModel(model);
  return (
    <main id="main" class="page page--narrow">
      <p class="brand brand--large">carecall</p>
      <section class="card stack" aria-labelledby="set-password-heading">
        <h1 id="set-password-heading">Choose your password</h1>
        {done ? (
          <>
            <p role="status">Your password is set. Sign in with your email and the new password.</p>
            <button type="button" class="button button--primary button--block" onClick={() => model.signIn()}>
              Sign in
            </button>
          </>
        ) : !hasToken ? (
          <p role="alert" class="alert alert--error">
            Open this page from the link your clinic gave you. A link works once; ask your clinic for a new
            one if it no longer works.
          </p>
        ) : (
          <form
            class="stack"
            onSubmit={(event) => {
              event.preventDefault();
              void model.submit();
            }}
          >
            <div class="field">
              <label for="new-password">New password</label>
              <input
                id="new-password"
                name="new-password"
                type="password"
                autocomplete="new-password"
                minLength={MIN_PASSWORD_LENGTH}
                required
                aria-describedby="password-rule"
                value={password}
                onInput={(event) => model.setPassword(event.currentTarget.value)}
              />
              <p id="password-rule" class="hint">
                At least {MIN_PASSWORD_LENGTH} characters.
              </p>
            </div>
            <div class="field">
              <label for="confirm-password">Type it again</label>
              <input
                id="confirm-password"
                name="confirm-password"
                type="password"
                autocomplete="new-password"
                required
                value={confirm}
                onInput={(event) => model.setConfirm(event.currentTarget.value)}
              />
            </div>
            {error && (
              <p role="alert" class="alert alert--error">
                {error}
              </p>
            )}
            <button
              type="submit"
              class="button button--primary button--block"
              disabled={pending}
              aria-busy={pending}
            >
              Set password
            </button>
          </form>
        )}
      </section>
    </main>
  );
}
