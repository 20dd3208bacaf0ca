import { MIN_PASSWORD_LENGTH } from '../../../protocol/people.js';
import { CardPage, SubmitForm, TextField } from '../../ui/form.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { SetPasswordViewModel } from './set-password-view-model.js';

export function SetPasswordPage({ model }: { model: SetPasswordViewModel }) {
  const { hasToken, password, confirm, pending, done, error } = useViewModel(model);
  return (
    <CardPage headingId="set-password-heading" title="Choose your password">
      {done ? (
        <>
          <p role="status">Your password is set. Sign in with your email and the new password.</p>
          <button type="button" class="button button--primary button--block" onClick={() => model.signIn()}>
            Sign in
          </button>
        </>
      ) : !hasToken ? (
        <p role="alert" class="alert alert--error">
          Open this page from the link your clinic gave you. A link works once; ask your clinic for a new one
          if it no longer works.
        </p>
      ) : (
        <SubmitForm
          onSubmit={() => void model.submit()}
          error={error}
          pending={pending}
          submitLabel="Set password"
          block
        >
          <TextField
            id="new-password"
            label="New password"
            type="password"
            autocomplete="new-password"
            minLength={MIN_PASSWORD_LENGTH}
            required
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
            value={password}
            onValue={(v) => model.setPassword(v)}
          />
          <TextField
            id="confirm-password"
            label="Type it again"
            type="password"
            autocomplete="new-password"
            required
            value={confirm}
            onValue={(v) => model.setConfirm(v)}
          />
        </SubmitForm>
      )}
    </CardPage>
  );
}
