import { describe, expect, it } from 'vitest';
import type { ChatMessageView } from '../../protocol/messages.js';
import { ChatLog } from './chat-log.js';
import { ChatOutbox, type ChatTransport, MAX_MESSAGE_CHARS, type OutgoingChat } from './chat-outbox.js';

class TransientError extends Error {}

interface Deferred {
  message: OutgoingChat;
  resolve(view: ChatMessageView): void;
  reject(error: unknown): void;
}

class FakeTransport implements ChatTransport {
  ready = true;
  readonly socket: Deferred[] = [];
  readonly http: Deferred[] = [];

  socketReady(): boolean {
    return this.ready;
  }

  sendViaSocket(message: OutgoingChat): Promise<ChatMessageView> {
    return new Promise((resolve, reject) => this.socket.push({ message, resolve, reject }));
  }

  sendViaHttp(message: OutgoingChat): Promise<ChatMessageView> {
    return new Promise((resolve, reject) => this.http.push({ message, resolve, reject }));
  }

  isTransient(error: unknown): boolean {
    return error instanceof TransientError;
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const log = new ChatLog();
  const transport = new FakeTransport();
  let n = 0;
  let changes = 0;
  const outbox = new ChatOutbox({
    appointmentId: 'a1',
    log,
    transport,
    sender: { id: 'u1', displayName: 'Pat', role: 'patient' },
    newClientId: () => `k${++n}`,
    now: () => 1000,
    onChange: () => changes++,
  });
  const storedFor = (m: OutgoingChat, id: string): ChatMessageView => ({
    id,
    appointmentId: m.appointmentId,
    senderId: 'u1',
    senderRole: 'patient',
    senderName: 'Pat',
    body: m.body,
    clientId: m.clientId,
    createdAt: 2000,
  });
  return { log, transport, outbox, storedFor, changes: () => changes };
}

describe('ChatOutbox', () => {
  it('shows the message as pending until the socket ack, then as sent', async () => {
    const { log, transport, outbox, storedFor, changes } = setup();
    expect(outbox.send('  hello  ')).toEqual({ ok: true, clientId: 'k1' });
    expect(log.entries).toEqual([expect.objectContaining({ body: 'hello', status: 'pending' })]);
    expect(changes()).toBe(1);
    const [request] = transport.socket;
    expect(request?.message).toEqual({ appointmentId: 'a1', clientId: 'k1', body: 'hello' });
    request?.resolve(storedFor(request.message, 'm1'));
    await flush();
    expect(log.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
    expect(transport.http).toHaveLength(0);
    expect(changes()).toBe(2);
  });

  it('posts over HTTP when the socket is not open', async () => {
    const { log, transport, outbox, storedFor } = setup();
    transport.ready = false;
    outbox.send('hello');
    expect(transport.socket).toHaveLength(0);
    const [post] = transport.http;
    post?.resolve(storedFor(post.message, 'm1'));
    await flush();
    expect(log.entries[0]?.status).toBe('sent');
  });

  it('falls back to HTTP with the same clientId when the socket drops the request', async () => {
    const { log, transport, outbox, storedFor } = setup();
    outbox.send('hello');
    transport.socket[0]?.reject(new TransientError('disconnected'));
    await flush();
    const [post] = transport.http;
    expect(post?.message.clientId).toBe('k1');
    post?.resolve(storedFor(post.message, 'm1'));
    await flush();
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]?.status).toBe('sent');
  });

  it('marks the message failed on a server refusal, without a fallback, and retries with the same clientId', async () => {
    const { log, transport, outbox, storedFor } = setup();
    outbox.send('hello');
    transport.socket[0]?.reject(new Error('Too many requests. Slow down.'));
    await flush();
    expect(transport.http).toHaveLength(0);
    expect(log.entries[0]).toMatchObject({ status: 'failed', error: 'Too many requests. Slow down.' });

    outbox.retry('k1');
    expect(log.entries[0]?.status).toBe('pending');
    const again = transport.socket[1];
    expect(again?.message.clientId).toBe('k1');
    again?.resolve(storedFor(again.message, 'm1'));
    await flush();
    expect(log.entries).toEqual([expect.objectContaining({ id: 'm1', status: 'sent' })]);
  });

  it('de-duplicates when the live push arrives before the ack', async () => {
    const { log, transport, outbox, storedFor } = setup();
    outbox.send('hello');
    const request = transport.socket[0];
    if (!request) throw new Error('no request');
    const view = storedFor(request.message, 'm1');
    log.merge([view]);
    request.resolve(view);
    await flush();
    expect(log.entries).toHaveLength(1);
  });

  it('refuses empty and over-long messages', () => {
    const { log, outbox } = setup();
    expect(outbox.send('   ')).toEqual({ ok: false, reason: 'empty' });
    expect(outbox.send('x'.repeat(MAX_MESSAGE_CHARS + 1))).toEqual({ ok: false, reason: 'too_long' });
    expect(log.entries).toHaveLength(0);
  });
});
