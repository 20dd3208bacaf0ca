import { describe, expect, it } from 'vitest';
import type { AuditEntryView, AuditPage } from '../../../protocol/audit.js';
import { ApiClient } from '../../api/http-client.js';
import { fakeApi, type Route } from '../../testing/fake-api.js';
import { fakePlatform } from '../../testing/fake-platform.js';
import { adminUser, doctorUser, sessionOf } from '../../testing/fixtures.js';
import { AuditViewModel, auditQuery, csvHref, detailWords, NO_FILTERS } from './audit-view-model.js';

const AUDIT = '/api/hospitals/h1/audit';
const entry = (seq: number, over: Partial<AuditEntryView> = {}): AuditEntryView => ({
  id: `e${seq}`,
  seq,
  at: 1_700_000_000_000 + seq,
  actor: { id: 'u1', name: 'Dr. A', role: 'doctor' },
  action: 'call.start',
  target: 'appointment:a1',
  appointmentId: 'a1',
  outcome: 'ok',
  detail: null,
  hash: 'h',
  ...over,
});
const page = (entries: AuditEntryView[], nextCursor: string | null = null): AuditPage => ({
  entries,
  nextCursor,
});

function setup(routes: Route[], user = adminUser) {
  const api = fakeApi([
    { method: 'GET', path: '/api/session', status: 200, body: sessionOf(user) },
    ...routes,
  ]);
  return { model: new AuditViewModel(new ApiClient(api.fetch), fakePlatform()), api };
}

describe('the audit trail page', () => {
  it('turns the filters into the query: whole days in the browser’s time zone, blanks left out', () => {
    expect(auditQuery(NO_FILTERS)).toBe('');
    const q = new URLSearchParams(
      auditQuery(
        {
          from: '2026-12-01',
          to: '2026-12-02',
          actor: ' dr@a.test ',
          action: 'Call.',
          outcome: 'denied',
          target: '',
        },
        '17',
      ),
    );
    expect(Object.fromEntries(q)).toEqual({
      from: String(new Date(2026, 11, 1).getTime()),
      to: String(new Date(2026, 11, 3).getTime()),
      actor: 'dr@a.test',
      action: 'call.',
      outcome: 'denied',
      cursor: '17',
    });
    expect(auditQuery({ ...NO_FILTERS, from: 'yesterday' })).toBe('');
    expect(csvHref('h1', { ...NO_FILTERS, outcome: 'ok' })).toBe('/api/hospitals/h1/audit.csv?outcome=ok');
    expect(csvHref('h 1', NO_FILTERS)).toBe('/api/hospitals/h%201/audit.csv');
    expect(detailWords({ code: 'forbidden', count: 2, signedIn: false, x: null })).toBe(
      'code: forbidden, count: 2, signedIn: false, x: –',
    );
  });

  it('shows the newest page, filters on demand, and adds older pages under it', async () => {
    const { model, api } = setup([
      { method: 'GET', path: AUDIT, status: 200, body: page([entry(3), entry(2)], '2') },
      { method: 'GET', path: `${AUDIT}?cursor=2`, status: 200, body: page([entry(1)]) },
      {
        method: 'GET',
        path: `${AUDIT}?outcome=denied`,
        status: 200,
        body: page([entry(9, { outcome: 'denied' })]),
      },
    ]);
    await model.load();
    expect(model.state).toMatchObject({ phase: 'ready', nextCursor: '2' });
    expect(model.state.entries.map((e) => e.seq)).toEqual([3, 2]);
    await model.older();
    expect(model.state.entries.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect(model.state.nextCursor).toBeNull();
    model.set({ outcome: 'denied' });
    // Typing alone changes nothing shown, nor the CSV link.
    expect(model.state.applied.outcome).toBe('');
    await model.apply();
    expect(model.state.entries.map((e) => e.seq)).toEqual([9]);
    expect(model.state.applied.outcome).toBe('denied');
    expect(api.requests.map((r) => r.path).filter((p) => p.startsWith(AUDIT))).toEqual([
      AUDIT,
      `${AUDIT}?cursor=2`,
      `${AUDIT}?outcome=denied`,
    ]);
  });

  it('tells a doctor the page is for admins, and a refused filter in words', async () => {
    const { model } = setup([], doctorUser);
    await model.load();
    expect(model.state.phase).toBe('forbidden');
    const admin = setup([
      { method: 'GET', path: AUDIT, status: 200, body: page([]) },
      {
        method: 'GET',
        path: `${AUDIT}?action=x`,
        status: 400,
        body: { error: { code: 'validation_failed', message: 'action: bad' } },
      },
    ]);
    await admin.model.load();
    admin.model.set({ action: 'x' });
    await admin.model.apply();
    expect(admin.model.state.phase).toBe('ready');
    expect(admin.model.state.error).toBeTruthy();
  });
});
