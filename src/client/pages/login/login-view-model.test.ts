import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { LoginViewModel } from './login-view-model.js';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

describe('LoginViewModel', () => {
  it('signs in and goes to a safe next page', async () => {
    const platform = fakePlatform({ search: '?next=%2Fappointments%2F7' });
    const model = new LoginViewModel(
      new ApiClient(async () => json(200, { user: {}, csrfToken: 't' })),
      platform,
    );
    model.setEmail(' pat@example.org ');
    model.setPassword('pw');
    await model.submit();
    expect(platform.replaced).toEqual(['/appointments/7']);
  });

  it('refuses a next page on another site', async () => {
    const platform = fakePlatform({ search: '?next=%2F%2Fevil.example' });
    const model = new LoginViewModel(
      new ApiClient(async () => json(200, { user: {}, csrfToken: 't' })),
      platform,
    );
    model.setEmail('pat@example.org');
    model.setPassword('pw');
    await model.submit();
    expect(platform.replaced).toEqual(['/appointments']);
  });

  it('shows the server message and clears the password on failure', async () => {
    const platform = fakePlatform();
    const model = new LoginViewModel(
      new ApiClient(async () =>
        json(401, { error: { code: 'invalid_credentials', message: 'The email or password is wrong.' } }),
      ),
      platform,
    );
    model.setEmail('pat@example.org');
    model.setPassword('nope');
    await model.submit();
    expect(model.state).toMatchObject({
      pending: false,
      password: '',
      error: 'The email or password is wrong.',
    });
    expect(platform.replaced).toEqual([]);
  });
});
