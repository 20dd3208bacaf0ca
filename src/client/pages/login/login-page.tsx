import { useViewModel } from '../../ui/use-view-model.js';
import type { LoginViewModel } from './login-view-model.js';

export function LoginPage({ model }: { model: LoginViewModel }) {
  const { email, password, pending, error } = useViewModel(model);
  return (
    <main id="main" class="page page--narrow">
      <p class="brand brand--large">carecall</p>
      <section class="card" aria-labelledby="login-heading">
        <h1 id="login-heading">Sign in</h1>
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            void model.submit();
          }}
        >
          <div class="field">
            <label for="email">Email</label>
            <input
              id="email"
              name="email"
              type="email"
              autocomplete="username"
              required
              value={email}
              onInput={(event) => model.setEmail(event.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(event) => model.setPassword(event.currentTarget.value)}
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
            Sign in
          </button>
        </form>
      </section>
    </main>
  );
}
