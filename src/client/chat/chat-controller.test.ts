import { describe, expect, it } from 'vitest';
import type { ChatMessageView } from '../../protocol/messages.js';
import { ApiError } from '../api/api-error.js';
import { ApiClient } from '../api/http-client.js';
import { fakeApi, type Route } from '../testing/fake-api.js';
import { chatMessage, doctorUser, patientUser } from '../testing/fixtures.js';
import { pageHarness } from '../testing/page-harness.js';
import { ChatController, HISTORY_PAGE, TOO_LONG_WORDS } from './chat-controller.js';
import { MAX_MESSAGE_CHARS } from './chat-outbox.js';

const MESSAGES = '/api/appointments/a1/messages';
const LATEST = `${MESSAGES}?limit=500`;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const history = (...messages: ReturnType<typeof chatMessage>[]): Route => ({
  method: 'GET',
  path: LATEST,
  status: 200,
  body: { messages },
});

function setup(routes: Route[], options: { visible?: boolean; handleError?: (e: unknown) => boolean } = {}) {
  const api = fakeApi(routes);
  const client = new ApiClient(api.fetch);
  client.csrfToken = 'csrf-p1';
  const { platform, socket, connection } = pageHarness({});
  const chat = new ChatController({
    appointmentId: 'a1',
    sender: { id: patientUser.id, displayName: patientUser.displayName, role: 'patient' },
    api: client,
    signaling: socket,
    newId: platform.newId,
    now: platform.now,
    visible: options.visible ?? false,
    ...(options.handleError ? { handleError: options.handleError } : {}),
  });
  socket.connect();
  return { api, chat, socket, connection, platform };
}

describe('ChatController', () => {
  it('loads the full history; what was there before is not unread', async () => {
    const { chat } = setup([
      history(chatMessage('m1', doctorUser, 'Hello'), chatMessage('m2', patientUser, 'Hi')),
    ]);
    const loading = chat.start();
    expect(chat.state.loading).toBe(true);
    await loading;
    expect(chat.state).toMatchObject({ loading: false, error: null, unread: 0 });
    expect(chat.state.entries.map((e) => e.body)).toEqual(['Hello', 'Hi']);
  });

  it('counts live messages from the other party while hidden, once each, and clears them when shown', async () => {
    const { chat, connection } = setup([history()]);
    await chat.start();
    connection().welcome();
    const fromDoctor = chatMessage('m1', doctorUser, 'Can you hear me?');
    connection().receive({ type: 'chat', message: fromDoctor });
    connection().receive({ type: 'chat', message: fromDoctor });
    connection().receive({ type: 'chat', message: chatMessage('m2', patientUser, 'From my other tab') });
    connection().receive({
      type: 'chat',
      message: { ...chatMessage('m3', doctorUser, 'x'), appointmentId: 'a2' },
    });
    expect(chat.state.unread).toBe(1);
    expect(chat.state.entries.map((e) => e.id)).toEqual(['m1', 'm2']);
    chat.setVisible(true);
    expect(chat.state.unread).toBe(0);
    connection().receive({ type: 'chat', message: chatMessage('m4', doctorUser, 'Seen at once') });
    expect(chat.state.unread).toBe(0);
    chat.setVisible(false);
    connection().receive({ type: 'chat', message: chatMessage('m5', doctorUser, 'Later') });
    expect(chat.state.unread).toBe(1);
  });

  it('reloads the history after a reconnect; a message missed meanwhile is unread', async () => {
    const missed = chatMessage('m7', doctorUser, 'While you were away');
    const { chat, connection, platform, api } = setup([history(), history(missed)]);
    await chat.start();
    connection().welcome();
    connection().serverClose(1006);
    platform.fakeTimers.advance(250);
    connection().welcome();
    await flush();
    expect(api.requests.filter((r) => r.path === LATEST)).toHaveLength(2);
    expect(chat.state.entries.map((e) => e.body)).toEqual(['While you were away']);
    expect(chat.state.unread).toBe(1);
  });

  it('sends over the socket: pending at once, one copy after the ack and the push, never unread', async () => {
    const { chat, connection } = setup([history()]);
    await chat.start();
    connection().welcome();
    chat.setDraft('Hello doctor');
    chat.send();
    expect(chat.state.draft).toBe('');
    expect(chat.state.entries).toEqual([
      expect.objectContaining({ body: 'Hello doctor', status: 'pending' }),
    ]);
    const sent = connection().sent.at(-1) as { id: string };
    expect(sent).toMatchObject({ type: 'chat', appointmentId: 'a1', clientId: 'id-1', body: 'Hello doctor' });
    const stored = chatMessage('m1', patientUser, 'Hello doctor', 'id-1');
    connection().receive({ type: 'chat', message: stored });
    connection().receive({ type: 'ack', id: sent.id, message: stored });
    await flush();
    expect(chat.state.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
    expect(chat.state.unread).toBe(0);
  });

  it('posts over HTTP while the socket is down, with the CSRF token', async () => {
    const stored = chatMessage('m1', patientUser, 'Offline hello', 'id-1');
    const { chat, api } = setup([
      history(),
      { method: 'POST', path: MESSAGES, status: 201, body: { message: stored } },
    ]);
    await chat.start();
    chat.setDraft('Offline hello');
    chat.send();
    await flush();
    const post = api.requests.find((r) => r.method === 'POST');
    expect(post).toMatchObject({
      body: { clientId: 'id-1', body: 'Offline hello' },
      headers: { 'x-csrf-token': 'csrf-p1' },
    });
    expect(chat.state.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
  });

  it('keeps a refused message with the reason and sends it again on retry, with the same clientId', async () => {
    const stored = chatMessage('m1', patientUser, 'Try again', 'id-1');
    const { chat, api } = setup([
      history(),
      {
        method: 'POST',
        path: MESSAGES,
        status: 429,
        body: { error: { code: 'rate_limited', message: 'Slow down.' } },
      },
      { method: 'POST', path: MESSAGES, status: 201, body: { message: stored } },
    ]);
    await chat.start();
    chat.setDraft('Try again');
    chat.send();
    await flush();
    expect(chat.state.entries).toEqual([
      expect.objectContaining({ status: 'failed', error: 'Slow down.', body: 'Try again' }),
    ]);
    chat.retry('id-1');
    await flush();
    const posts = api.requests.filter((r) => r.method === 'POST').map((r) => r.body);
    expect(posts).toEqual([
      { clientId: 'id-1', body: 'Try again' },
      { clientId: 'id-1', body: 'Try again' },
    ]);
    expect(chat.state.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
  });

  it('refuses an over-long draft in words and keeps it; an empty one does nothing', async () => {
    const { chat, api } = setup([history()]);
    await chat.start();
    chat.setDraft('   ');
    chat.send();
    expect(chat.state).toMatchObject({ entries: [], error: null });
    const long = 'x'.repeat(MAX_MESSAGE_CHARS + 1);
    chat.setDraft(long);
    chat.send();
    expect(chat.state).toMatchObject({ entries: [], error: TOO_LONG_WORDS, draft: long });
    expect(api.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('says when the history cannot be loaded, unless the page handles the error itself', async () => {
    const refused: Route = {
      method: 'GET',
      path: LATEST,
      status: 500,
      body: { error: { code: 'internal', message: 'Broken.' } },
    };
    const { chat } = setup([refused]);
    await chat.start();
    expect(chat.state).toMatchObject({ loading: false, error: 'The messages could not be loaded. Broken.' });

    const handled: unknown[] = [];
    const signedOut: Route = {
      method: 'GET',
      path: LATEST,
      status: 401,
      body: { error: { code: 'unauthenticated', message: 'x' } },
    };
    const second = setup([signedOut], { handleError: (e) => handled.push(e) > 0 });
    await second.chat.start();
    expect(second.chat.state.error).toBeNull();
    expect(handled).toEqual([expect.any(ApiError)]);
  });

  it('stops listening when disposed', async () => {
    const { chat, connection } = setup([history()]);
    await chat.start();
    connection().welcome();
    chat.dispose();
    connection().receive({ type: 'chat', message: chatMessage('m1', doctorUser, 'Gone') });
    expect(chat.state.entries).toEqual([]);
  });
});

describe('ChatController: a long conversation', () => {
  /** n messages from the doctor, one millisecond apart from `from`, oldest first. */
  const messages = (n: number, from: number, prefix: string): ChatMessageView[] =>
    Array.from({ length: n }, (_, i) => ({
      ...chatMessage(`${prefix}${i}`, doctorUser, `${prefix} ${i}`),
      createdAt: from + i,
    }));

  it('pages back until a page is not full, so the whole history is shown, each message once', async () => {
    const newest = messages(HISTORY_PAGE, 10_000, 'n');
    // The older page overlaps by the millisecond of the newest page's oldest message.
    const older = [...messages(120, 9_880, 'o'), { ...newest[0], createdAt: 10_000 } as ChatMessageView];
    const { chat, api } = setup([
      history(...newest),
      { method: 'GET', path: `${MESSAGES}?limit=500&before=10001`, status: 200, body: { messages: older } },
    ]);
    await chat.start();
    expect(api.requests.map((r) => r.path)).toEqual([LATEST, `${MESSAGES}?limit=500&before=10001`]);
    expect(chat.state.entries).toHaveLength(HISTORY_PAGE + 120);
    expect(chat.state.entries[0]?.body).toBe('o 0');
    expect(chat.state.entries.at(-1)?.body).toBe(`n ${HISTORY_PAGE - 1}`);
    expect(chat.state.unread).toBe(0);
  });

  it('a reload after a reconnect stops paging at the messages it already has', async () => {
    const first = messages(10, 1_000, 'a');
    const missed = messages(HISTORY_PAGE, 2_000, 'b');
    const { chat, api, connection, platform } = setup([
      history(...first),
      history(...missed.slice(-HISTORY_PAGE + 1), ...first.slice(-1)),
    ]);
    await chat.start();
    connection().welcome();
    connection().serverClose(1006);
    platform.fakeTimers.advance(250);
    connection().welcome();
    await flush();
    expect(api.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    expect(chat.state.entries).toHaveLength(10 + HISTORY_PAGE - 1);
  });
});
