import { CardPage, SubmitForm, TextField } from '../../ui/form.js';
import { useViewModel } from '../../ui/use-view-model.js';
import type { LoginViewModel } from './login-view-model.js';

export function LoginPage({ model }: { model: LoginViewModel }) {
  const { email, password, pending, error } = useViewModel(model);
  return (
    <CardPage headingId="login-heading" title="Sign in">
      <SubmitForm
        onSubmit={() => void model.submit()}
        error={error}
        pending={pending}
        submitLabel="Sign in"
        block
      >
        <TextField
          id="email"
          label="Email"
          type="email"
          autocomplete="username"
          required
          value={email}
          onValue={(v) => model.setEmail(v)}
        />
        <TextField
          id="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onValue={(v) => model.setPassword(v)}
        />
      </SubmitForm>
    </CardPage>
  );
}
