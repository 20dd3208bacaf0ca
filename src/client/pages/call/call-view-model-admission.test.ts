import { describe, expect, it } from 'vitest';
import {
  activeContext,
  CONTEXT,
  callPage,
  contextRoute,
  err,
  joined,
  TOKEN,
} from '../../testing/call-page.js';
import { settle } from '../../testing/fake-peer-connection.js';
import { callContext, callStatus, doctorPeer, patientUser, sessionOf } from '../../testing/fixtures.js';

describe('CallViewModel: call links', () => {
  it('takes the token out of the address bar before anything else, and skips the exchange with a cookie', async () => {
    const { model, platform, api } = callPage([activeContext({ via: 'link' })], { hash: `#token=${TOKEN}` });
    const loading = model.load();
    expect(platform.urls).toEqual(['/appointments/a1/call']);
    await loading;
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${CONTEXT}`,
      'GET /api/appointments/a1/messages?limit=500',
    ]);
    expect(model.state).toMatchObject({ viaLink: true, phase: expect.stringMatching(/starting|joining/) });
  });

  it('asks a visitor who is not signed in to confirm a name, then exchanges the link with it', async () => {
    const { model, api, connection } = callPage(
      [
        { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
        { method: 'GET', path: '/api/session', status: 401, body: err('unauthenticated') },
        {
          method: 'POST',
          path: '/api/call-links/inspect',
          status: 200,
          body: {
            role: 'patient',
            hospitalName: 'Riverside Clinic',
            doctorName: 'Dr. Ada',
            scheduledAt: Date.UTC(2026, 11, 3, 14, 30),
          },
        },
        {
          method: 'POST',
          path: '/api/call-links/exchange',
          status: 200,
          body: callContext({
            via: 'link',
            hasGrant: true,
            call: callStatus('waiting'),
            csrfToken: 'link-csrf',
          }),
        },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(model.state.phase).toBe('confirm-name');
    expect(model.state.invitation).toMatchObject({
      clinic: 'Riverside Clinic',
      doctor: 'Dr. Ada',
      whenIso: '2026-12-03T14:30:00.000Z',
    });
    expect(model.state.invitation?.when).toMatch(/2026/);
    await model.confirmName();
    expect(model.state.nameError).toBe('Enter your name.');
    expect(api.requests.some((r) => r.path === '/api/call-links/exchange')).toBe(false);
    model.setNameDraft('  Pat Smith ');
    await model.confirmName();
    const exchange = api.requests.find((r) => r.path === '/api/call-links/exchange');
    expect(exchange?.body).toEqual({ token: TOKEN, displayName: 'Pat Smith' });
    expect(model.state).toMatchObject({
      viaLink: true,
      role: 'patient',
      phase: expect.stringMatching(/starting|joining/),
    });
    await settle();
    connection().welcome();
    expect(connection().sent.map((m) => m.type)).toEqual(['subscribe', 'join']);
  });

  it('exchanges without a name when signed in', async () => {
    const { model, api } = callPage(
      [
        contextRoute({ self: doctorPeer, call: callStatus('waiting'), hasGrant: false }),
        {
          method: 'POST',
          path: '/api/call-links/exchange',
          status: 200,
          body: callContext({ self: doctorPeer, call: callStatus('waiting'), hasGrant: true }),
        },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(api.requests.find((r) => r.method === 'POST')).toMatchObject({
      body: { token: TOKEN },
      headers: { 'x-csrf-token': 'ctx-csrf-d1' },
    });
    expect(model.state.phase).toMatch(/starting|joining/);
  });

  it('asks for the name when the server says the patient link needs one', async () => {
    const { model } = callPage(
      [
        { method: 'GET', path: CONTEXT, status: 403, body: err('not_party') },
        { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
        { method: 'POST', path: '/api/call-links/exchange', status: 400, body: err('validation_failed') },
        {
          method: 'POST',
          path: '/api/call-links/inspect',
          status: 200,
          body: { role: 'patient', hospitalName: 'Riverside Clinic', doctorName: 'Dr. Ada', scheduledAt: 0 },
        },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(model.state.phase).toBe('confirm-name');
  });

  it.each([
    ['link_invalid', 'This link does not work'],
    ['link_expired', 'This link has expired'],
    ['link_revoked', 'This link has been replaced'],
    ['link_already_used', 'This link was already opened on another device'],
    ['link_for_other_user', 'This link is for someone else'],
    ['call_not_active', 'This call has ended'],
  ])(
    'a link refused at the exchange (%s) is a dead link in its own words, never showing the token',
    async (code, title) => {
      const { model, platform } = callPage(
        [
          { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
          { method: 'GET', path: '/api/session', status: 200, body: sessionOf(patientUser) },
          {
            method: 'POST',
            path: '/api/call-links/exchange',
            status: 410,
            body: err(code, `server ${TOKEN}`),
          },
        ],
        { hash: `#token=${TOKEN}` },
      );
      await model.load();
      expect(model.state).toMatchObject({
        phase: 'link-dead',
        statusText: title,
        linkRefusal: { title, whatToDo: expect.any(String) },
        viaLink: true,
      });
      expect(JSON.stringify(model.state)).not.toContain(TOKEN);
      expect(platform.replaced).toEqual([]);
    },
  );

  it('a dead link is said before the name is asked, and nothing is exchanged', async () => {
    const { model, api } = callPage(
      [
        { method: 'GET', path: CONTEXT, status: 401, body: err('unauthenticated') },
        { method: 'GET', path: '/api/session', status: 401, body: err('unauthenticated') },
        { method: 'POST', path: '/api/call-links/inspect', status: 410, body: err('link_expired') },
      ],
      { hash: `#token=${TOKEN}` },
    );
    await model.load();
    expect(model.state).toMatchObject({
      phase: 'link-dead',
      linkRefusal: { title: 'This link has expired' },
    });
    expect(api.requests.some((r) => r.path === '/api/call-links/exchange')).toBe(false);
  });

  it('stays on the page when a link visitor’s call ends', async () => {
    const { model, connection, platform } = callPage([activeContext({ via: 'link' })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    connection().receive({ type: 'call-status', call: callStatus('ended', 30), seq: 1 });
    expect(platform.replaced).toEqual([]);
    expect(model.state).toMatchObject({ phase: 'ended', statusText: expect.stringMatching(/has ended/) });
  });

  it('keeps a link visitor who leaves on the page, with the call cookie kept for Rejoin', async () => {
    const { model, connection, platform, api } = callPage([activeContext({ via: 'link' })]);
    await model.load();
    await settle();
    connection().welcome();
    joined(connection());
    model.leaveCall();
    expect(connection().sent.map((m) => m.type)).toContain('leave');
    expect(platform.replaced).toEqual([]);
    expect(api.requests.some((r) => r.path === '/api/call-cookie')).toBe(false);
    expect(model.state).toMatchObject({ phase: 'closed', statusText: expect.stringMatching(/rejoin/) });
    expect(model.state.screen.overlay).toMatchObject({ title: 'You left the call' });
    model.rejoin();
    expect(platform.reloads).toBe(1);
  });
});
