import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../api/http-client.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { PeopleViewModel } from './people-view-model.js';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
const admin = { id: 'a1', email: 'a@x', displayName: 'Admin', role: 'admin', hospitalId: 'h' };
const doctor = {
  id: 'd1',
  email: 'd@x',
  displayName: 'Dr. D',
  role: 'doctor',
  deactivatedAt: null,
  createdAt: 1,
};

function server(extra: (url: string, method: string) => Response | null = () => null) {
  const calls: string[] = [];
  const api = new ApiClient(async (url, init) => {
    calls.push(`${init.method} ${url}`);
    const r = extra(url, init.method ?? 'GET');
    if (r) return r;
    if (url === '/api/session') return json(200, { user: admin, csrfToken: 't' });
    if (url.startsWith('/api/hospitals/h/people?'))
      return json(200, { people: [doctor], total: 1, page: 1, pageSize: 25 });
    return json(404, { error: { code: 'not_found', message: 'Not found.' } });
  });
  return { api, calls };
}

describe('PeopleViewModel', () => {
  it('loads the first page for an admin, and searches with the filter', async () => {
    const { api, calls } = server();
    const model = new PeopleViewModel(api, fakePlatform());
    await model.load();
    expect(model.state).toMatchObject({ phase: 'ready', total: 1, people: [doctor] });
    model.setFilter({ q: ' dr ', role: 'doctor', status: 'active' });
    await model.refresh();
    expect(calls.at(-1)).toBe(
      'GET /api/hospitals/h/people?page=1&pageSize=25&q=dr&role=doctor&status=active',
    );
  });

  it('shows who may not manage people: another role, or an admin of no hospital; asks for no list', async () => {
    for (const user of [
      { ...admin, role: 'doctor' },
      { ...admin, hospitalId: null },
    ]) {
      const { api, calls } = server((url) =>
        url === '/api/session' ? json(200, { user, csrfToken: 't' }) : null,
      );
      const model = new PeopleViewModel(api, fakePlatform());
      await model.load();
      expect(model.state.phase).toBe('forbidden');
      expect(calls).toEqual(['GET /api/session']);
    }
  });

  it('adds a person and shows the link to copy', async () => {
    const link = { url: 'http://x/set-password#token=abc', expiresAt: 5, emailed: false };
    const { api } = server((url, method) =>
      url === '/api/hospitals/h/people' && method === 'POST'
        ? json(201, { person: doctor, linkedExisting: false, setPasswordLink: link })
        : null,
    );
    const platform = fakePlatform();
    const model = new PeopleViewModel(api, platform);
    await model.load();
    model.setDraft({ displayName: 'Dr. D', email: 'd@x', role: 'doctor' });
    await model.create();
    expect(model.state.link).toMatchObject({ name: 'Dr. D', url: link.url, copy: 'idle' });
    expect(model.state.draft.displayName).toBe('');
    await model.copyLink();
    expect(model.state.link?.copy).toBe('copied');
  });

  it('deactivates only after confirmation and lists the appointments to reassign', async () => {
    const appointments = [{ id: 'ap1', scheduledAt: 9, reason: '', patient: { id: 'p', displayName: 'P' } }];
    const { api, calls } = server((url) =>
      url === '/api/hospitals/h/people/d1/deactivate'
        ? json(200, { person: { ...doctor, deactivatedAt: 3 }, futureAppointments: appointments })
        : null,
    );
    const model = new PeopleViewModel(api, fakePlatform());
    await model.load();
    model.askDeactivate(doctor as never);
    expect(calls.some((c) => c.includes('deactivate'))).toBe(false);
    model.cancelDeactivate();
    model.askDeactivate(doctor as never);
    await model.confirmDeactivate();
    expect(calls).toContain('POST /api/hospitals/h/people/d1/deactivate');
    expect(model.state.reassign).toEqual({ name: 'Dr. D', appointments });
    expect(model.state.confirming).toBeNull();
  });

  it('shows a refusal as it came', async () => {
    const { api } = server((url, method) =>
      url === '/api/hospitals/h/people' && method === 'POST'
        ? json(409, {
            error: { code: 'email_taken', message: 'Someone already has an account with this email.' },
          })
        : null,
    );
    const model = new PeopleViewModel(api, fakePlatform());
    await model.load();
    model.setDraft({ displayName: 'X', email: 'd@x' });
    await model.create();
    expect(model.state.formError).toBe('Someone already has an account with this email.');
  });
});
