import { describe, expect, it } from 'vitest';
import type { ChatMessageView } from '../../protocol/messages.js';
import { ChatLog } from './chat-log.js';

const me = { id: 'u-doc', displayName: 'Dr. Ada', role: 'doctor' as const };

function stored(id: string, createdAt: number, overrides: Partial<ChatMessageView> = {}): ChatMessageView {
  return {
    id,
    appointmentId: 'a1',
    senderId: 'u-pat',
    senderRole: 'patient',
    senderName: 'Pat',
    body: `message ${id}`,
    clientId: `client-${id}`,
    createdAt,
    ...overrides,
  };
}

describe('ChatLog', () => {
  it('keeps stored messages in server time order whatever order they arrive in', () => {
    const log = new ChatLog();
    log.merge([stored('m2', 20)]);
    log.merge([stored('m1', 10), stored('m3', 30)]);
    expect(log.entries.map((e) => e.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('ignores a message it already has (history reload after a live push)', () => {
    const log = new ChatLog();
    log.merge([stored('m1', 10)]);
    const before = log.entries;
    log.merge([stored('m1', 10)]);
    expect(log.entries).toBe(before);
    expect(log.entries).toHaveLength(1);
  });

  it('confirms a pending message by clientId, keeping its key, and then ignores the live copy', () => {
    const log = new ChatLog();
    log.merge([stored('m1', 10)]);
    log.addPending('k1', 'hello', me, 99);
    expect(log.entries.at(-1)).toMatchObject({ status: 'pending', id: null, key: 'c:k1' });

    const confirmed = stored('m2', 50, {
      clientId: 'k1',
      senderId: me.id,
      body: 'hello',
      senderName: me.displayName,
    });
    log.merge([confirmed]);
    expect(log.entries).toHaveLength(2);
    expect(log.entries.at(-1)).toMatchObject({ status: 'sent', id: 'm2', key: 'c:k1', createdAt: 50 });

    log.merge([confirmed]);
    expect(log.entries).toHaveLength(2);
  });

  it('confirms by the live copy when it arrives before the ack', () => {
    const log = new ChatLog();
    log.addPending('k1', 'hello', me, 1);
    log.merge([stored('m9', 5, { clientId: 'k1', senderId: me.id, body: 'hello' })]);
    log.fail('k1', 'late failure');
    expect(log.entries).toEqual([expect.objectContaining({ id: 'm9', status: 'sent', error: null })]);
  });

  it('does not let another sender reuse my clientId to replace my pending message', () => {
    const log = new ChatLog();
    log.addPending('k1', 'mine', me, 1);
    log.merge([stored('m1', 5, { clientId: 'k1', senderId: 'someone-else', body: 'theirs' })]);
    expect(log.entries.map((e) => [e.body, e.status])).toEqual([
      ['theirs', 'sent'],
      ['mine', 'pending'],
    ]);
  });

  it('keeps pending and failed messages after the stored ones, in the order they were written', () => {
    const log = new ChatLog();
    log.addPending('k1', 'first', me, 100);
    log.addPending('k2', 'second', me, 101);
    log.fail('k1', 'Network down');
    log.merge([stored('m1', 500)]);
    expect(log.entries.map((e) => e.body)).toEqual(['message m1', 'first', 'second']);
    expect(log.entries[1]).toMatchObject({ status: 'failed', error: 'Network down' });
    expect(log.retry('k1')).toMatchObject({ status: 'pending', error: null });
    expect(log.retry('k1')).toBeNull();
  });
});
