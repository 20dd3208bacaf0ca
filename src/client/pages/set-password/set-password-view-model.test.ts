import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { SetPasswordViewModel, tokenFromFragment } from './set-password-view-model.js';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

describe('SetPasswordViewModel', () => {
  it('takes the token from the fragment and removes it from the address bar at once', () => {
    const platform = fakePlatform({ pathname: '/set-password', hash: '#token=abc' });
    const model = new SetPasswordViewModel(
      new ApiClient(async () => new Response(null, { status: 204 })),
      platform,
    );
    expect(model.state.hasToken).toBe(true);
    expect(platform.urls).toEqual(['/set-password']);
    expect(tokenFromFragment('')).toBeNull();
  });

  it('sends the token and password, then offers to sign in', async () => {
    const sent: unknown[] = [];
    const platform = fakePlatform({ pathname: '/set-password', hash: '#token=abc' });
    const model = new SetPasswordViewModel(
      new ApiClient(async (url, init) => {
        sent.push([url, init.method, JSON.parse(String(init.body))]);
        return new Response(null, { status: 204 });
      }),
      platform,
    );
    model.setPassword('a good password');
    model.setConfirm('a good password');
    await model.submit();
    expect(sent).toEqual([['/api/set-password', 'POST', { token: 'abc', password: 'a good password' }]]);
    expect(model.state).toMatchObject({ done: true, password: '', confirm: '' });
    model.signIn();
    expect(platform.replaced).toEqual(['/login']);
  });

  it('checks length and the repeat before asking, and shows the server refusal', async () => {
    let calls = 0;
    const model = new SetPasswordViewModel(
      new ApiClient(async () => {
        calls++;
        return json(410, { error: { code: 'password_link_used', message: 'This link has been used.' } });
      }),
      fakePlatform({ hash: '#token=abc' }),
    );
    model.setPassword('short');
    await model.submit();
    expect(model.state.error).toMatch(/at least 8/);
    model.setPassword('long enough');
    model.setConfirm('different!');
    await model.submit();
    expect(model.state.error).toMatch(/differ/);
    expect(calls).toBe(0);
    model.setConfirm('long enough');
    await model.submit();
    expect(model.state).toMatchObject({ error: 'This link has been used.', done: false });
  });

  it('without a token there is nothing to send', async () => {
    const model = new SetPasswordViewModel(new ApiClient(async () => json(500, {})), fakePlatform());
    expect(model.state.hasToken).toBe(false);
    await model.submit();
    expect(model.state.pending).toBe(false);
  });
});
